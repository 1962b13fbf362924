/**
 * Edge-list clean-up shared by every loader and generator: sort by (source, target), drop
 * duplicates and (optionally) self loops, symmetrise, check symmetry. Linear-time counting sort by
 * source, then a small sort per row, so a few million edges take well under a second.
 * Ids must already be range-checked.
 */

export interface SortedEdges {
  /** Sorted by (src, dst), no duplicates. May be the input arrays when nothing had to change. */
  src: Int32Array;
  dst: Int32Array;
  selfLoopsRemoved: number;
  /** Input position of the first self loop, -1 if none. */
  firstSelfLoop: number;
  duplicatesRemoved: number;
  /** One duplicated pair, for messages. */
  exampleDuplicate: readonly [number, number] | undefined;
  /** Input position k of the first edge that sorts before edge k-1, -1 if the input was sorted. */
  firstUnsorted: number;
}

export function sortEdges(
  numNodes: number,
  src: Int32Array,
  dst: Int32Array,
  options: { dropSelfLoops: boolean },
): SortedEdges {
  const m = src.length;
  let selfLoops = 0;
  let firstSelfLoop = -1;
  let firstUnsorted = -1;
  let adjacentDuplicate = false;
  for (let k = 0; k < m; k++) {
    if (src[k] === dst[k]) {
      if (selfLoops++ === 0) firstSelfLoop = k;
    }
    if (k > 0 && firstUnsorted < 0) {
      const c = src[k] - src[k - 1] || dst[k] - dst[k - 1];
      if (c < 0) firstUnsorted = k;
      else if (c === 0) adjacentDuplicate = true;
    }
  }
  const dropping = options.dropSelfLoops && selfLoops > 0;
  if (firstUnsorted < 0 && !adjacentDuplicate && !dropping) {
    return { src, dst, selfLoopsRemoved: 0, firstSelfLoop, duplicatesRemoved: 0, exampleDuplicate: undefined, firstUnsorted };
  }

  // Counting sort by source, then sort each row's targets.
  const rowStart = new Int32Array(numNodes + 1);
  for (let k = 0; k < m; k++) if (!(dropping && src[k] === dst[k])) rowStart[src[k] + 1]++;
  for (let i = 0; i < numNodes; i++) rowStart[i + 1] += rowStart[i];
  const fill = rowStart.slice(0, numNodes);
  const kept = rowStart[numNodes];
  const sortedDst = new Int32Array(kept);
  for (let k = 0; k < m; k++) if (!(dropping && src[k] === dst[k])) sortedDst[fill[src[k]]++] = dst[k];

  const outSrc = new Int32Array(kept);
  let out = 0;
  let duplicates = 0;
  let exampleDuplicate: readonly [number, number] | undefined;
  for (let u = 0; u < numNodes; u++) {
    const begin = rowStart[u];
    const end = rowStart[u + 1];
    if (end - begin > 1) sortRun(sortedDst, begin, end);
    for (let p = begin; p < end; p++) {
      const v = sortedDst[p];
      if (p > begin && v === sortedDst[p - 1]) {
        if (duplicates++ === 0) exampleDuplicate = [u, v];
        continue;
      }
      outSrc[out] = u;
      sortedDst[out] = v;
      out++;
    }
  }
  return {
    src: outSrc.slice(0, out),
    dst: sortedDst.slice(0, out),
    selfLoopsRemoved: dropping ? selfLoops : 0,
    firstSelfLoop,
    duplicatesRemoved: duplicates,
    exampleDuplicate,
    firstUnsorted,
  };
}

/** Sort a[begin..end) ascending: insertion sort for the short runs most rows are, else the built-in sort. */
function sortRun(a: Int32Array, begin: number, end: number): void {
  if (end - begin > 32) {
    a.subarray(begin, end).sort();
    return;
  }
  for (let p = begin + 1; p < end; p++) {
    const v = a[p];
    let q = p - 1;
    while (q >= begin && a[q] > v) {
      a[q + 1] = a[q];
      q--;
    }
    a[q + 1] = v;
  }
}

export interface Symmetrized {
  src: Int32Array;
  dst: Int32Array;
  /** Reverse edges that were missing and got added. */
  added: number;
}

/**
 * Adds every missing reverse edge. Input must be sorted and unique (as sortEdges returns). The
 * reverse edges, grouped by their source with a stable counting sort, come out sorted too (the
 * input is in order of the old source), so each row is the merge of two sorted runs: linear time.
 */
export function symmetrize(numNodes: number, src: Int32Array, dst: Int32Array): Symmetrized {
  const m = src.length;
  const fwdPtr = rowPointerBySource(numNodes, src);
  const revPtr = rowPointerBySource(numNodes, dst);
  const revDst = new Int32Array(m);
  const fill = revPtr.slice(0, numNodes);
  for (let k = 0; k < m; k++) revDst[fill[dst[k]]++] = src[k];
  const outSrc = new Int32Array(2 * m);
  const outDst = new Int32Array(2 * m);
  let out = 0;
  for (let u = 0; u < numNodes; u++) {
    let a = fwdPtr[u];
    let b = revPtr[u];
    const aEnd = fwdPtr[u + 1];
    const bEnd = revPtr[u + 1];
    while (a < aEnd || b < bEnd) {
      const va = a < aEnd ? dst[a] : 0x7fffffff;
      const vb = b < bEnd ? revDst[b] : 0x7fffffff;
      const v = va <= vb ? va : vb;
      if (va === v) a++;
      if (vb === v) b++;
      outSrc[out] = u;
      outDst[out++] = v;
    }
  }
  return { src: outSrc.slice(0, out), dst: outDst.slice(0, out), added: out - m };
}

/** Start of each source's run in a (src, dst)-sorted edge list: a CSR row pointer by source. */
export function rowPointerBySource(numNodes: number, sortedSrc: Int32Array): Int32Array {
  const ptr = new Int32Array(numNodes + 1);
  for (let k = 0; k < sortedSrc.length; k++) ptr[sortedSrc[k] + 1]++;
  for (let i = 0; i < numNodes; i++) ptr[i + 1] += ptr[i];
  return ptr;
}

export interface SymmetryCheck {
  /** Edges (u, v) whose reverse (v, u) is absent. */
  missingReverse: number;
  /** Position of the first such edge, -1 if none. */
  firstMissing: number;
}

/** Checks that (u, v) present ⇔ (v, u) present. Input must be sorted and unique. */
export function checkSymmetry(numNodes: number, src: Int32Array, dst: Int32Array): SymmetryCheck {
  const ptr = rowPointerBySource(numNodes, src);
  let missing = 0;
  let firstMissing = -1;
  for (let k = 0; k < src.length; k++) {
    if (!containsSorted(dst, ptr[dst[k]], ptr[dst[k] + 1], src[k])) {
      if (missing++ === 0) firstMissing = k;
    }
  }
  return { missingReverse: missing, firstMissing };
}

function containsSorted(a: Int32Array, begin: number, end: number, value: number): boolean {
  let lo = begin;
  let hi = end;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo < end && a[lo] === value;
}
