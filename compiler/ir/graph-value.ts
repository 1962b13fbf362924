import type { GraphValue } from "./values.js";

/**
 * The CSR-by-destination order of an edge list: position e of the graph holds input edge
 * order[e]. Counting sort by destination; within a row, edges keep their input order (stable), so
 * the result is deterministic. Per-edge data (weights, features) follow the same order.
 */
export function edgeOrderByDestination(numNodes: number, dst: Int32Array): { indptr: Int32Array; order: Int32Array } {
  const indptr = new Int32Array(numNodes + 1);
  for (let k = 0; k < dst.length; k++) indptr[dst[k] + 1]++;
  for (let i = 0; i < numNodes; i++) indptr[i + 1] += indptr[i];
  const fill = indptr.slice(0, numNodes);
  const order = new Int32Array(dst.length);
  for (let k = 0; k < dst.length; k++) order[fill[dst[k]]++] = k;
  return { indptr, order };
}

/**
 * Build the CSR-by-destination graph value from an edge list (src[k] -> dst[k]), in the order of
 * edgeOrderByDestination. Ids must already be validated to lie in [0, numNodes).
 */
export function graphFromEdges(numNodes: number, src: Int32Array, dst: Int32Array): GraphValue {
  const { indptr, order } = edgeOrderByDestination(numNodes, dst);
  const outSrc = new Int32Array(order.length);
  const outDst = new Int32Array(order.length);
  for (let e = 0; e < order.length; e++) {
    outSrc[e] = src[order[e]];
    outDst[e] = dst[order[e]];
  }
  return { kind: "graph", numNodes, numEdges: order.length, indptr, src: outSrc, dst: outDst, selfLoops: false };
}
