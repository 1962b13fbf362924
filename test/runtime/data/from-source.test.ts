import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { zipSync } from "fflate";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadDatasetSource } from "../../../runtime/data/from-source.js";
import { saveBinaryDataset } from "../../../runtime/data/write-binary.js";
import { npyOf, tempDir, tinyDataset } from "./helpers.js";

describe("loadDatasetSource", () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeAll(() => {
    tmp = tempDir();
    saveBinaryDataset(join(tmp.dir, "data", "tiny"), tinyDataset());
    writeFileSync(join(tmp.dir, "g.csv"), "0,1\n1,2\n3,4\n");
    writeFileSync(
      join(tmp.dir, "g.npz"),
      zipSync({
        "adj_indices.npy": npyOf("<i4", [1], Int32Array.from([1])),
        "adj_indptr.npy": npyOf("<i4", [3], Int32Array.from([0, 1, 1])),
        "adj_shape.npy": npyOf("<i8", [2], BigInt64Array.from([2n, 2n])),
        "attr_matrix.npy": npyOf("<f4", [2, 1], Float32Array.from([1, 3])),
        "labels.npy": npyOf("<i8", [2], BigInt64Array.from([0n, 1n])),
      }),
    );
  });
  afterAll(() => tmp.cleanup());

  it("loads each kind of source", () => {
    const opts = { dataDir: join(tmp.dir, "data"), env: {}, baseDir: tmp.dir };
    expect(loadDatasetSource({ kind: "load", name: "tiny" }, [], opts).dataset.numNodes).toBe(6);
    expect(loadDatasetSource({ kind: "edgelist", path: "g.csv" }, [], opts).dataset.graph.numEdges).toBe(6);
    expect(loadDatasetSource({ kind: "npz", path: "g.npz" }, [], opts).dataset.graph.numEdges).toBe(2);
    const synthetic = loadDatasetSource(
      { kind: "csbm", nodes: 200, classes: 2, features: 20, avgDegree: 4, homophily: 0.9, signal: 1, seed: 3 },
      [],
      opts,
    ).dataset;
    expect([synthetic.numNodes, synthetic.numClasses, synthetic.numFeatures]).toEqual([200, 2, 20]);
  });

  it("applies transforms in order", () => {
    const opts = { baseDir: tmp.dir };
    const lcc = loadDatasetSource({ kind: "edgelist", path: "g.csv" }, ["largest_connected_component"], opts).dataset;
    expect(lcc.numNodes).toBe(3);
    const normalized = loadDatasetSource({ kind: "npz", path: "g.npz" }, ["normalize_features"], opts).dataset;
    // Dense [[1], [3]]: PyG subtracts the minimum first → [[0], [2]] → rows / max(sum, 1).
    expect(Array.from(normalized.features.data)).toEqual([0, 1]);
  });
});
