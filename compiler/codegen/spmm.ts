import { stringAttr } from "../ir/attrs.js";
import { edgeWeights } from "./edge-weights.js";
import { product } from "./words.js";
import type { Node, Type } from "../ir/types.js";
import { BindingList } from "./bindings.js";
import type { EpilogueHook } from "./epilogue-apply.js";
import { CodegenError, spansOf, tensorOperand, tensorResult, workgroupSizeOf, type EmitOptions, type OperandBuffers } from "./emit-context.js";
import { ENTRY_PARAMS, gridFor, groupsFor } from "./grid.js";
import { rowUnitPrologue } from "./graph-edge.js";
import type { KernelSpec } from "./kernel.js";
import { SizeTable, moduleText } from "./wgsl.js";

/**
 * `g.spmm` over the CSR-by-destination graph: out[i] = reduce over edges e into i of w[e]·x[src[e]]
 * (sum, mean or max; rows without edges give 0). Each invocation owns one destination row — or,
 * for wide rows, one slice of it — and walks that row's edges in CSR order: deterministic, no
 * atomics. Rows are split into slices of at most `MAX_ACCUMULATORS` vec4 (or scalar) accumulators
 * so registers never spill; consecutive invocations take consecutive slices of the same row, which
 * keeps their loads of a source row contiguous.
 */

const DEFAULT_WORKGROUP = 64;
/**
 * Accumulators (vec4 or scalar) one invocation keeps in registers. On lavapipe 4 and 8 run at
 * about the same speed (4 GB/s on Amazon Computers' 64-wide rows) while 8 takes twice as long to
 * compile and 16 spills; 1 or 2 re-read each row's edge list too often.
 */
const MAX_ACCUMULATORS = 4;

/** Storage buffers an SpMM kernel binds besides its output: the graph's indptr and src, the weights if any, x. */
export const spmmOperandBuffers: OperandBuffers = (node) => 2 + (node.inputs.length - 1);

/** `epilogue`: applied to each value before it is stored (g.spmm_epilogue, see epilogue.ts). */
export function emitSpmm(node: Node, inputs: readonly Type[], options: EmitOptions, epilogue?: EpilogueHook): KernelSpec {
  const g = inputs[0];
  if (g?.kind !== "graph") throw new CodegenError(node.op, "operand 0 must be a graph", node.span);
  const x = tensorOperand(node, inputs, inputs.length - 1);
  const out = tensorResult(node);
  if (x.dtype !== "f32") throw new CodegenError(node.op, `only f32 has a kernel, got ${x.dtype}`, node.span);
  const reduce = stringAttr(node.attrs, "reduce");
  const wg = workgroupSizeOf(node, options, DEFAULT_WORKGROUP);

  const sizes = new SizeTable(options.symbols);
  // The node count only bounds the grid: passed at run time, so one pipeline serves every graph.
  const n = sizes.add("n", g.nodes, "runtime");
  sizes.add("f", product(x.shape.slice(1)));
  // Per-head weights w [E,H] scale x [N,H,C] head by head; vec4 lanes when the row (and each
  // head's slice) splits into whole vec4s — known at compile time.
  const weights = edgeWeights(node, inputs, sizes, options.symbols ?? {});
  const { w, perHead, lanes } = weights;
  const vec4 = lanes === 4;
  const f = sizes.known("f");
  const groups = f !== undefined ? f / lanes : undefined; // lanes-wide groups per row
  const perInvocation = groups !== undefined ? Math.max(1, Math.min(MAX_ACCUMULATORS, groups)) : 1;
  const slices = groups !== undefined ? Math.ceil(groups / perInvocation) : undefined;
  const G = groups !== undefined ? `${groups}u` : sizes.expr("f");
  const S = slices !== undefined ? `${slices}u` : sizes.expr("f");
  const T = vec4 ? "vec4<f32>" : "f32";

  const list = new BindingList()
    .add("indptr", "read", "array<i32>", { kind: "graph", input: 0, array: "indptr" })
    .add("src", "read", "array<i32>", { kind: "graph", input: 0, array: "src" });
  if (w) list.add("w", "read", "array<f32>", { kind: "input", input: 1 });
  list.add("x", "read", `array<${T}>`, { kind: "input", input: inputs.length - 1 });
  const apply = epilogue?.(sizes, list);
  const bindings = list.add("out", "read_write", `array<${T}>`, { kind: "output" }).finish(sizes);
  if (out.shape[0] !== x.shape[0]) throw new CodegenError(node.op, "result rows differ from x's", node.span);

  const accs = Array.from({ length: perInvocation }, (_, p) => p);
  // max starts from the row's first message rather than −Inf, which WGSL cannot write as a constant.
  const combine = (acc: string, v: string) => (reduce === "max" ? `select(max(${acc}, ${v}), ${v}, e == first)` : `${acc} + ${v}`);
  // Group p of this invocation is group q = g0 + p of the row; guard it when the row has fewer.
  const guarded = (p: number, stmt: string) =>
    groups !== undefined && groups % perInvocation === 0 ? stmt : `if (g0 + ${p}u < ${G}) { ${stmt} }`;
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

  const body = `@compute @workgroup_size(${wg})
fn main(${ENTRY_PARAMS}) {
${rowUnitPrologue(wg, n, S, perInvocation)}  let count = last - first;
${accs.map((p) => `  var acc${p} = ${T}(0.0);`).join("\n")}
  for (var e = first; e < last; e = e + 1u) {
    let s = u32(src[e]) * ${G} + g0;
${w && !perHead ? "    let we = w[e];\n" : ""}${edgeBody}
  }
  {
    let row = i * ${G} + g0;
${accs.map(finish).join("\n")}
  }
}
`;
  const name = options.name ?? `g_spmm_${reduce}${w ? (perHead ? "_wh" : "_w") : ""}${apply ? "_epilogue" : ""}`;
  const summary = `${reduce} over in-edges${w ? ", edge-weighted" : ""}, ${perInvocation} ${T} per invocation${apply ? `, then ${apply.ops}` : ""}`;
  return {
    name,
    op: node.op,
    wgsl: moduleText({ name, summary, sizes, bindings, helpers: apply?.helpers, body }),
    entryPoint: "main",
    workgroupSize: [wg, 1, 1],
    bindings,
    sizes: sizes.all,
    uniforms: sizes.uniforms,
    dispatch: (s) => {
      const rowGroups = Math.ceil(s.f / lanes);
      const perRow = slices ?? Math.ceil(rowGroups / perInvocation);
      return gridFor(groupsFor(s.n * perRow, wg));
    },
    spans: spansOf(node),
  };
}
