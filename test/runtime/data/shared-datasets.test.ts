import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadBinaryDataset } from "../../../runtime/data/binary.js";
import type { Dataset } from "../../../runtime/data/dataset.js";
import { checkSymmetry, sortEdges } from "../../../runtime/data/edges.js";
import { loadGnnBenchNpz } from "../../../runtime/data/npz.js";
import { describeDataset, listDatasets, openDataset } from "../../../runtime/data/registry.js";
import { HAVE_SHARED_DATA, SHARED_DATA_DIR, SKIP_REASON } from "./helpers.js";

if (!HAVE_SHARED_DATA) console.warn(`skipping shared-dataset tests: ${SKIP_REASON}`);

/** Published counts (PyG's way: both directions, no self loops, no duplicates) and class sizes from the README. */
const EXPECTED = {
  cora: { nodes: 2708, edges: 10556, features: 1433, classes: 7, nnz: 49216, split: [140, 500, 1000], classSizes: [351, 217, 418, 818, 426, 298, 180] },
  pubmed: { nodes: 19717, edges: 88648, features: 500, classes: 3, nnz: 52959, split: [60, 500, 1000], classSizes: [4103, 7739, 7875] },
  amazon_computers: { nodes: 13752, edges: 491722, features: 767, classes: 10, nnz: 3675081, split: [200, 300, 13252], classSizes: undefined },
  coauthor_cs: { nodes: 18333, edges: 163788, features: 6805, classes: 15, nnz: 1092079, split: [300, 450, 17583], classSizes: undefined },
} as const;

function classSizes(ds: Dataset): number[] {
  const sizes = new Array(ds.numClasses).fill(0);
  for (const y of ds.labels) if (y >= 0) sizes[y]++;
  return sizes;
}

function degreeHistogram(ds: Dataset): number[] {
  const deg = new Array(ds.numNodes).fill(0);
  for (const s of ds.graph.src) deg[s]++;
  return deg.sort((a, b) => a - b);
}

describe.skipIf(!HAVE_SHARED_DATA)("shared benchmark datasets", () => {
  for (const [name, want] of Object.entries(EXPECTED)) {
    it(`${name} loads with the published counts`, () => {
      const { dataset: ds, warnings } = loadBinaryDataset(join(SHARED_DATA_DIR, name), { verifyChecksums: true });
      expect(warnings).toEqual([]);
      expect([ds.numNodes, ds.graph.numEdges, ds.numFeatures, ds.numClasses]).toEqual([want.nodes, want.edges, want.features, want.classes]);
      expect(ds.features.kind === "csr" && ds.features.indices.length).toBe(want.nnz);
      expect([ds.splits.train.length, ds.splits.val.length, ds.splits.test.length]).toEqual(want.split);
      if (want.classSizes) expect(classSizes(ds)).toEqual(want.classSizes);
      // Undirected, no self loops, no duplicates, and CSR by destination as graphFromEdges builds it.
      const g = ds.graph;
      const sorted = sortEdges(g.numNodes, g.src, g.dst, { dropSelfLoops: true });
      expect(sorted.selfLoopsRemoved + sorted.duplicatesRemoved).toBe(0);
      expect(checkSymmetry(g.numNodes, sorted.src, sorted.dst).missingReverse).toBe(0);
      expect(g.indptr[g.numNodes]).toBe(g.numEdges);
    });
  }

  it("amazon_computers has the 281 isolated nodes the README mentions", () => {
    const ds = openDataset("amazon_computers", { dataDir: SHARED_DATA_DIR }).dataset;
    expect(degreeHistogram(ds).filter((d) => d === 0).length).toBe(281);
  });

  it("pubmed features are the documented partial ones (1,060 filled rows)", () => {
    const ds = openDataset("pubmed", { dataDir: SHARED_DATA_DIR }).dataset;
    const f = ds.features;
    if (f.kind !== "csr") throw new Error("expected CSR features");
    let filled = 0;
    for (let r = 0; r < ds.numNodes; r++) if (f.indptr[r + 1] > f.indptr[r]) filled++;
    expect(filled).toBe(1060);
  });

  it("registry lists and describes every dataset from meta.json", () => {
    expect(listDatasets(SHARED_DATA_DIR)).toEqual(["amazon_computers", "coauthor_cs", "cora", "pubmed"]);
    expect(describeDataset("cora", [SHARED_DATA_DIR])).toEqual({
      name: "cora",
      numNodes: 2708,
      numEdges: 10556,
      numFeatures: 1433,
      numClasses: 7,
      splits: ["train", "val", "test"],
    });
    expect(describeDataset("coauthor_cs", [SHARED_DATA_DIR])?.numEdges).toBe(163788);
  });

  it("gnnbench_cora.npz (LINQS Cora) symmetrises to the same graph size as Planetoid Cora", () => {
    const { dataset: ds, graphReport, warnings } = loadGnnBenchNpz(join(SHARED_DATA_DIR, "npz", "gnnbench_cora.npz"));
    expect(warnings).toEqual([]);
    // 5,429 directed citations; 302 of them reciprocal, so mirroring adds 5,127.
    expect(graphReport).toEqual({ sourceEntries: 5429, selfLoopsRemoved: 0, duplicatesRemoved: 0, reverseEdgesAdded: 5127, numEdges: 10556 });
    expect([ds.numNodes, ds.graph.numEdges, ds.numFeatures, ds.numClasses]).toEqual([2708, 10556, 1433, 7]);
    expect(ds.features.kind === "csr" && ds.features.indices.length).toBe(49216);
    expect(Object.keys(ds.splits)).toEqual([]);
    // Same papers in another order: class sizes and the degree sequence agree with Planetoid's.
    const planetoid = openDataset("cora", { dataDir: SHARED_DATA_DIR }).dataset;
    expect(classSizes(ds).sort()).toEqual(classSizes(planetoid).sort());
    expect(degreeHistogram(ds)).toEqual(degreeHistogram(planetoid));
  });
});
