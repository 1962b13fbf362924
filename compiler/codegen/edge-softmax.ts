import type { Node, Type } from "../ir/types.js";
import { BindingList } from "./bindings.js";
import { tensorOperand, workgroupSizeOf, type EmitOptions } from "./emit-context.js";
import { flatKernel } from "./flat-kernel.js";
import { graphOperand } from "./graph-edge.js";
import type { KernelSpec } from "./kernel.js";
import { SizeTable } from "./wgsl.js";
import { addDivisor, arithmeticScalar, inUnits, lanesFor, product, refuseInPlace, unitType } from "./words.js";

/**
 * `g.edge_softmax`: scores [E,…] normalised over each destination's in-edges, per channel. In the
 * CSR-by-destination order a node's in-edges are the contiguous rows indptr[i]..indptr[i+1], so one
 * work item per (node, unit of channels) makes three passes over them — max, Σ exp(s − max),
 * then exp(s − max) / Σ — as the interpreter does. Rows without edges write nothing (they own no
 * element of the result).
 */


export function emitEdgeSoftmax(node: Node, inputs: readonly Type[], options: EmitOptions): KernelSpec {
  refuseInPlace(node, options);
  const g = graphOperand(node, inputs);
  const scores = tensorOperand(node, inputs, 1);
  const scalar = arithmeticScalar(node, scores.dtype);
  const row = product(scores.shape.slice(1));
  const lanes = lanesFor([row], options.symbols);
  const T = unitType(scalar, lanes);
  const sizes = new SizeTable(options.symbols);
  const n = sizes.add("n", g.nodes, "runtime");
  const f = addDivisor(sizes, "f", inUnits(row, lanes, options.symbols), options.symbols);
  const bindings = new BindingList()
    .add("indptr", "read", "array<i32>", { kind: "graph", input: 0, array: "indptr" })
    .add("s", "read", `array<${T}>`, { kind: "input", input: 1 })
    .add("out", "read_write", `array<${T}>`, { kind: "output" })
    .finish(sizes);
  const body = `let i = q / ${f};
let c = q % ${f};
let first = u32(indptr[i]);
let last = u32(indptr[i + 1u]);
if (last > first) {
  var top = s[first * ${f} + c];
  for (var e = first + 1u; e < last; e = e + 1u) {
    top = max(top, s[e * ${f} + c]);
  }
  var total = ${T}(0);
  for (var e = first; e < last; e = e + 1u) {
    total = total + exp(s[e * ${f} + c] - top);
  }
  for (var e = first; e < last; e = e + 1u) {
    out[e * ${f} + c] = exp(s[e * ${f} + c] - top) / total;
  }
}`;
  return flatKernel({
    node,
    name: options.name ?? `g_edge_softmax${lanes === 4 ? "_v4" : ""}`,
    summary: "softmax of edge scores over each destination's in-edges",
    sizes,
    bindings,
    workgroupSize: workgroupSizeOf(node, options),
    units: `(${n} * ${f})`,
    unitsOf: (s) => s.n * s.f,
    body,
    perInvocation: 1,
  });
}
