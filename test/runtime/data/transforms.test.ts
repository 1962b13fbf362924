import { describe, expect, it } from "vitest";
import { graphFromEdges } from "../../../compiler/ir/graph-value.js";
import type { Dataset } from "../../../runtime/data/dataset.js";
import { largestConnectedComponent, normalizeFeatures, randomSplit, toUndirected } from "../../../runtime/data/transforms.js";
import { edgeSet, tinyDataset } from "./helpers.js";

function withEdges(ds: Dataset, pairs: [number, number][], numNodes = ds.numNodes): Dataset {
  const src = Int32Array.from(pairs.map((p) => p[0]));
  const dst = Int32Array.from(pairs.map((p) => p[1]));
  return { ...ds, numNodes, graph: graphFromEdges(numNodes, src, dst) };
}

describe("normalizeFeatures", () => {
  it("divides sparse rows by their sum clamped to 1, as PyG", () => {
    const ds = tinyDataset();
    const before = ds.features.data.slice();
    const out = normalizeFeatures(ds);
    // Rows: [1,3] [2] [5] [1,1] [4] [0.5]; the last sums to 0.5 < 1 and is left alone.
    expect(Array.from(out.features.data)).toEqual([0.25, 0.75, 1, 1, 0.5, 0.5, 1, 0.5]);
    expect(out.features.kind).toBe("csr");
    expect(ds.features.data).toEqual(before); // input untouched
  });

  it("keeps all-zero rows at zero", () => {
    const ds: Dataset = { ...tinyDataset(), features: { kind: "dense", data: Float32Array.from([0, 0, 0, 0, 2, 2, 0, 0, ...new Array(16).fill(1)]) } };
    const out = normalizeFeatures(ds);
    expect(Array.from(out.features.data.subarray(0, 8))).toEqual([0, 0, 0, 0, 0.5, 0.5, 0, 0]);
    expect(Array.from(out.features.data.subarray(8, 12))).toEqual([0.25, 0.25, 0.25, 0.25]);
  });

  it("shifts by the minimum first when it is not zero (densifying sparse input), as PyG", () => {
    const ds: Dataset = {
      ...tinyDataset(),
      numNodes: 2,
      numFeatures: 2,
      features: { kind: "csr", indptr: Int32Array.from([0, 1, 2]), indices: Int32Array.from([0, 1]), data: Float32Array.from([-1, 3]) },
    };
    // Dense [[-1, 0], [0, 3]] - (-1) = [[0, 1], [1, 4]] → rows / max(sum, 1).
    expect(normalizeFeatures(ds).features).toEqual({ kind: "dense", data: Float32Array.from([0, 1, 0.2, 0.8]) });
  });
});

describe("toUndirected", () => {
  it("adds missing reverse edges once, keeping self loops", () => {
    const ds = withEdges(tinyDataset(), [[0, 1], [1, 0], [1, 2], [3, 3], [4, 5], [4, 5]]);
    const out = toUndirected(ds);
    expect(edgeSet(out)).toEqual(["0-1", "1-0", "1-2", "2-1", "3-3", "4-5", "5-4"]);
    expect(edgeSet(toUndirected(out))).toEqual(edgeSet(out));
    expect(edgeSet(ds)).toHaveLength(6); // input untouched
  });
});

describe("largestConnectedComponent", () => {
  it("keeps the biggest weak component, renumbering nodes and remapping everything", () => {
    // Components: {0,1,2} via directed edges, {3,4,5,6}, {7}; 8 nodes.
    const base = tinyDataset();
    const ds: Dataset = withEdges(
      {
        ...base,
        features: { kind: "dense", data: Float32Array.from({ length: 8 * 4 }, (_, k) => Math.floor(k / 4)) },
        labels: Int32Array.from([0, 0, 0, 1, 1, -1, 0, 1]),
        splits: { train: Int32Array.from([0, 3, 6]), test: Int32Array.from([4, 7]) },
      },
      [[0, 1], [2, 1], [3, 4], [5, 4], [6, 5], [4, 3]],
      8,
    );
    const out = largestConnectedComponent(ds);
    expect(out.numNodes).toBe(4);
    expect(edgeSet(out)).toEqual(["0-1", "1-0", "2-1", "3-2"]);
    expect(Array.from(out.labels)).toEqual([1, 1, -1, 0]);
    expect(out.splits).toEqual({ train: Int32Array.from([0, 3]), test: Int32Array.from([1]) });
    expect(Array.from(out.features.data)).toEqual([3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 6, 6, 6, 6]);
  });

  it("restricts CSR features and breaks ties by the smallest node id", () => {
    const ds = withEdges(tinyDataset(), [[0, 1], [2, 3], [4, 5]]);
    const out = largestConnectedComponent(ds);
    expect(out.numNodes).toBe(2);
    expect(out.features).toEqual({ kind: "csr", indptr: Int32Array.from([0, 2, 3]), indices: Int32Array.from([0, 1, 1]), data: Float32Array.from([1, 3, 2]) });
    expect(largestConnectedComponent(tinyDataset())).toEqual(tinyDataset()); // already connected
  });
});

describe("randomSplit", () => {
  const labelled = (n: number, classes: number): Dataset => ({
    ...tinyDataset(),
    numNodes: n,
    numClasses: classes,
    labels: Int32Array.from({ length: n }, (_, i) => (i % 7 === 0 ? -1 : i % classes)),
  });

  it("takes per_class train nodes per class, then val and test from the shuffled rest", () => {
    const ds = randomSplit(labelled(700, 3), { per_class: 20, num_val: 100, num_test: 200, seed: 1 });
    const { train, val, test } = ds.splits;
    expect([train.length, val.length, test.length]).toEqual([60, 100, 200]);
    const all = [...train, ...val, ...test];
    expect(new Set(all).size).toBe(all.length);
    expect(all.every((i) => ds.labels[i] >= 0)).toBe(true);
    const perClass = [0, 0, 0];
    for (const i of train) perClass[ds.labels[i]]++;
    expect(perClass).toEqual([20, 20, 20]);
    for (const ids of [train, val, test]) expect(Array.from(ids)).toEqual(Array.from(ids).sort((a, b) => a - b));
  });

  it("is deterministic per seed and uses PyG's defaults", () => {
    const ds = labelled(3000, 4);
    expect(randomSplit(ds, { seed: 5 }).splits).toEqual(randomSplit(ds, { seed: 5 }).splits);
    expect(randomSplit(ds, { seed: 5 }).splits.train).not.toEqual(randomSplit(ds, { seed: 6 }).splits.train);
    const d = randomSplit(ds).splits;
    expect([d.train.length, d.val.length, d.test.length]).toEqual([80, 500, 1000]);
  });

  it("clips sizes to what is left, like slicing", () => {
    const { train, val, test } = randomSplit(labelled(30, 2), { per_class: 20, num_val: 500, num_test: 1000 }).splits;
    // 25 labelled nodes: class 0 has 12, class 1 has 13 — all go to train.
    expect([train.length, val.length, test.length]).toEqual([25, 0, 0]);
  });

  it("rejects bad sizes", () => {
    expect(() => randomSplit(labelled(30, 2), { per_class: -1 })).toThrow("random split: perClass = -1 must be a non-negative integer");
  });
});
