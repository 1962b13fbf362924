import type { TensorValue } from "../ir/values.js";
import { longestFirst, rangeLengths } from "./longest-first.js";

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
  /** The rows, most nonzeros first (ties in index order): the order row-per-invocation kernels visit rows in. */
  roworder: Int32Array;
}

/** The pattern's index arrays in the order kernels name them (BindingSource `pattern`). */
export const PATTERN_ARRAYS = ["rowptr", "cols", "colptr", "rows", "perm", "order", "roworder"] as const;
export type PatternArray = (typeof PATTERN_ARRAYS)[number];

/**
 * The kept view of dropout of a compactly stored matrix P, computed on the GPU each step: the
 * nonzeros the mask kept, packed at the start of their row (`cols`, `values`, row i's ending at
 * `rowend[i]`, starting at P's `rowptr[i]`) and of their column (`rows`, `column_values`, column
 * k's ending at `colend[k]`, starting at P's `colptr[k]`). The patterned matmuls visit only those:
 * with p = 0.5 half of P's nonzeros, in order, so every sum is the one over all of them less
 * terms that are zero.
 */
export const KEPT_ARRAYS = ["rowend", "cols", "values", "colend", "rows", "column_values"] as const;
export type KeptArray = (typeof KEPT_ARRAYS)[number];
/** The kept arrays the dropout kernel writes; the column pass (its column view) writes the rest. */
export const KEPT_ROW_ARRAYS: readonly KeptArray[] = ["rowend", "cols", "values"];

/** Use a pattern when at most this share of the entries is nonzero. */
export const PATTERN_MAX_DENSITY = 0.1;

/**
 * The zero patterns of tensors that were built from a sparse (CSR) form, with their values: a
 * dataset's features densified for the models (runtime/train/bind.ts). Read instead of rescanning
 * the dense data — a million nodes of 128 features are 128 M elements. Keyed by the tensor
 * object, which must not change afterwards (bound data never does).
 */
const fromCsr = new WeakMap<TensorValue, { pattern: SparsePattern; values: Float32Array }>();

/** The nonzero count of a 2-D f32 tensor when few enough of its entries are nonzero to be worth a pattern; else undefined. */
export function patternNonzeros(t: TensorValue): number | undefined {
  if (t.shape.length !== 2 || t.dtype !== "f32" || t.data.length === 0) return undefined;
  const known = fromCsr.get(t);
  let nnz = 0;
  if (known) nnz = known.values.length;
  else {
    const data = t.data;
    for (let k = 0; k < data.length; k++) if (data[k] !== 0) nnz++;
  }
  return nnz <= PATTERN_MAX_DENSITY * t.data.length ? nnz : undefined;
}

export function sparsePattern(t: TensorValue): SparsePattern {
  const known = fromCsr.get(t);
  if (known) return known.pattern;
  const [n, f] = t.shape;
  const data = t.data;
  const rowptr = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) {
    let count = 0;
    for (let k = i * f; k < (i + 1) * f; k++) if (data[k] !== 0) count++;
    rowptr[i + 1] = rowptr[i] + count;
  }
  const cols = new Int32Array(rowptr[n]);
  let q = 0;
  for (let i = 0; i < n; i++) for (let k = 0; k < f; k++) if (data[i * f + k] !== 0) cols[q++] = k;
  return byColumn(n, f, rowptr, cols);
}

/** The pattern of CSR rows (`indptr`, column `indices`): the column view, the order, added. */
function byColumn(n: number, f: number, rowptr: Int32Array, cols: Int32Array): SparsePattern {
  const colptr = new Int32Array(f + 1);
  for (let q = 0; q < cols.length; q++) colptr[cols[q] + 1]++;
  for (let k = 0; k < f; k++) colptr[k + 1] += colptr[k];
  const rows = new Int32Array(cols.length);
  const perm = new Int32Array(cols.length);
  const next = colptr.slice(0, f);
  for (let i = 0; i < n; i++) {
    for (let q = rowptr[i]; q < rowptr[i + 1]; q++) {
      const at = next[cols[q]]++;
      rows[at] = i;
      perm[at] = q;
    }
  }
  return { rowptr, cols, colptr, rows, perm, order: longestFirst(rangeLengths(colptr)), roworder: longestFirst(rangeLengths(rowptr)) };
}

/**
 * Record that `t` (dense [n, f]) is the CSR matrix (`indptr`, `indices`, `data`): its pattern and
 * compact values come from these, not from a scan of `t`. Explicitly stored zeros are left out,
 * as a scan would. Rows whose column indices are not ascending are not recorded (`t` is then
 * scanned as usual). Returns `t`.
 */
export function withCsrForm(t: TensorValue, indptr: Int32Array, indices: Int32Array, data: Float32Array): TensorValue {
  const [n, f] = t.shape;
  const form = csrPattern(n, f, indptr, indices, data);
  if (form) fromCsr.set(t, form);
  return t;
}

/**
 * The pattern and row-order values of the CSR matrix [n, f] (`indptr`, `indices`, `data`), its
 * explicitly stored zeros left out; undefined when a row's column indices are not ascending.
 */
export function csrPattern(n: number, f: number, indptr: Int32Array, indices: Int32Array, data: Float32Array): { pattern: SparsePattern; values: Float32Array } | undefined {
  const rowptr = new Int32Array(n + 1);
  const cols = new Int32Array(indices.length);
  const values = new Float32Array(indices.length);
  let q = 0;
  for (let i = 0; i < n; i++) {
    for (let e = indptr[i]; e < indptr[i + 1]; e++) {
      if (e > indptr[i] && indices[e] <= indices[e - 1]) return undefined;
      if (data[e] === 0) continue;
      cols[q] = indices[e];
      values[q++] = data[e];
    }
    rowptr[i + 1] = q;
  }
  return { pattern: byColumn(n, f, rowptr, cols.slice(0, q)), values: values.slice(0, q) };
}

/** `t`'s pattern and its values in row order: recorded (withCsrForm), else from a scan. */
export function csrFormOf(t: TensorValue): { pattern: SparsePattern; values: Float32Array } {
  const known = fromCsr.get(t);
  if (known) return known;
  const pattern = sparsePattern(t);
  return { pattern, values: compactValues(t, pattern, "x") };
}

/**
 * The values of `t` at the pattern's positions, in row order. Throws when `t` has a nonzero the
 * pattern lacks: a compact buffer cannot hold it (the pattern is fixed when the data is loaded).
 */
export function compactValues(t: TensorValue, p: SparsePattern, name: string): Float32Array {
  const known = fromCsr.get(t);
  if (known?.pattern === p) return known.values;
  const [n, f] = t.shape;
  const data = t.data;
  const out = new Float32Array(p.cols.length);
  for (let i = 0; i < n; i++) {
    let e = p.rowptr[i];
    const end = p.rowptr[i + 1];
    for (let k = 0; k < f; k++) {
      const v = data[i * f + k];
      if (e < end && p.cols[e] === k) out[e++] = v;
      else if (v !== 0) throw new Error(`input ${name}: element [${i}, ${k}] = ${v} is nonzero, but the zero pattern fixed at load has a zero there`);
    }
  }
  return out;
}

/** Compact values (row order, as compactValues gives them) in the pattern's column order: what BindingSource `column_values` binds. */
export function columnOrderValues(values: Float32Array, p: SparsePattern): Float32Array {
  // A plain loop: Float32Array.from with a mapping function took 60 ms for Coauthor CS's 0.3 M nonzeros.
  const out = new Float32Array(p.perm.length);
  for (let k = 0; k < out.length; k++) out[k] = values[p.perm[k]];
  return out;
}
