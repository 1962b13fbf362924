import type { GraphValue } from "./values.js";

/**
 * Build the CSR-by-destination graph value from an edge list (src[k] -> dst[k]).
 * Counting sort by destination; within a row, edges keep their input order (stable), so the
 * result is deterministic. Ids must already be validated to lie in [0, numNodes).
 */
export function graphFromEdges(numNodes: number, src: Int32Array, dst: Int32Array): GraphValue {
  const numEdges = src.length;
  const indptr = new Int32Array(numNodes + 1);
  for (let k = 0; k < numEdges; k++) indptr[dst[k] + 1]++;
  for (let i = 0; i < numNodes; i++) indptr[i + 1] += indptr[i];
  const fill = indptr.slice(0, numNodes);
  const outSrc = new Int32Array(numEdges);
  const outDst = new Int32Array(numEdges);
  for (let k = 0; k < numEdges; k++) {
    const pos = fill[dst[k]]++;
    outSrc[pos] = src[k];
    outDst[pos] = dst[k];
  }
  return { kind: "graph", numNodes, numEdges, indptr, src: outSrc, dst: outDst, selfLoops: false };
}
