/**
 * "Did you mean …?" suggestions for misspelt names.
 *
 * The best candidate is the one closest in Damerau–Levenshtein distance (insertions, deletions,
 * substitutions and transpositions of adjacent characters each cost 1), up to a distance of 2.
 * A candidate differing from `name` only in letter case beats every other (`GCNconv` → `GCNConv`).
 * Ties go to the candidate whose case-insensitive distance is smaller, then to the alphabetically first,
 * so the answer never depends on the order of `candidates`. When `name` itself is a candidate there is
 * nothing to suggest.
 */

const MAX_DISTANCE = 2;

export function didYouMean(name: string, candidates: Iterable<string>): string | undefined {
  const lower = name.toLowerCase();
  let best: { candidate: string; distance: number; folded: number } | undefined;
  for (const candidate of candidates) {
    if (candidate === name) return undefined;
    const candidateLower = candidate.toLowerCase();
    // A case-only difference ranks below any real edit.
    const distance = candidateLower === lower ? 0 : damerauLevenshtein(name, candidate);
    // Replacing every character of a short name is not a suggestion (`x` is not a typo of `y`).
    if (distance > MAX_DISTANCE || distance >= Math.max(name.length, candidate.length)) continue;
    const folded = damerauLevenshtein(lower, candidateLower);
    if (
      best === undefined ||
      distance < best.distance ||
      (distance === best.distance &&
        (folded < best.folded || (folded === best.folded && candidate < best.candidate)))
    ) {
      best = { candidate, distance, folded };
    }
  }
  return best?.candidate;
}

/**
 * Unrestricted Damerau–Levenshtein distance (Lowrance–Wagner), so a transposition may be combined
 * with further edits of the same characters: `ca` → `abc` is 2, not 3 as in optimal string alignment.
 */
export function damerauLevenshtein(a: string, b: string): number {
  const m = a.length;
  const n = b.length;
  if (m === 0) return n;
  if (n === 0) return m;
  const INF = m + n;
  const width = n + 2;
  // d[(i + 1) * width + (j + 1)] = distance between a[0, i) and b[0, j); row/column 0 hold INF sentinels.
  const d = new Int32Array((m + 2) * width);
  d[0] = INF;
  for (let i = 0; i <= m; i++) {
    d[(i + 1) * width] = INF;
    d[(i + 1) * width + 1] = i;
  }
  for (let j = 0; j <= n; j++) {
    d[j + 1] = INF;
    d[width + j + 1] = j;
  }
  // Last row (1-based) in which each character of `a` was seen.
  const lastRowOf = new Map<number, number>();
  for (let i = 1; i <= m; i++) {
    let lastMatchCol = 0;
    for (let j = 1; j <= n; j++) {
      const i1 = lastRowOf.get(b.charCodeAt(j - 1)) ?? 0;
      const j1 = lastMatchCol;
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      if (cost === 0) lastMatchCol = j;
      d[(i + 1) * width + (j + 1)] = Math.min(
        d[i * width + j] + cost, // substitution or match
        d[(i + 1) * width + j] + 1, // insertion
        d[i * width + (j + 1)] + 1, // deletion
        d[i1 * width + j1] + (i - i1 - 1) + 1 + (j - j1 - 1), // transposition
      );
    }
    lastRowOf.set(a.charCodeAt(i - 1), i);
  }
  return d[(m + 1) * width + (n + 1)];
}
