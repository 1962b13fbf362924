import type { GraphValue } from "../ir/values.js";
import type { BindingSource } from "./kernel.js";
import { longestFirst, rangeLengths } from "./longest-first.js";

/**
 * The by-source view of a CSR-by-destination graph, for the kernels that sum over each node's
 * OUTGOING edges (`g.spmm_t`, `g.scatter_sum_src`) without atomics: node j's out-edges are the
 * edge ids `edges[indptr[j] .. indptr[j+1])`. Ids stay in increasing order within a node (a stable
 * counting sort), so a kernel walking them sums in the same order as the interpreter, which loops
 * over edges in order.
 *
 * It depends on the graph only: the executor computes it on the host once per graph (at load)
 * and keeps the two i32 arrays resident, bound through `{kind:"graph_by_src"}` bindings.
 */
export interface GraphBySource {
  /** [N+1] offsets into `edges` per source node. */
  indptr: Int32Array;
  /** [E] edge ids (positions in the CSR-by-destination order), grouped by source. */
  edges: Int32Array;
}

export function graphBySource(g: GraphValue): GraphBySource {
  const [n, m, src] = [g.numNodes, g.numEdges, g.src];
  const indptr = new Int32Array(n + 1);
  for (let e = 0; e < m; e++) indptr[src[e] + 1]++;
  for (let j = 0; j < n; j++) indptr[j + 1] += indptr[j];
  const next = indptr.slice(0, n);
  const edges = new Int32Array(m);
  for (let e = 0; e < m; e++) edges[next[src[e]]++] = e;
  return { indptr, edges };
}

/** The nodes by descending in-degree (`dst`) or out-degree (`src`), ties in index order. */
export function degreeOrder(g: GraphValue, by: "dst" | "src"): Int32Array {
  if (by === "dst") return longestFirst(rangeLengths(g.indptr));
  const degree = new Int32Array(g.numNodes);
  for (let e = 0; e < g.numEdges; e++) degree[g.src[e]]++;
  return longestFirst(degree);
}

/** The bindings a graph's host arrays fill: its CSR, its by-source view, its nodes by degree. */
export type GraphBindingSource = Extract<BindingSource, { kind: "graph" | "graph_by_src" | "graph_order" }>;

export function isGraphSource(source: BindingSource): source is GraphBindingSource {
  return source.kind === "graph" || source.kind === "graph_by_src" || source.kind === "graph_order";
}

/** The host array a graph binding reads (by-source views computed here; cache them per graph). */
export function graphBindingArray(
  g: GraphValue,
  source: GraphBindingSource,
  bySource: () => GraphBySource = () => graphBySource(g),
): Int32Array {
  if (source.kind === "graph") return g[source.array];
  if (source.kind === "graph_order") return degreeOrder(g, source.by);
  return bySource()[source.array];
}
