/**
 * How well a clustering matches class labels, as clustering papers report it: accuracy under the
 * best one-to-one matching of clusters to classes (the Hungarian method), normalised mutual
 * information (arithmetic mean of the entropies, sklearn's default) and the adjusted Rand index.
 * Nodes without a label (−1) are left out.
 */

export interface ClusteringScores {
  clustering_acc: number;
  nmi: number;
  ari: number;
}

/** counts[c][k]: nodes of class c in cluster k, over labelled nodes. */
function contingency(labels: ArrayLike<number>, clusters: ArrayLike<number>): { counts: number[][]; n: number } {
  const classes = new Map<number, number>();
  const groups = new Map<number, number>();
  const index = (m: Map<number, number>, v: number) => {
    let k = m.get(v);
    if (k === undefined) m.set(v, (k = m.size));
    return k;
  };
  const cells: [number, number][] = [];
  for (let i = 0; i < labels.length; i++) if (labels[i] >= 0) cells.push([index(classes, labels[i]), index(groups, clusters[i])]);
  const counts = Array.from({ length: classes.size }, () => new Array<number>(groups.size).fill(0));
  for (const [c, k] of cells) counts[c][k]++;
  return { counts, n: cells.length };
}

/**
 * The assignment of rows to columns of a square cost matrix with the least total cost (the
 * Hungarian method with potentials, O(n³)); returns each row's column.
 */
export function minCostAssignment(cost: readonly (readonly number[])[]): number[] {
  const n = cost.length;
  const u = new Array<number>(n + 1).fill(0);
  const v = new Array<number>(n + 1).fill(0);
  const match = new Array<number>(n + 1).fill(0); // column → row (1-based; 0: none)
  const way = new Array<number>(n + 1).fill(0);
  for (let i = 1; i <= n; i++) {
    match[0] = i;
    let j0 = 0;
    const minv = new Array<number>(n + 1).fill(Infinity);
    const used = new Array<boolean>(n + 1).fill(false);
    do {
      used[j0] = true;
      const i0 = match[j0];
      let delta = Infinity;
      let j1 = 0;
      for (let j = 1; j <= n; j++) {
        if (used[j]) continue;
        const cur = cost[i0 - 1][j - 1] - u[i0] - v[j];
        if (cur < minv[j]) {
          minv[j] = cur;
          way[j] = j0;
        }
        if (minv[j] < delta) {
          delta = minv[j];
          j1 = j;
        }
      }
      for (let j = 0; j <= n; j++) {
        if (used[j]) {
          u[match[j]] += delta;
          v[j] -= delta;
        } else minv[j] -= delta;
      }
      j0 = j1;
    } while (match[j0] !== 0);
    do {
      const j1 = way[j0];
      match[j0] = match[j1];
      j0 = j1;
    } while (j0);
  }
  const rowOf = new Array<number>(n);
  for (let j = 1; j <= n; j++) if (match[j]) rowOf[match[j] - 1] = j - 1;
  return rowOf;
}

const choose2 = (x: number) => (x * (x - 1)) / 2;

export function clusteringScores(labels: ArrayLike<number>, clusters: ArrayLike<number>): ClusteringScores {
  const { counts, n } = contingency(labels, clusters);
  if (n === 0) return { clustering_acc: NaN, nmi: NaN, ari: NaN };
  const size = Math.max(counts.length, counts[0].length);
  // Accuracy: the matching of clusters to classes covering most nodes (padded to a square).
  const cost = Array.from({ length: size }, (_, c) => Array.from({ length: size }, (_, k) => -(counts[c]?.[k] ?? 0)));
  const matched = minCostAssignment(cost).reduce((sum, k, c) => sum - cost[c][k], 0);
  const rows = counts.map((r) => r.reduce((a, b) => a + b, 0));
  const cols = counts[0].map((_, k) => counts.reduce((a, r) => a + r[k], 0));
  const entropy = (xs: number[]) => -xs.reduce((h, x) => (x > 0 ? h + (x / n) * Math.log(x / n) : h), 0);
  let mi = 0;
  counts.forEach((r, c) => r.forEach((x, k) => void (x > 0 && (mi += (x / n) * Math.log((n * x) / (rows[c] * cols[k]))))));
  const [hc, hk] = [entropy(rows), entropy(cols)];
  const nmi = hc + hk === 0 ? 1 : mi / ((hc + hk) / 2);
  const index = counts.reduce((a, r) => a + r.reduce((b, x) => b + choose2(x), 0), 0);
  const [a, b] = [rows.reduce((s, x) => s + choose2(x), 0), cols.reduce((s, x) => s + choose2(x), 0)];
  const expected = (a * b) / choose2(n);
  const max = (a + b) / 2;
  const ari = max === expected ? 1 : (index - expected) / (max - expected);
  return { clustering_acc: matched / n, nmi, ari };
}
