/**
 * The order in which kernels that give each invocation one range — a node's edges, a row's or a
 * column's nonzeros — visit the ranges: longest first, ties in index order, so that neighbouring
 * invocations, which run in lockstep on SIMD hardware, loop about equally long. Computed on the
 * host at load, by a counting sort: linear in the count and the longest range (a million rows in
 * about 20–50 ms, where a comparison sort took about 400).
 */

/** Ids 0 … lengths.length − 1 by decreasing length, ties in index order. */
export function longestFirst(lengths: Int32Array): Int32Array {
  const n = lengths.length;
  let most = 0;
  for (let i = 0; i < n; i++) most = Math.max(most, lengths[i]);
  const start = new Int32Array(most + 2);
  for (let i = 0; i < n; i++) start[most - lengths[i] + 1]++;
  for (let d = 0; d <= most; d++) start[d + 1] += start[d];
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[start[most - lengths[i]]++] = i;
  return order;
}

/** The lengths of the ranges of a CSR or CSC pointer array (`ptr[i + 1] − ptr[i]`). */
export function rangeLengths(ptr: Int32Array): Int32Array {
  const lengths = new Int32Array(Math.max(0, ptr.length - 1));
  for (let i = 0; i < lengths.length; i++) lengths[i] = ptr[i + 1] - ptr[i];
  return lengths;
}
