import { describe, expect, it } from "vitest";
import { csbm, type CsbmOptions } from "../../../runtime/data/csbm.js";
import type { Dataset } from "../../../runtime/data/dataset.js";
import { checkSymmetry, sortEdges } from "../../../runtime/data/edges.js";

const base: CsbmOptions = { nodes: 3000, classes: 4, features: 200, avg_degree: 10, homophily: 0.8, signal: 1, seed: 7 };

function edgeHomophily(ds: Dataset): number {
  const g = ds.graph;
  let same = 0;
  for (let e = 0; e < g.numEdges; e++) if (ds.labels[g.src[e]] === ds.labels[g.dst[e]]) same++;
  return same / g.numEdges;
}

/**
 * Held-out accuracy of a nearest-centroid classifier: class mean feature vectors from the even
 * nodes, each odd node assigned to the class whose mean it matches best.
 */
function centroidAccuracy(ds: Dataset): number {
  const f = ds.features;
  if (f.kind !== "csr") throw new Error("expected CSR");
  const width = ds.numFeatures;
  const mean = new Float64Array(ds.numClasses * width);
  const count = new Float64Array(ds.numClasses);
  for (let i = 0; i < ds.numNodes; i += 2) {
    count[ds.labels[i]]++;
    for (let k = f.indptr[i]; k < f.indptr[i + 1]; k++) mean[ds.labels[i] * width + f.indices[k]] += f.data[k];
  }
  for (let c = 0; c < ds.numClasses; c++) for (let j = 0; j < width; j++) mean[c * width + j] /= count[c];
  let correct = 0;
  for (let i = 1; i < ds.numNodes; i += 2) {
    let best = -1;
    let bestScore = -Infinity;
    for (let c = 0; c < ds.numClasses; c++) {
      let score = 0;
      for (let k = f.indptr[i]; k < f.indptr[i + 1]; k++) score += f.data[k] * mean[c * width + f.indices[k]];
      if (score > bestScore) [best, bestScore] = [c, score];
    }
    if (best === ds.labels[i]) correct++;
  }
  return correct / Math.floor(ds.numNodes / 2);
}

describe("csbm", () => {
  it("is deterministic per seed", () => {
    const a = csbm(base);
    const b = csbm(base);
    expect(b.graph).toEqual(a.graph);
    expect(b.features).toEqual(a.features);
    expect(b.labels).toEqual(a.labels);
    expect(b.splits).toEqual(a.splits);
    const c = csbm({ ...base, seed: 8 });
    expect(c.labels).not.toEqual(a.labels);
    expect(c.graph.src).not.toEqual(a.graph.src);
  });

  it("builds a clean undirected graph with the requested mean degree and balanced labels", () => {
    const ds = csbm(base);
    const g = ds.graph;
    const sorted = sortEdges(g.numNodes, g.src, g.dst, { dropSelfLoops: true });
    expect(sorted.selfLoopsRemoved + sorted.duplicatesRemoved).toBe(0);
    expect(checkSymmetry(g.numNodes, sorted.src, sorted.dst).missingReverse).toBe(0);
    expect(g.numEdges / ds.numNodes).toBeGreaterThan(9.7);
    expect(g.numEdges / ds.numNodes).toBeLessThanOrEqual(10);
    const sizes = [0, 0, 0, 0];
    for (const y of ds.labels) sizes[y]++;
    expect(sizes).toEqual([750, 750, 750, 750]);
    expect(ds.labels.subarray(0, 12)).not.toEqual(Int32Array.from([0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3])); // shuffled
  });

  it("hits the requested edge homophily", () => {
    for (const h of [0, 0.25, 0.5, 0.9, 1]) {
      const measured = edgeHomophily(csbm({ ...base, homophily: h }));
      expect(Math.abs(measured - h), `homophily ${h} measured ${measured}`).toBeLessThan(0.02);
    }
  });

  it("keeps features sparse, non-negative, and as informative as `signal` says", () => {
    const ds = csbm(base);
    const f = ds.features;
    if (f.kind !== "csr") throw new Error("expected CSR");
    expect(f.indices.length).toBe(3000 * 10); // default row_nnz = max(10, 2% of 200)
    for (let i = 0; i < ds.numNodes; i++) {
      const row = f.indices.subarray(f.indptr[i], f.indptr[i + 1]);
      for (let t = 1; t < row.length; t++) expect(row[t]).toBeGreaterThan(row[t - 1]);
    }
    expect(f.data.every((v) => v >= 0 && Number.isFinite(v))).toBe(true);
    const noSignal = centroidAccuracy(csbm({ ...base, signal: 0, row_nnz: 40 }));
    const strong = centroidAccuracy(csbm({ ...base, signal: 4, row_nnz: 40 }));
    expect(noSignal).toBeLessThan(0.35); // chance is 0.25
    expect(strong).toBeGreaterThan(0.8);
  });

  it("draws a Planetoid-style split, shrinking val/test to a quarter of the rest when that is smaller", () => {
    const big = csbm({ ...base, nodes: 8000 });
    expect([big.splits.train.length, big.splits.val.length, big.splits.test.length]).toEqual([80, 500, 1000]);
    const mid = csbm(base); // 2,920 non-train nodes: a quarter is 730
    expect([mid.splits.train.length, mid.splits.val.length, mid.splits.test.length]).toEqual([80, 500, 730]);
    const small = csbm({ ...base, nodes: 100, classes: 2 });
    expect([small.splits.train.length, small.splits.val.length, small.splits.test.length]).toEqual([40, 15, 15]);
    for (const ds of [big, mid, small]) {
      const all = [...ds.splits.train, ...ds.splits.val, ...ds.splits.test];
      expect(new Set(all).size).toBe(all.length);
      for (const ids of Object.values(ds.splits)) expect(Array.from(ids)).toEqual(Array.from(ids).sort((a, b) => a - b));
      const perClass = new Array(ds.numClasses).fill(0);
      for (const i of ds.splits.train) perClass[ds.labels[i]]++;
      expect(perClass.every((c) => c === 20)).toBe(true);
    }
  });

  it("rejects impossible options", () => {
    expect(() => csbm({ ...base, homophily: 1.5 })).toThrow("csbm: homophily = 1.5 must be a number in [0, 1]");
    expect(() => csbm({ ...base, classes: 0 })).toThrow("csbm: classes = 0 must be an integer in [1, 3000]");
    expect(() => csbm({ ...base, avg_degree: 5000 })).toThrow("csbm: avg_degree = 5000 must be a number in [0, 2999]");
    expect(() => csbm({ ...base, row_nnz: 201 })).toThrow("csbm: row_nnz = 201 must be an integer in [1, 200]");
    expect(() => csbm({ ...base, seed: 0.5 })).toThrow("csbm: seed = 0.5 must be an integer");
  });

  it("generates about a million edges quickly (timing printed, not asserted)", () => {
    const start = performance.now();
    const ds = csbm({ nodes: 100_000, classes: 10, features: 500, avg_degree: 10, homophily: 0.7, signal: 1, seed: 1 });
    const ms = performance.now() - start;
    console.log(`csbm: ${ds.numNodes} nodes, ${ds.graph.numEdges} directed edges, ${ds.features.data.length} feature nnz in ${ms.toFixed(0)} ms`);
    expect(ds.graph.numEdges).toBeGreaterThan(990_000);
  });
});
