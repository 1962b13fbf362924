import { describe, expect, it } from "vitest";
import { clusteringScores, minCostAssignment } from "../../runtime/schedules/clustering-metrics.js";
import { random } from "../support/tensors.js";

/** Clustering scores against hand-computed values, and the Hungarian matching against brute force. */

function permutations(n: number): number[][] {
  if (n === 0) return [[]];
  return permutations(n - 1).flatMap((p) => Array.from({ length: n }, (_, k) => [...p.slice(0, k), n - 1, ...p.slice(k)]));
}

describe("clustering scores", () => {
  it("are 1 for the classes under other names", () => {
    expect(clusteringScores([0, 0, 1, 1, 2], [2, 2, 0, 0, 1])).toEqual({ clustering_acc: 1, nmi: 1, ari: 1 });
  });

  it("match known values: a class split in two", () => {
    const s = clusteringScores([0, 0, 1, 1], [0, 0, 1, 2]);
    expect(s.clustering_acc).toBe(0.75);
    expect(s.nmi).toBeCloseTo(0.8, 12); // MI = ln 2, entropies ln 2 and 1.5 ln 2
    expect(s.ari).toBeCloseTo(4 / 7, 12); // sklearn's adjusted_rand_score example
  });

  it("leave out unlabelled nodes, and score a clustering that ignores the classes near 0", () => {
    expect(clusteringScores([0, -1, 1, -1], [0, 1, 1, 0])).toEqual({ clustering_acc: 1, nmi: 1, ari: 1 });
    const rand = random(4);
    const labels = Array.from({ length: 3000 }, (_, i) => i % 3);
    const clusters = labels.map(() => Math.floor(rand() * 3));
    const s = clusteringScores(labels, clusters);
    expect(Math.abs(s.ari)).toBeLessThan(0.01);
    expect(s.nmi).toBeLessThan(0.01);
    expect(s.clustering_acc).toBeLessThan(0.37);
  });
});

describe("the Hungarian matching", () => {
  it("finds the least total cost, as trying every permutation does", () => {
    const rand = random(9);
    for (const n of [1, 2, 3, 5, 6]) {
      for (let trial = 0; trial < 5; trial++) {
        const cost = Array.from({ length: n }, () => Array.from({ length: n }, () => Math.floor(rand() * 20) - 5));
        const best = Math.min(...permutations(n).map((p) => p.reduce((s, j, i) => s + cost[i][j], 0)));
        const got = minCostAssignment(cost);
        expect(new Set(got).size).toBe(n);
        expect(got.reduce((s, j, i) => s + cost[i][j], 0)).toBe(best);
      }
    }
  });
});
