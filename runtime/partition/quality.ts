import type { GraphValue } from "../../compiler/ir/values.js";

/** How good a partition is: the edges it cuts and how evenly it spreads nodes (and the balanced set). */
export interface PartitionQuality {
  /** Edges (as stored: each direction counts) whose ends lie in different parts. */
  edgeCut: number;
  /** edgeCut over every edge that is not a self loop. */
  cutFraction: number;
  /** The largest part's node count over the mean (1 is perfect). */
  nodeBalance: number;
  /** The same for the balanced set (validation nodes), when there is one. */
  setBalance?: number;
  /** Nodes per part. */
  sizes: number[];
}

function imbalance(counts: readonly number[]): number {
  const total = counts.reduce((a, b) => a + b, 0);
  return total === 0 ? 1 : Math.max(...counts) / (total / counts.length);
}

export function partitionQuality(g: GraphValue, part: Int32Array, parts: number, balanceOn?: Uint8Array): PartitionQuality {
  let cut = 0;
  let edges = 0;
  for (let e = 0; e < g.numEdges; e++) {
    if (g.src[e] === g.dst[e]) continue;
    edges++;
    if (part[g.src[e]] !== part[g.dst[e]]) cut++;
  }
  const sizes = new Array<number>(parts).fill(0);
  const set = new Array<number>(parts).fill(0);
  part.forEach((p, v) => {
    sizes[p]++;
    if (balanceOn?.[v]) set[p]++;
  });
  return {
    edgeCut: cut,
    cutFraction: edges === 0 ? 0 : cut / edges,
    nodeBalance: imbalance(sizes),
    ...(balanceOn ? { setBalance: imbalance(set) } : {}),
    sizes,
  };
}
