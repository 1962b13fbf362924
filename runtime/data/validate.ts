import { DataError, formatIndex, formatValue } from "./errors.js";

/**
 * Validators shared by the loaders. Each throws a DataError naming the file, the array, the
 * position and the value; none of them allocates more than O(columns) scratch space.
 */

/** An array as named in messages: the file it came from, its name and shape. */
export interface ArrayRef {
  file: string;
  name: string;
  shape: readonly number[];
}

function at(ref: ArrayRef, flat: number): string {
  return formatIndex(ref.name, ref.shape, flat);
}

/** Every id in `ids` lies in [0, numNodes). `offset` = flat position of ids[0] inside `ref`. */
export function checkNodeIds(ids: ArrayLike<number>, numNodes: number, ref: ArrayRef, offset = 0): void {
  for (let k = 0; k < ids.length; k++) {
    const v = ids[k];
    if (!(v >= 0 && v < numNodes)) {
      throw new DataError("badValue", `${at(ref, offset + k)} = ${formatValue(v)} is out of range for ${numNodes} nodes`, ref.file);
    }
  }
}

/**
 * CSR structure: indptr starts at 0, never decreases, ends at nnz; column ids in [0, numCols)
 * with no repeats in a row. Rows whose columns are merely out of order are sorted in place
 * (values moved along); returns how many rows that was.
 */
export function checkCsr(
  indptr: Int32Array,
  indices: Int32Array,
  data: Float32Array | undefined,
  numCols: number,
  refs: { indptr: ArrayRef; indices: ArrayRef },
  columnNoun = "columns",
): { rowsSorted: number } {
  const rows = indptr.length - 1;
  const nnz = indices.length;
  if (indptr[0] !== 0) throw new DataError("badValue", `${at(refs.indptr, 0)} = ${indptr[0]} must be 0`, refs.indptr.file);
  for (let r = 1; r <= rows; r++) {
    if (indptr[r] < indptr[r - 1]) {
      throw new DataError(
        "badValue",
        `${at(refs.indptr, r)} = ${indptr[r]} is less than ${at(refs.indptr, r - 1)} = ${indptr[r - 1]} (row pointers must not decrease)`,
        refs.indptr.file,
      );
    }
  }
  if (indptr[rows] !== nnz) {
    throw new DataError(
      "sizeMismatch",
      `${at(refs.indptr, rows)} = ${indptr[rows]} must equal the number of stored values (${nnz}, the length of ${refs.indices.name})`,
      refs.indptr.file,
    );
  }
  // seenInRow[c] = row + 1 when column c already occurred in this row; seenAt[c] = where.
  const seenInRow = new Int32Array(numCols);
  const seenAt = new Int32Array(numCols);
  let rowsSorted = 0;
  for (let r = 0; r < rows; r++) {
    let ordered = true;
    for (let k = indptr[r]; k < indptr[r + 1]; k++) {
      const c = indices[k];
      if (!(c >= 0 && c < numCols)) {
        throw new DataError("badValue", `${at(refs.indices, k)} = ${c} is out of range for ${numCols} ${columnNoun} (row ${r})`, refs.indices.file);
      }
      if (seenInRow[c] === r + 1) {
        throw new DataError(
          "badValue",
          `${at(refs.indices, k)} = ${c} repeats ${at(refs.indices, seenAt[c])} in row ${r}`,
          refs.indices.file,
        );
      }
      seenInRow[c] = r + 1;
      seenAt[c] = k;
      if (k > indptr[r] && c < indices[k - 1]) ordered = false;
    }
    if (!ordered) {
      sortRow(indices, data, indptr[r], indptr[r + 1]);
      rowsSorted++;
    }
  }
  return { rowsSorted };
}

function sortRow(indices: Int32Array, data: Float32Array | undefined, begin: number, end: number): void {
  const order = Array.from({ length: end - begin }, (_, i) => begin + i).sort((a, b) => indices[a] - indices[b]);
  const cols = order.map((k) => indices[k]);
  const vals = data ? order.map((k) => data[k]) : undefined;
  for (let i = 0; i < order.length; i++) {
    indices[begin + i] = cols[i];
    if (data && vals) data[begin + i] = vals[i];
  }
}

