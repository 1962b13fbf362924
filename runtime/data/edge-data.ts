import { edgeOrderByDestination, graphFromEdges } from "../../compiler/ir/graph-value.js";
import type { GraphValue } from "../../compiler/ir/values.js";
import type { EdgeAttr } from "./dataset.js";
import { rowPointerBySource, symmetrize } from "./edges.js";

/**
 * Per-edge data (PyG's `edge_weight` [E] and `edge_attr` [E, D]) through edge-list clean-up: the
 * loaders sort, de-duplicate, symmetrise and reorder edges (edges.ts, graphFromEdges); the data
 * must follow. Each cleaned edge takes the data of the first raw edge with the same ends, and a
 * reverse edge added by symmetrisation takes the data of the edge it mirrors.
 */

export interface EdgeData {
  edgeWeight?: Float32Array;
  edgeAttr?: EdgeAttr;
}

export function hasEdgeData(d: EdgeData): boolean {
  return d.edgeWeight !== undefined || d.edgeAttr !== undefined;
}

/** The data of edges `positions[0], positions[1], …` of `d`, in that order. */
export function pickEdges(d: EdgeData, positions: Int32Array): EdgeData {
  const out: EdgeData = {};
  if (d.edgeWeight) out.edgeWeight = Float32Array.from(positions, (k) => d.edgeWeight![k]);
  if (d.edgeAttr) {
    const { dim, data } = d.edgeAttr;
    const picked = new Float32Array(positions.length * dim);
    positions.forEach((k, e) => picked.set(data.subarray(k * dim, (k + 1) * dim), e * dim));
    out.edgeAttr = { dim, data: picked };
  }
  return out;
}

/**
 * For each edge of a cleaned list (sorted by (source, target), no duplicates, every edge present
 * in the raw list), the position of the first raw edge with the same ends.
 */
export function firstOccurrences(numNodes: number, clean: { src: Int32Array; dst: Int32Array }, raw: { src: Int32Array; dst: Int32Array }): Int32Array {
  const ptr = rowPointerBySource(numNodes, clean.src);
  const out = new Int32Array(clean.src.length).fill(-1);
  for (let k = 0; k < raw.src.length; k++) {
    let lo = ptr[raw.src[k]];
    let hi = ptr[raw.src[k] + 1];
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (clean.dst[mid] < raw.dst[k]) lo = mid + 1;
      else hi = mid;
    }
    if (lo < ptr[raw.src[k] + 1] && clean.dst[lo] === raw.dst[k] && out[lo] < 0) out[lo] = k;
  }
  const missing = out.indexOf(-1);
  if (missing >= 0) throw new Error(`internal: cleaned edge (${clean.src[missing]}, ${clean.dst[missing]}) is not in the raw list`);
  return out;
}

/** `symmetrize` of a cleaned list, with the data of each added reverse edge copied from the edge it mirrors. */
export function symmetrizeWithData(numNodes: number, src: Int32Array, dst: Int32Array, d: EdgeData): { src: Int32Array; dst: Int32Array; added: number; data: EdgeData } {
  const sym = symmetrize(numNodes, src, dst);
  if (!hasEdgeData(d)) return { ...sym, data: d };
  const m = src.length;
  const both = { src: new Int32Array(2 * m), dst: new Int32Array(2 * m) };
  both.src.set(src);
  both.src.set(dst, m);
  both.dst.set(dst);
  both.dst.set(src, m);
  const positions = firstOccurrences(numNodes, sym, both).map((k) => (k < m ? k : k - m));
  return { ...sym, data: pickEdges(d, positions) };
}

/** graphFromEdges, with the edge data reordered to the graph's edge order. */
export function graphWithEdgeData(numNodes: number, src: Int32Array, dst: Int32Array, d: EdgeData): { graph: GraphValue } & EdgeData {
  const graph = graphFromEdges(numNodes, src, dst);
  if (!hasEdgeData(d)) return { graph };
  return { graph, ...pickEdges(d, edgeOrderByDestination(numNodes, dst).order) };
}
