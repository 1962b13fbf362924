import type { Node, Type } from "../ir/types.js";
import { BindingList } from "./bindings.js";
import { edgeWeights } from "./edge-weights.js";
import { tensorOperand, workgroupSizeOf, type EmitOptions } from "./emit-context.js";
import { flatKernel } from "./flat-kernel.js";
import { graphOperand } from "./graph-edge.js";
import type { KernelSpec } from "./kernel.js";
import { SizeTable } from "./wgsl.js";
import { addDivisor, arithmeticScalar, inUnits, product, refuseInPlace, unitType } from "./words.js";

/**
 * `g.spmm_max_mask` (max aggregation's gradient route): per edge and channel, 1 where the edge's
 * message w[e]·x[src[e]] is the first maximum of its destination's in-edges (CSR order), else 0.
 * One work item per (node, unit of channels) walks the node's in-edges twice: find the first
 * arg-max (a strict `>`, as the interpreter), then write every in-edge's 0 or 1 — each edge has
 * one destination, so together the items write every element of the result.
 */


export function emitSpmmMaxMask(node: Node, inputs: readonly Type[], options: EmitOptions): KernelSpec {
  refuseInPlace(node, options);
  const g = graphOperand(node, inputs);
  const x = tensorOperand(node, inputs, inputs.length - 1);
  const scalar = arithmeticScalar(node, x.dtype);
  const symbols = options.symbols ?? {};
  const sizes = new SizeTable(symbols);
  const n = sizes.add("n", g.nodes, "runtime");
  const weights = edgeWeights(node, inputs, sizes, symbols);
  const { w, lanes } = weights;
  const f = addDivisor(sizes, "f", inUnits(product(x.shape.slice(1)), lanes, symbols), symbols);
  const T = unitType(scalar, lanes);
  const U = unitType("u32", lanes);
  const list = new BindingList()
    .add("indptr", "read", "array<i32>", { kind: "graph", input: 0, array: "indptr" })
    .add("src", "read", "array<i32>", { kind: "graph", input: 0, array: "src" });
  if (w) list.add("w", "read", `array<${scalar}>`, { kind: "input", input: 1 });
  const bindings = list
    .add("x", "read", `array<${T}>`, { kind: "input", input: inputs.length - 1 })
    .add("out", "read_write", `array<${T}>`, { kind: "output" })
    .finish(sizes);
  // Per lane: the edge holding the best message so far; the first edge always takes it.
  const better = lanes === 4 ? "(v > top) | vec4<bool>(e == first)" : "e == first || v > top";
  const body = `let i = q / ${f};
let c = q % ${f};
let first = u32(indptr[i]);
let last = u32(indptr[i + 1u]);
var top = ${T}(0);
var best = ${U}(first);
for (var e = first; e < last; e = e + 1u) {
${w && !weights.perHead ? "  let we = w[e];\n" : ""}  let v = ${weights.scale("c")}x[u32(src[e]) * ${f} + c];
  let better = ${better};
  top = select(top, v, better);
  best = select(best, ${U}(e), better);
}
for (var e = first; e < last; e = e + 1u) {
  out[e * ${f} + c] = select(${T}(0), ${T}(1), best == ${U}(e));
}`;
  return flatKernel({
    node,
    name: options.name ?? `g_spmm_max_mask${w ? (weights.perHead ? "_wh" : "_w") : ""}${lanes === 4 ? "_v4" : ""}`,
    summary: "1 on each destination's first arg-max in-edge per channel, else 0",
    sizes,
    bindings,
    workgroupSize: workgroupSizeOf(node, options),
    units: `(${n} * ${f})`,
    unitsOf: (s) => s.n * s.f,
    body,
    perInvocation: 1,
  });
}
