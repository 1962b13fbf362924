import { dimMul } from "../ir/dims.js";
import type { Node, Type } from "../ir/types.js";
import { assembleKernel } from "./assemble.js";
import { BindingList } from "./bindings.js";
import { CodegenError, tensorOperand, tensorResult, workgroupSizeOf, type EmitOptions } from "./emit-context.js";
import { indent } from "./flat-kernel.js";
import { LINEAR_WORKGROUP, gridFor, groupsFor } from "./grid.js";
import type { KernelSpec } from "./kernel.js";
import { SizeTable } from "./wgsl.js";
import { refuseInPlace } from "./words.js";

/**
 * The skeleton of the optimizer-update kernels (opt.sgd_*, opt.adam_*, opt.l2, opt.decay): a
 * result shaped like operand 0, element by element, from operands of that shape (read as vec4s)
 * and f32 scalars (lr, the step count t: element 0 of their buffer).
 *
 * Every buffer holds whole vec4s (the executor pads values to 16 bytes), so the kernel covers
 * ⌈n/4⌉ vec4s and also computes the padding lanes of the last one, which nobody reads. The element
 * count only bounds the grid, so it always travels in the sizes uniform: one pipeline serves every
 * parameter shape of a model (pipeline compilation, not the update, is what costs).
 */

/** vec4s per invocation, strided by the workgroup size (neighbouring invocations, neighbouring memory). */
const PER_INVOCATION = 4;

/** An operand: `input` is its position in the node; `name` the WGSL value it is read into. */
export interface UpdateOperand {
  name: string;
  input: number;
}

export interface UpdateKernelDef {
  name: string;
  summary: string;
  /** Read per work item as `let <name>: vec4<f32>`. */
  tensors: readonly UpdateOperand[];
  /** Read once per invocation as `let <name>: f32`. */
  scalars?: readonly UpdateOperand[];
  /** Statements run once per invocation after the scalars are read (per-step factors). */
  prelude?: string;
  /** The result's vec4<f32> expression over the tensors, scalars and prelude values. */
  value: string;
  helpers?: readonly string[];
}

/** Refuse operands that are not f32 (f16 needs the shader-f16 feature). */
function requireF32(node: Node, inputs: readonly Type[], operands: readonly UpdateOperand[]): void {
  for (const o of operands) {
    const t = tensorOperand(node, inputs, o.input);
    if (t.dtype !== "f32") throw new CodegenError(node.op, `operand ${o.name} is ${t.dtype}: only f32 has a GPU kernel`, node.span);
  }
}

export function updateKernel(node: Node, inputs: readonly Type[], options: EmitOptions, def: UpdateKernelDef): KernelSpec {
  refuseInPlace(node, options);
  const scalars = def.scalars ?? [];
  requireF32(node, inputs, [...def.tensors, ...scalars]);
  const out = tensorResult(node);
  if (out.dtype !== "f32") throw new CodegenError(node.op, `result is ${out.dtype}: only f32 has a GPU kernel`, node.span);
  const wg = workgroupSizeOf(node, options);

  const sizes = new SizeTable(options.symbols);
  const total = sizes.add("total", out.shape.reduce<number | string>((n, d) => dimMul(n, d), 1), "runtime");
  const list = new BindingList();
  for (const t of def.tensors) list.add(`${t.name}_in`, "read", "array<vec4<f32>>", { kind: "input", input: t.input });
  for (const s of scalars) list.add(`${s.name}_in`, "read", "array<f32>", { kind: "input", input: s.input });
  const bindings = list.add("out", "read_write", "array<vec4<f32>>", { kind: "output" }).finish(sizes);

  const once = [...scalars.map((s) => `let ${s.name} = ${s.name}_in[0];`), ...(def.prelude ? [def.prelude] : [])];
  const loads = def.tensors.map((t) => `let ${t.name} = ${t.name}_in[q];`);
  const body = `${indent(once.join("\n"), 2)}${once.length ? "\n" : ""}  let q0 = ${LINEAR_WORKGROUP} * ${wg * PER_INVOCATION}u + lid;
  for (var k = 0u; k < ${PER_INVOCATION}u; k = k + 1u) {
    let q = q0 + k * ${wg}u;
    if (q < (${total} + 3u) / 4u) {
${indent(loads.join("\n"), 6)}
      out[q] = ${def.value};
    }
  }
`;
  return assembleKernel(node, {
    name: options.name ?? def.name,
    summary: def.summary,
    sizes,
    bindings,
    helpers: def.helpers,
    body,
    workgroup: wg,
    dispatch: (s) => gridFor(groupsFor(Math.ceil(s.total / 4), wg * PER_INVOCATION)),
  });
}
