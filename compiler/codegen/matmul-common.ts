import type { Node, Type } from "../ir/types.js";
import { BindingList } from "./bindings.js";
import type { EpilogueHook, KernelEpilogue } from "./epilogue-apply.js";
import { CodegenError, tensorOperand, tensorResult, type EmitOptions, type OperandBuffers } from "./emit-context.js";
import type { KernelBinding } from "./kernel.js";
import { SizeTable } from "./wgsl.js";

/**
 * What both matmul kernels share: operand checks, sizes and the vec4 decisions. Stored layouts:
 * A is [M,K] (or [K,M] with transA), B is [K,N] (or [N,K] with transB), C is [M,N]. An operand
 * is read as vec4s along its stored rows when their length is known to be a multiple of 4, so
 * that every vec4 is aligned and lies wholly inside or outside the matrix.
 */
export interface MatmulSetup {
  /** How many products side by side (t.group_matmul's G, WGSL), the group index `grp` in the kernel; undefined for one. */
  groups?: string;
  /** Where each operand's stored elements are (stored rows are longer when an operand is a column block of a wider matrix). */
  layout: { a: OperandLayout; b: OperandLayout; c: OperandLayout };
  transA: boolean;
  transB: boolean;
  sizes: SizeTable;
  /** WGSL expressions of the sizes. */
  M: string;
  N: string;
  K: string;
  aVec: boolean;
  bVec: boolean;
  cVec: boolean;
  bindings: KernelBinding[];
  epilogue?: KernelEpilogue;
}

/** Element (row, col) of a stored matrix is at `base + row · stride + col`; `base` is WGSL in `grp`, "" for 0. */
export interface OperandLayout {
  stride: string;
  base: string;
}

/** WGSL of the flat index of stored element (row, col). */
export function flatIndex(l: OperandLayout, row: string, col: string): string {
  return `${l.base ? `${l.base} + ` : ""}${row} * ${l.stride} + ${col}`;
}

/** Whether size `name` is known and a multiple of 4 (so an operand may be read as vec4s along it). */
export function multipleOf4(sizes: SizeTable, name: string): boolean {
  const v = sizes.known(name);
  return v !== undefined && v % 4 === 0;
}

/** An operand's WGSL array type: vec4s when read as vec4s. */
export function operandArray(vec: boolean): string {
  return vec ? "array<vec4<f32>>" : "array<f32>";
}

/** `hook`: an epilogue applied before each store (epilogue-apply.ts); its operands bind before C. */
export function matmulSetup(node: Node, inputs: readonly Type[], options: EmitOptions, hook?: EpilogueHook): MatmulSetup {
  const a = tensorOperand(node, inputs, 0);
  const b = tensorOperand(node, inputs, 1);
  const c = tensorResult(node);
  if (a.dtype !== "f32" || b.dtype !== "f32") throw new CodegenError(node.op, `only f32 has a kernel, got ${a.dtype}`, node.span);
  const transA = node.attrs.transA === true;
  const transB = node.attrs.transB === true;
  // Sizes only bound loops and tiles, so they are passed at run time: one pipeline per
  // transpose/alignment variant serves every layer. Known sizes still choose the vec4 paths.
  const sizes = new SizeTable(options.symbols);
  const M = sizes.add("m", c.shape[0], "runtime");
  const N = sizes.add("n", c.shape[1], "runtime");
  const K = sizes.add("k", transA ? a.shape[0] : a.shape[1], "runtime");
  const aVec = multipleOf4(sizes, transA ? "m" : "k");
  const bVec = multipleOf4(sizes, transB ? "k" : "n");
  const cVec = multipleOf4(sizes, "n");
  const list = new BindingList()
    .add("a", "read", operandArray(aVec), { kind: "input", input: 0 })
    .add("b", "read", operandArray(bVec), { kind: "input", input: 1 });
  const epilogue = hook?.(sizes, list);
  const bindings = list.add("c", "read_write", operandArray(cVec), { kind: "output" }).finish(sizes);
  const layout = { a: { stride: transA ? M : K, base: "" }, b: { stride: transB ? K : N, base: "" }, c: { stride: N, base: "" } };
  return { layout, transA, transB, sizes, M, N, K, aVec, bVec, cVec, bindings, epilogue };
}

/** Storage buffers a matmul kernel binds besides C: A and B (the epilogue's extras come after them). */
export const matmulOperandBuffers: OperandBuffers = () => 2;

export function matmulName(options: EmitOptions, s: MatmulSetup, suffix = ""): string {
  return options.name ?? `t_matmul_${s.transA ? "t" : "n"}${s.transB ? "t" : "n"}${suffix}`;
}
