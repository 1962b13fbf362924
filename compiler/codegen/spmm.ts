import { edgeWeights } from "./edge-weights.js";
import { product } from "./words.js";
import { stringAttr } from "../ir/attrs.js";
import type { Node, Type } from "../ir/types.js";
import { BindingList } from "./bindings.js";
import type { EpilogueHook } from "./epilogue-apply.js";
import { CodegenError, tensorOperand, tensorResult, workgroupSizeOf, type EmitOptions, type OperandBuffers } from "./emit-context.js";
import type { KernelSpec } from "./kernel.js";
import { orderRows, rowKernel, rowSizes, rowSlices } from "./row-kernel.js";
import { SizeTable } from "./wgsl.js";

/**
 * `g.spmm` over the CSR-by-destination graph: out[i] = reduce over edges e into i of w[e]·x[src[e]]
 * (sum, mean or max; rows without edges give 0). A row kernel (row-kernel.ts): each invocation
 * owns one destination row, or one slice of a wide row, and walks that row's edges in CSR order.
 */

/**
 * Storage buffers an SpMM kernel binds besides its output: the graph's indptr and src, the weights
 * if any, x (and the rows' order when a binding is left for it: row-kernel.ts orderRows).
 */
export const spmmOperandBuffers: OperandBuffers = (node) => 2 + (node.inputs.length - 1);

/** `epilogue`: applied to each value before it is stored (g.spmm_epilogue, see epilogue.ts). */
export function emitSpmm(node: Node, inputs: readonly Type[], options: EmitOptions, epilogue?: EpilogueHook): KernelSpec {
  const g = inputs[0];
  if (g?.kind !== "graph") throw new CodegenError(node.op, "operand 0 must be a graph", node.span);
  const x = tensorOperand(node, inputs, inputs.length - 1);
  const out = tensorResult(node);
  if (x.dtype !== "f32") throw new CodegenError(node.op, `only f32 has a kernel, got ${x.dtype}`, node.span);
  const reduce = stringAttr(node.attrs, "reduce");
  const wg = workgroupSizeOf(node, options);
  const symbols = options.symbols ?? {};

  const sizes = new SizeTable(symbols);
  const n = rowSizes(sizes, g.nodes, product(x.shape.slice(1)), symbols);
  // Per-head weights w [E,H] scale x [N,H,C] head by head; vec4 lanes when the row (and each
  // head's slice) splits into whole vec4s — known at compile time.
  const weights = edgeWeights(node, inputs, sizes, symbols);
  const { w, perHead, lanes } = weights;
  const vec4 = lanes === 4;
  const rows = rowSlices(sizes, lanes);
  const { G, accs, guarded } = rows;
  const T = vec4 ? "vec4<f32>" : "f32";

  const list = new BindingList()
    .add("indptr", "read", "array<i32>", { kind: "graph", input: 0, array: "indptr" })
    .add("src", "read", "array<i32>", { kind: "graph", input: 0, array: "src" });
  if (w) list.add("w", "read", "array<f32>", { kind: "input", input: 1 });
  list.add("x", "read", `array<${T}>`, { kind: "input", input: inputs.length - 1 });
  const apply = epilogue?.(sizes, list);
  const ordered = orderRows(rows, list, "dst");
  const bindings = list.add("out", "read_write", `array<${T}>`, { kind: "output" }).finish(sizes);
  if (out.shape[0] !== x.shape[0]) throw new CodegenError(node.op, "result rows differ from x's", node.span);

  // max starts from the row's first message rather than −Inf, which WGSL cannot write as a constant.
  const combine = (acc: string, v: string) => (reduce === "max" ? `select(max(${acc}, ${v}), ${v}, e == first)` : `${acc} + ${v}`);
  const weightOf = (p: number) => weights.scale(`g0 + ${p}u`);
  const edgeBody = accs
    .map((p) => `      ${guarded(p, `acc${p} = ${combine(`acc${p}`, `${weightOf(p)}x[s + ${p}u]`)};`)}`)
    .join("\n");
  const finish = (p: number) => {
    const v = reduce === "mean" ? `acc${p} / f32(count)` : `acc${p}`;
    const value = `select(${T}(0.0), ${v}, count > 0u)`;
    if (!apply) return `    ${guarded(p, `out[row + ${p}u] = ${value};`)}`;
    // Unit row + p holds elements (row + p)·lanes onwards of the result.
    const block = apply.apply(lanes, vec4 ? `(row + ${p}u) * 4u` : `row + ${p}u`, value, (r) => `out[row + ${p}u] = ${r};`, "    ");
    return `    ${guarded(p, block.trimStart())}`;
  };

  const body = `  let count = last - first;
${accs.map((p) => `  var acc${p} = ${T}(0.0);`).join("\n")}
  for (var e = first; e < last; e = e + 1u) {
    let s = u32(src[e]) * ${G} + g0;
${w && !perHead ? "    let we = w[e];\n" : ""}${edgeBody}
  }
  {
    let row = i * ${G} + g0;
${accs.map(finish).join("\n")}
  }
`;
  const name = options.name ?? `g_spmm_${reduce}${w ? (perHead ? "_wh" : "_w") : ""}${apply ? "_epilogue" : ""}`;
  const summary = `${reduce} over in-edges${w ? ", edge-weighted" : ""}, ${rows.perInvocation} ${T} per invocation${apply ? `, then ${apply.ops}` : ""}`;
  return rowKernel({ node, name, summary, sizes, bindings, helpers: apply?.helpers, workgroup: wg, n, lanes, rows, ordered, body });
}
