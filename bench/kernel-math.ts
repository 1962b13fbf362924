/**
 * What a kernel must move or compute, to turn a measured time into GB/s or GFLOP/s. All arrays are
 * 4-byte words (f32 values, i32 indices).
 */

const WORD = 4;

export interface SpmmBytes {
  /**
   * Bytes the kernel issues: the CSR row pointers and source ids once, one source row of x per
   * edge (gathered), the output once. The usual "effective bandwidth" of SpMM.
   */
  gathered: number;
  /** Bytes that must cross memory at least once: as above, but x read once rather than per edge. */
  compulsory: number;
}

/** Unweighted `g.spmm` over `nodes` rows and `edges` edges with rows of `width` floats. */
export function spmmBytes(nodes: number, edges: number, width: number): SpmmBytes {
  const structure = (nodes + 1) * WORD + edges * WORD;
  const out = nodes * width * WORD;
  return { gathered: structure + edges * width * WORD + out, compulsory: structure + nodes * width * WORD + out };
}

/** A copy of `words` 4-byte words reads and writes each once. */
export function copyBytes(words: number): number {
  return 2 * words * WORD;
}

/** Multiply-adds of an [m,k]·[k,n] product, counted as two FLOPs each. */
export function matmulFlops(m: number, k: number, n: number): number {
  return 2 * m * k * n;
}

/** Bytes (or FLOPs) per millisecond as GB/s (GFLOP/s): 1e6 per ms is 1e9 per second. */
export function perSecondGiga(amount: number, ms: number): number {
  return amount / ms / 1e6;
}
