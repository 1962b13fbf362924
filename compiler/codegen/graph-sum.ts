import type { Node, Type } from "../ir/types.js";
import { BindingList } from "./bindings.js";
import { tensorOperand, tensorResult, workgroupSizeOf, type EmitOptions } from "./emit-context.js";
import { edgeWeights } from "./edge-weights.js";
import { graphOperand } from "./graph-edge.js";
import type { KernelSpec } from "./kernel.js";
import { orderRows, rowKernel, rowSizes, rowSlices } from "./row-kernel.js";
import { SizeTable } from "./wgsl.js";
import { arithmeticScalar, product, refuseInPlace, unitType } from "./words.js";

/**
 * Sums of edge messages into nodes as row kernels (row-kernel.ts): one node row (or a slice of a
 * wide row) per invocation, each walking its node's edge list in order:
 *
 * - `g.scatter_sum`: out[i] = Σ y[e] over i's in-edges (a CSR row: edges indptr[i]..indptr[i+1]).
 * - `g.scatter_sum_src`: out[j] = Σ y[e] over j's out-edges.
 * - `g.spmm_t`: out[j] = Σ w[e]·y[dst[e]] over j's out-edges (spmm's transpose; w [E] or [E,H]).
 *
 * The out-edge lists come from the graph's by-source view (graph-by-source.ts), computed on the
 * host once per graph; it lists each node's edges in increasing id order, the interpreter's order.
 */

type Walk = "in-edges" | "out-edges";
/** Where edge e's message row lives: y's row e (an edge tensor) or y's row dst[e] (a node tensor). */
type Message = "edge-row" | "dst-row";

interface SumKind {
  walk: Walk;
  message: Message;
  name: string;
  summary: string;
}

function emitEdgeSum(node: Node, inputs: readonly Type[], options: EmitOptions, kind: SumKind): KernelSpec {
  refuseInPlace(node, options);
  const g = graphOperand(node, inputs);
  const y = tensorOperand(node, inputs, inputs.length - 1);
  tensorResult(node);
  const scalar = arithmeticScalar(node, y.dtype);
  const wg = workgroupSizeOf(node, options);
  const symbols = options.symbols ?? {};

  const sizes = new SizeTable(symbols);
  const n = rowSizes(sizes, g.nodes, product(y.shape.slice(1)), symbols);
  const weights = edgeWeights(node, inputs, sizes, symbols);
  const { w, lanes } = weights;
  const T = unitType(scalar, lanes);
  const rows = rowSlices(sizes, lanes);
  const { G, accs, guarded } = rows;

  const list = new BindingList();
  if (kind.walk === "in-edges") list.add("indptr", "read", "array<i32>", { kind: "graph", input: 0, array: "indptr" });
  else {
    list
      .add("indptr", "read", "array<i32>", { kind: "graph_by_src", input: 0, array: "indptr" })
      .add("edges", "read", "array<i32>", { kind: "graph_by_src", input: 0, array: "edges" });
  }
  if (kind.message === "dst-row") list.add("dst", "read", "array<i32>", { kind: "graph", input: 0, array: "dst" });
  if (w) list.add("w", "read", `array<${scalar}>`, { kind: "input", input: 1 });
  list.add("y", "read", `array<${T}>`, { kind: "input", input: inputs.length - 1 });
  // After every operand, so that orderRows sees what is left of the binding budget (as in spmm.ts).
  const ordered = orderRows(rows, list, kind.walk === "in-edges" ? "dst" : "src");
  const bindings = list.add("out", "read_write", `array<${T}>`, { kind: "output" }).finish(sizes);

  const edgeOf = kind.walk === "in-edges" ? "k" : "u32(edges[k])";
  const rowOf = kind.message === "edge-row" ? "e" : "u32(dst[e])";
  const body = `${accs.map((p) => `  var acc${p} = ${T}(0);`).join("\n")}
  for (var k = first; k < last; k = k + 1u) {
    let e = ${edgeOf};
    let s = ${rowOf} * ${G} + g0;
${w && !weights.perHead ? "    let we = w[e];\n" : ""}${accs.map((p) => `    ${guarded(p, `acc${p} = acc${p} + ${weights.scale(`g0 + ${p}u`)}y[s + ${p}u];`)}`).join("\n")}
  }
  let o = i * ${G} + g0;
${accs.map((p) => `  ${guarded(p, `out[o + ${p}u] = acc${p};`)}`).join("\n")}
`;
  const name = options.name ?? `${kind.name}${w ? (weights.perHead ? "_wh" : "_w") : ""}${lanes === 4 ? "_v4" : ""}`;
  const summary = `${kind.summary}, ${rows.perInvocation} ${T} per invocation`;
  return rowKernel({ node, name, summary, sizes, bindings, workgroup: wg, n, lanes, rows, ordered, body });
}

export function emitScatterSum(node: Node, inputs: readonly Type[], options: EmitOptions): KernelSpec {
  return emitEdgeSum(node, inputs, options, {
    walk: "in-edges",
    message: "edge-row",
    name: "g_scatter_sum",
    summary: "sum of edge rows over in-edges",
  });
}

export function emitScatterSumSrc(node: Node, inputs: readonly Type[], options: EmitOptions): KernelSpec {
  return emitEdgeSum(node, inputs, options, {
    walk: "out-edges",
    message: "edge-row",
    name: "g_scatter_sum_src",
    summary: "sum of edge rows over out-edges (by-source view)",
  });
}

export function emitSpmmT(node: Node, inputs: readonly Type[], options: EmitOptions): KernelSpec {
  return emitEdgeSum(node, inputs, options, {
    walk: "out-edges",
    message: "dst-row",
    name: "g_spmm_t",
    summary: "sum of destination rows over out-edges (by-source view)",
  });
}
