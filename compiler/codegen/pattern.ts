import type { TensorValue } from "../ir/values.js";

/**
 * The nonzero pattern of a 2-D tensor, by row (CSR) and by column (CSC), for patterned matmuls
 * (matmul-pattern.ts). Worth it only for mostly-zero data: bag-of-words features are 1–2% nonzero.
 */
export interface SparsePattern {
  rowptr: Int32Array;
  cols: Int32Array;
  colptr: Int32Array;
  rows: Int32Array;
}

/** Use a pattern when at most this share of the entries is nonzero. */
export const PATTERN_MAX_DENSITY = 0.1;

/** The nonzero count of a 2-D f32 tensor when few enough of its entries are nonzero to be worth a pattern; else undefined. */
export function patternNonzeros(t: TensorValue): number | undefined {
  if (t.shape.length !== 2 || t.dtype !== "f32" || t.data.length === 0) return undefined;
  let nnz = 0;
  for (let k = 0; k < t.data.length; k++) if (t.data[k] !== 0) nnz++;
  return nnz <= PATTERN_MAX_DENSITY * t.data.length ? nnz : undefined;
}

export function sparsePattern(t: TensorValue): SparsePattern {
  const [n, f] = t.shape;
  const rowptr = new Int32Array(n + 1);
  const colptr = new Int32Array(f + 1);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < f; k++) {
      if (t.data[i * f + k] === 0) continue;
      rowptr[i + 1]++;
      colptr[k + 1]++;
    }
  }
  for (let i = 0; i < n; i++) rowptr[i + 1] += rowptr[i];
  for (let k = 0; k < f; k++) colptr[k + 1] += colptr[k];
  const cols = new Int32Array(rowptr[n]);
  const rows = new Int32Array(rowptr[n]);
  const next = colptr.slice(0, f);
  let q = 0;
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < f; k++) {
      if (t.data[i * f + k] === 0) continue;
      cols[q++] = k;
      rows[next[k]++] = i;
    }
  }
  return { rowptr, cols, colptr, rows };
}
