import { graphFromEdges } from "../../compiler/ir/graph-value.js";
import { csrFormOf, withCsrForm } from "../../compiler/codegen/pattern.js";
import type { GraphValue, TensorValue } from "../../compiler/ir/values.js";

/**
 * The subgraph induced by some parts of a partition — their nodes, and every edge between two of
 * them (inside a part or cut between two chosen parts) — padded to a fixed capacity, so that one
 * compiled function (its sizes symbolic) runs on every draw with the same buffers. Padding is one
 * or more nodes with no features and no label (−1: no loss reads them); edges beyond the draw's
 * are self loops of the first padding node, which touch no real node.
 */

export interface SubgraphCapacity {
  /** Nodes, padding included (at least one more than any draw's nodes). */
  nodes: number;
  /** Edges. */
  edges: number;
}

export interface NodeData {
  /** Dense features [N, F]. */
  x: TensorValue;
  graph: GraphValue;
  /** i32[N], −1 unlabelled. */
  labels: TensorValue;
  /** f32[N]: 1 on the nodes the loss reads (the validation nodes). */
  mask: TensorValue;
}

export interface Subgraph extends NodeData {
  /** The original ids of the subgraph's real nodes, in its order. */
  nodes: Int32Array;
  /** Edges of the draw before padding. */
  realEdges: number;
}

/** Σ of the `r` largest values. */
function largest(values: readonly number[], r: number): number {
  return [...values].sort((a, b) => b - a).slice(0, r).reduce((a, b) => a + b, 0);
}

/** What any `r` parts of the partition can need: the largest parts' nodes and incoming edges (an induced subgraph keeps at most those), plus a padding node. */
export function subgraphCapacity(graph: GraphValue, part: Int32Array, parts: number, r: number): SubgraphCapacity {
  const nodes = new Array<number>(parts).fill(0);
  const edges = new Array<number>(parts).fill(0);
  part.forEach((p) => nodes[p]++);
  for (let e = 0; e < graph.numEdges; e++) edges[part[graph.dst[e]]]++;
  return { nodes: largest(nodes, r) + 1, edges: largest(edges, r) };
}

/**
 * The features of successive subgraphs, in one dense buffer: a draw clears the last draw's
 * nonzeros and writes its own rows' (work ∝ nonzeros, not nodes × features: Coauthor CS's
 * 4,888-node draws are 133 MB dense), and carries its CSR form, so that a runner stores it
 * compactly without scanning it. Each draw's tensor shares the buffer: a draw's tensor is valid
 * until the next draw.
 */
export class SubgraphFeatures {
  private readonly dense: Float32Array;
  private last: readonly number[] = [];
  private readonly full: { rowptr: Int32Array; cols: Int32Array; values: Float32Array };
  private readonly f: number;

  constructor(
    x: TensorValue,
    private readonly nodes: number,
  ) {
    const { pattern, values } = csrFormOf(x);
    this.full = { rowptr: pattern.rowptr, cols: pattern.cols, values };
    this.f = x.shape[1];
    this.dense = new Float32Array(nodes * this.f);
  }

  /** Node v's nonzero features (v an original id). */
  nonzerosOf(v: number): number {
    return this.full.rowptr[v + 1] - this.full.rowptr[v];
  }

  /** The features of nodes `ids` (original ids, in the subgraph's order), zero rows after them. */
  draw(ids: readonly number[]): TensorValue {
    const { rowptr, cols, values } = this.full;
    const f = this.f;
    this.last.forEach((v, i) => {
      for (let q = rowptr[v]; q < rowptr[v + 1]; q++) this.dense[i * f + cols[q]] = 0;
    });
    const indptr = new Int32Array(this.nodes + 1);
    let nnz = 0;
    ids.forEach((v, i) => (indptr[i + 1] = nnz += rowptr[v + 1] - rowptr[v]));
    indptr.fill(nnz, ids.length + 1);
    const indices = new Int32Array(nnz);
    const data = new Float32Array(nnz);
    ids.forEach((v, i) => {
      const at = indptr[i] - rowptr[v];
      for (let q = rowptr[v]; q < rowptr[v + 1]; q++) {
        this.dense[i * f + cols[q]] = values[q];
        indices[at + q] = cols[q];
        data[at + q] = values[q];
      }
    });
    this.last = ids;
    return withCsrForm({ kind: "tensor", dtype: "f32", shape: [this.nodes, f], data: this.dense }, indptr, indices, data);
  }
}

/** The subgraph of the parts in `chosen`, padded to `cap`, its features drawn by `features` (made for `data.x` and `cap.nodes`). */
export function inducedSubgraph(data: NodeData, part: Int32Array, chosen: readonly number[], cap: SubgraphCapacity, features: SubgraphFeatures): Subgraph {
  const picked = new Uint8Array(Math.max(...chosen, 0) + 1);
  for (const p of chosen) picked[p] = 1;
  const n = data.graph.numNodes;
  const local = new Int32Array(n).fill(-1);
  const ids: number[] = [];
  for (let v = 0; v < n; v++) if (picked[part[v]]) local[v] = ids.push(v) - 1;
  if (ids.length >= cap.nodes) throw new Error(`internal: ${ids.length} nodes drawn, capacity ${cap.nodes}`);
  const src: number[] = [];
  const dst: number[] = [];
  const g = data.graph;
  for (let e = 0; e < g.numEdges; e++) {
    const [s, d] = [local[g.src[e]], local[g.dst[e]]];
    if (s >= 0 && d >= 0) src.push(s), dst.push(d);
  }
  const realEdges = src.length;
  if (realEdges > cap.edges) throw new Error(`internal: ${realEdges} edges drawn, capacity ${cap.edges}`);
  const pad = ids.length;
  while (src.length < cap.edges) src.push(pad), dst.push(pad);

  const labels = new Int32Array(cap.nodes).fill(-1);
  const mask = new Float32Array(cap.nodes);
  ids.forEach((v, i) => {
    labels[i] = data.labels.data[v];
    mask[i] = data.mask.data[v];
  });
  return {
    x: features.draw(ids),
    graph: graphFromEdges(cap.nodes, Int32Array.from(src), Int32Array.from(dst)),
    labels: { kind: "tensor", dtype: "i32", shape: [cap.nodes], data: labels },
    mask: { kind: "tensor", dtype: "f32", shape: [cap.nodes], data: mask },
    nodes: Int32Array.from(ids),
    realEdges,
  };
}
