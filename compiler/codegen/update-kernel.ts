import { dimMul } from "../ir/dims.js";
import type { Node, Type } from "../ir/types.js";
import { assembleKernel } from "./assemble.js";
import { BindingList } from "./bindings.js";
import { CodegenError, tensorOperand, tensorResult, workgroupSizeOf, type EmitOptions } from "./emit-context.js";
import { indent } from "./flat-kernel.js";
import { ENTRY_PARAMS, LINEAR_WORKGROUP, gridFor, groupsFor } from "./grid.js";
import type { KernelSpec } from "./kernel.js";
import { kernelModule, SizeTable } from "./wgsl.js";
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
  const kernel = assembleKernel(node, {
    name: options.name ?? def.name,
    summary: def.summary,
    sizes,
    bindings,
    helpers: def.helpers,
    body,
    workgroup: wg,
    dispatch: (s) => gridFor(groupsFor(Math.ceil(s.total / 4), wg * PER_INVOCATION)),
  });
  return { ...kernel, update: { def, workgroup: wg } };
}

/** One update of a merged launch: its kernel, and the buffer (slot) of each of its bindings in order. */
export interface UpdatePart {
  kernel: KernelSpec;
  /** The slots of its tensors, then its scalars, then its output. */
  slots: readonly number[];
}

/** An update part's slots by role. */
export function partSlots(p: UpdatePart): { tensors: readonly number[]; scalars: readonly number[]; output: number } {
  const def = p.kernel.update!.def;
  const t = def.tensors.length;
  const n = (def.scalars ?? []).length;
  return { tensors: p.slots.slice(0, t), scalars: p.slots.slice(t, t + n), output: p.slots[t + n] };
}

/**
 * Consecutive updates as one kernel, each element's updates in their order: what the launches one
 * after another compute, element by element. `chains[k]` numbers part k's element count: parts of
 * one chain (one parameter's decay, moments and step) cover the same elements, and each chain is
 * bounded by its own count (a sizes entry `total<c>`), so a weight and its bias share a launch.
 * Each distinct buffer is bound once (read_write where some update writes it); a tensor an earlier
 * update wrote is read from that update's value, not the buffer, and each buffer is stored once,
 * its last value — what it holds after the launches one after another. `slots` is the kernel's
 * bindings' buffers, in order. The caller checks that no update writes a buffer some update reads
 * as a scalar, and that a part reads only tensors written within its own chain.
 */
export function mergedUpdateKernel(parts: readonly UpdatePart[], chains: readonly number[] = parts.map(() => 0)): { kernel: KernelSpec; slots: number[] } {
  const first = parts[0].kernel;
  const wg = first.update!.workgroup;
  const slots: number[] = [];
  const roles = parts.map(partSlots);
  const written = new Set(roles.map((r) => r.output));
  const scalarRead = new Set(roles.flatMap((r) => r.scalars));
  const buffer = (slot: number) => {
    if (!slots.includes(slot)) slots.push(slot);
    return `b${slots.indexOf(slot)}`;
  };
  // Per part: a scope with its scalars and prelude, then its value for each of the invocation's elements.
  const lastWriter = new Map<number, number>();
  const blocks = parts.map((part, k) => {
    const { def } = part.kernel.update!;
    const { tensors, scalars, output } = roles[k];
    const loads = def.tensors.map((t, j) => {
      const writer = lastWriter.get(tensors[j]);
      return `let ${t.name} = ${writer === undefined ? `${buffer(tensors[j])}[q]` : `gnnc_r${writer}[gnnc_e]`};`;
    });
    const once = [...(def.scalars ?? []).map((s, j) => `let ${s.name} = ${buffer(scalars[j])}[0];`), ...(def.prelude ? [def.prelude] : [])];
    lastWriter.set(output, k);
    return `  // ${def.name}
  var gnnc_r${k}: array<vec4<f32>, ${PER_INVOCATION}>;
  {
${indent(once.join("\n"), 4)}
    for (var gnnc_e = 0u; gnnc_e < ${PER_INVOCATION}u; gnnc_e = gnnc_e + 1u) {
      let q = gnnc_q0 + gnnc_e * ${wg}u;
      if (q < gnnc_n4_${chains[k]}) {
${indent(loads.join("\n"), 8)}
        gnnc_r${k}[gnnc_e] = ${def.value};
      }
    }
  }
`;
  });
  const stores = [...lastWriter].map(([slot, k]) => `      if (q < gnnc_n4_${chains[k]}) {\n        ${buffer(slot)}[q] = gnnc_r${k}[gnnc_e];\n      }`);
  const sizes = new SizeTable();
  const count = Math.max(...chains) + 1;
  const totals = Array.from({ length: count }, (_, c) => sizes.add(`total${c}`, parts[chains.indexOf(c)].kernel.sizes.total, "runtime"));
  const list = new BindingList();
  for (const [i, slot] of slots.entries()) {
    // A scalar buffer is read as f32 (element 0), any other as vec4s.
    list.add(`b${i}`, written.has(slot) ? "read_write" : "read", scalarRead.has(slot) ? "array<f32>" : "array<vec4<f32>>", { kind: "input", input: i });
  }
  const body = `  let gnnc_q0 = ${LINEAR_WORKGROUP} * ${wg * PER_INVOCATION}u + lid;
${totals.map((t, c) => `  let gnnc_n4_${c} = (${t} + 3u) / 4u;`).join("\n")}
${blocks.join("")}  for (var gnnc_e = 0u; gnnc_e < ${PER_INVOCATION}u; gnnc_e = gnnc_e + 1u) {
    let q = gnnc_q0 + gnnc_e * ${wg}u;
${stores.join("\n")}
  }
`;
  const names = parts.map((p) => p.kernel.update!.def.name);
  const helpers = [...new Set(parts.flatMap((p) => p.kernel.update!.def.helpers ?? []))];
  const name = names.join("+");
  const bindings = list.finish(sizes);
  const module = kernelModule({ name, summary: `${names.length} optimizer updates, element by element: ${names.join(", ")}`, sizes, bindings, helpers, body: `@compute @workgroup_size(${wg})\nfn main(${ENTRY_PARAMS}) {\n${body}}\n` });
  const kernel: KernelSpec = {
    name,
    op: first.op,
    ...module,
    entryPoint: "main",
    workgroupSize: [wg, 1, 1],
    bindings,
    sizes: sizes.all,
    uniforms: sizes.uniforms,
    dispatch: (z) => gridFor(groupsFor(Math.ceil(Math.max(...totals.map((_, c) => z[`total${c}`])) / 4), wg * PER_INVOCATION)),
    spans: parts.flatMap((p) => p.kernel.spans),
  };
  return { kernel, slots };
}
