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
    if (end - begin > 1) sortedDst.subarray(begin, end).sort();
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

export interface Symmetrized {
  src: Int32Array;
  dst: Int32Array;
  /** Reverse edges that were missing and got added. */
  added: number;
}

/** Adds every missing reverse edge. Input must be sorted and unique (as sortEdges returns). */
export function symmetrize(numNodes: number, src: Int32Array, dst: Int32Array): Symmetrized {
  const m = src.length;
  const bothSrc = new Int32Array(2 * m);
  const bothDst = new Int32Array(2 * m);
  bothSrc.set(src, 0);
  bothSrc.set(dst, m);
  bothDst.set(dst, 0);
  bothDst.set(src, m);
  const sorted = sortEdges(numNodes, bothSrc, bothDst, { dropSelfLoops: false });
  return { src: sorted.src, dst: sorted.dst, added: sorted.src.length - m };
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
