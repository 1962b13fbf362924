import type { Span } from "../../grammar/span.js";
import { formatType } from "../ir/type-utils.js";
import type { Node, TensorType, Type } from "../ir/types.js";
import type { KernelSpec } from "./kernel.js";
import { f32Literal } from "./wgsl.js";

/** What every emitter takes and how it refuses: the shared contract of `compiler/codegen`. */

export interface EmitOptions {
  /** Symbol values known at compile time (the module's `symbols`); sizes they fix are baked in. */
  symbols?: Readonly<Record<string, number>>;
  /** The kernel's name; defaults to one derived from the op and its variant. */
  name?: string;
  /**
   * Invocations per workgroup of one-dimensional kernels (elementwise, SpMM): a power of two from
   * 1 to 256. Larger groups amortise scheduling; the default suits both lavapipe and real GPUs.
   */
  workgroupSize?: number;
  /**
   * How `t.matmul` tiles: `registers` (default; operands read from storage into register blocks,
   * fastest on software Vulkan) or `workgroup` (tiles staged in workgroup memory, the classic
   * hardware-GPU kernel).
   */
  matmulTiling?: "registers" | "workgroup";
  /**
   * For `t.scatter_slice` and `t.slice_add` only: update operand 0 (the base) in place — it is bound
   * `read_write`, only its slice i is written, and there is no output binding (the result is the
   * base's buffer). For loop accumulators the executor owns; no other op has an in-place variant.
   */
  inPlace?: boolean;
}

/** An emitter: one IR node (with its operand types) to one kernel. */
export type KernelEmitter = (node: Node, inputs: readonly Type[], options: EmitOptions) => KernelSpec;

/**
 * The hook of an op whose operands may outnumber one kernel's storage buffers: the launches that
 * compute the node, in order, all writing its one output buffer (one launch when they fit).
 */
export type LaunchesEmitter = (node: Node, inputs: readonly Type[], options: EmitOptions) => KernelSpec[];

/** The hook of an epilogue producer: storage buffers its kernel binds besides the output (fuse-epilogue's budget). */
export type OperandBuffers = (node: Node) => number;

/** The node cannot be turned into a kernel (an op or a dtype/shape variant without one). */
export class CodegenError extends Error {
  constructor(
    readonly op: string,
    readonly detail: string,
    readonly span?: Span,
  ) {
    super(`cannot generate a kernel for ${op}: ${detail}`);
  }
}

export function tensorOperand(node: Node, inputs: readonly Type[], i: number): TensorType {
  const t = inputs[i];
  if (t?.kind !== "tensor") throw new CodegenError(node.op, `operand ${i} is ${t ? formatType(t) : "missing"}, not a tensor`, node.span);
  return t;
}

export function tensorResult(node: Node): TensorType {
  if (node.type.kind !== "tensor") throw new CodegenError(node.op, `result is ${formatType(node.type)}, not a tensor`, node.span);
  return node.type;
}

/**
 * Invocations per workgroup of one-dimensional kernels when the options name none: two wavefronts
 * of 32 on most GPUs, and the size lavapipe measured as fast as any (EmitOptions.workgroupSize).
 */
export const DEFAULT_WORKGROUP = 64;

/** The workgroup size `options` ask for (DEFAULT_WORKGROUP when none), checked. */
export function workgroupSizeOf(node: Node, options: EmitOptions): number {
  const size = options.workgroupSize ?? DEFAULT_WORKGROUP;
  if (!Number.isInteger(size) || size < 1 || size > 256 || (size & (size - 1)) !== 0) {
    throw new CodegenError(node.op, `workgroup size ${size} is not a power of two from 1 to 256`, node.span);
  }
  return size;
}

export function spansOf(node: Node): Span[] {
  return node.span ? [node.span] : [];
}

/** `t.matmul` → `t_matmul`: op names as WGSL/label-friendly identifiers. */
export function identOf(op: string): string {
  return op.replace(/[^A-Za-z0-9]/g, "_");
}

/** A float attribute as a WGSL f32 literal; values that are not finite in f32 (WGSL cannot write them) are refused. */
export function attrLiteral(node: Node, value: number, what: string): string {
  if (!Number.isFinite(Math.fround(value))) {
    throw new CodegenError(node.op, `${what} = ${value} is not a finite f32 and cannot be written in WGSL`, node.span);
  }
  return f32Literal(value);
}
