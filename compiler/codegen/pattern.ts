import type { TensorValue } from "../ir/values.js";

/**
 * The nonzero pattern of a 2-D tensor, by row (CSR) and by column (CSC). A patterned tensor lives
 * on the GPU compactly — only its nonzero values, in row order — and the kernels that read it
 * (matmul-pattern.ts, pattern-kernels.ts) visit only those. Worth it only for mostly-zero data:
 * bag-of-words features are 1–2% nonzero, and Coauthor CS's 499 MB of dense features are 4 MB so.
 */
export interface SparsePattern {
  rowptr: Int32Array;
  cols: Int32Array;
  colptr: Int32Array;
  rows: Int32Array;
  /** For each nonzero in column order, its position in row order (where its value is stored). */
  perm: Int32Array;
  /** The columns, most nonzeros first (ties in index order): the order kernels visit columns in. */
  order: Int32Array;
}

/** The pattern's index arrays in the order kernels name them (BindingSource `pattern`). */
export const PATTERN_ARRAYS = ["rowptr", "cols", "colptr", "rows", "perm", "order"] as const;
export type PatternArray = (typeof PATTERN_ARRAYS)[number];

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
  const perm = new Int32Array(rowptr[n]);
  const next = colptr.slice(0, f);
  let q = 0;
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < f; k++) {
      if (t.data[i * f + k] === 0) continue;
      rows[next[k]] = i;
      perm[next[k]++] = q;
      cols[q++] = k;
    }
  }
  return { rowptr, cols, colptr, rows, perm, order: columnOrder(colptr) };
}

/** Column ids by decreasing length (a stable sort, so ties keep index order). */
function columnOrder(colptr: Int32Array): Int32Array {
  const f = colptr.length - 1;
  const order = Int32Array.from({ length: f }, (_, k) => k);
  return order.sort((a, b) => colptr[b + 1] - colptr[b] - (colptr[a + 1] - colptr[a]) || a - b);
}

/**
 * The values of `t` at the pattern's positions, in row order. Throws when `t` has a nonzero the
 * pattern lacks: a compact buffer cannot hold it (the pattern is fixed when the data is loaded).
 */
export function compactValues(t: TensorValue, p: SparsePattern, name: string): Float32Array {
  const [n, f] = t.shape;
  const out = new Float32Array(p.cols.length);
  for (let i = 0; i < n; i++) {
    let e = p.rowptr[i];
    const end = p.rowptr[i + 1];
    for (let k = 0; k < f; k++) {
      const v = t.data[i * f + k];
      if (e < end && p.cols[e] === k) out[e++] = v;
      else if (v !== 0) throw new Error(`input ${name}: element [${i}, ${k}] = ${v} is nonzero, but the zero pattern fixed at load has a zero there`);
    }
  }
  return out;
}