/** Feature values are finite and (unless allowed) not negative. `rowOf` locates k for messages. */
export function checkFeatureValues(
  data: Float32Array,
  ref: ArrayRef,
  options: { allowNegative: boolean; rowOf?: (k: number) => number },
): void {
  for (let k = 0; k < data.length; k++) {
    const v = data[k];
    if (Number.isFinite(v) && (v >= 0 || options.allowNegative)) continue;
    const row = options.rowOf ? ` (row ${options.rowOf(k)})` : "";
    const why = Number.isFinite(v) ? "is negative (feature values must be >= 0)" : "is not a finite number";
    throw new DataError("badValue", `${at(ref, k)} = ${formatValue(v)} ${why}${row}`, ref.file);
  }
}

/** Row r of a CSR matrix holding stored position k (binary search on indptr). */
export function csrRowOf(indptr: Int32Array, k: number): number {
  let lo = 0;
  let hi = indptr.length - 2;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (indptr[mid] <= k) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Labels lie in [-1, numClasses); -1 = unlabelled. */
export function checkLabels(labels: Int32Array, numClasses: number, ref: ArrayRef): void {
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i];
    if (!(y >= -1 && y < numClasses)) {
      throw new DataError(
        "badValue",
        `${at(ref, i)} = ${y} is out of range for ${numClasses} classes (expected -1..${numClasses - 1}, -1 = unlabelled)`,
        ref.file,
      );
    }
  }
}

/** A batch vector: graph ids in [0, numGraphs), ascending (each graph's nodes contiguous). */
export function checkBatch(batch: Int32Array, numGraphs: number, ref: ArrayRef): void {
  for (let n = 0; n < batch.length; n++) {
    const b = batch[n];
    if (!(b >= 0 && b < numGraphs)) throw new DataError("badValue", `${at(ref, n)} = ${b} is out of range for ${numGraphs} graphs`, ref.file);
    if (n > 0 && b < batch[n - 1]) {
      throw new DataError("badValue", `${at(ref, n)} = ${b} is less than ${at(ref, n - 1)} = ${batch[n - 1]} (a graph's nodes must be contiguous, graphs in order)`, ref.file);
    }
  }
}

/**
 * Validates a split object `{ name: [node ids] }` (as parsed from JSON): ids are integers in
 * range, labelled, not repeated, and no node is in two splits. Unsorted lists are sorted (warning).
 */
export function checkSplits(
  raw: unknown,
  numNodes: number,
  labels: Int32Array,
  file: string,
  warnings: string[],
  noun = "node",
): Record<string, Int32Array> {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new DataError("badSplit", `expected an object {"train": [ids…], "val": […], "test": […]}`, file);
  }
  const ownerSplit = new Int32Array(numNodes).fill(-1);
  const ownerPos = new Int32Array(numNodes);
  const names = Object.keys(raw);
  const splits: Record<string, Int32Array> = {};
  names.forEach((name, s) => {
    const list = (raw as Record<string, unknown>)[name];
    if (!Array.isArray(list)) throw new DataError("badSplit", `"${name}" must be an array of ${noun} ids`, file);
    const ids = new Int32Array(list.length);
    let sorted = true;
    for (let k = 0; k < list.length; k++) {
      const v: unknown = list[k];
      const where = `"${name}"[${k}] = ${JSON.stringify(v)}`;
      if (typeof v !== "number" || !Number.isInteger(v)) throw new DataError("badSplit", `${where} is not an integer ${noun} id`, file);
      if (v < 0 || v >= numNodes) throw new DataError("badSplit", `${where} is out of range for ${numNodes} ${noun}s`, file);
      if (labels[v] < 0) throw new DataError("badSplit", `${where} is unlabelled (labels[${v}] = ${labels[v]})`, file);
      if (ownerSplit[v] >= 0) {
        const other = names[ownerSplit[v]];
        const what = other === name ? "repeats" : "is also in";
        throw new DataError("badSplit", `${where} ${what} "${other}"[${ownerPos[v]}] (splits must be disjoint, ids unique)`, file);
      }
      ownerSplit[v] = s;
      ownerPos[v] = k;
      ids[k] = v;
      if (k > 0 && v < ids[k - 1]) sorted = false;
    }
    if (!sorted) {
      ids.sort();
      warnings.push(`${file}: "${name}" was not in ascending order; sorted`);
    }
    splits[name] = ids;
  });
  return splits;
}
