import { chmodSync, cpSync, readdirSync, readFileSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { loadBinaryDataset } from "../../../runtime/data/binary.js";
import { DataError } from "../../../runtime/data/errors.js";
import { saveBinaryDataset } from "../../../runtime/data/write-binary.js";
import { HAVE_SHARED_DATA, SHARED_DATA_DIR, edgeSet, tempDir, tinyDataset } from "./helpers.js";

function patch(file: string, index: number, value: number, kind: "int32" | "float32"): void {
  const buf = readFileSync(file);
  if (kind === "int32") buf.writeInt32LE(value, index * 4);
  else buf.writeFloatLE(value, index * 4);
  writeFileSync(file, buf);
}

function loadError(dir: string): DataError {
  try {
    loadBinaryDataset(dir);
  } catch (e) {
    if (e instanceof DataError) return e;
    throw e;
  }
  throw new Error("expected the load to fail");
}

/** Replaces the edge list of a saved dataset, keeping meta.json consistent. */
function rewriteEdges(dir: string, pairs: [number, number][]): void {
  const e = pairs.length;
  const arr = new Int32Array(2 * e);
  pairs.forEach(([s, d], k) => {
    arr[k] = s;
    arr[e + k] = d;
  });
  writeFileSync(join(dir, "edge_index.bin"), arr);
  const meta = JSON.parse(readFileSync(join(dir, "meta.json"), "utf8"));
  meta.num_edges_directed = e;
  meta.arrays.edge_index = { ...meta.arrays.edge_index, shape: [2, e], byte_length: 8 * e, sha256: undefined };
  writeFileSync(join(dir, "meta.json"), JSON.stringify(meta));
}

describe.skipIf(!HAVE_SHARED_DATA)("corrupted copies of cora", () => {
  let tmp: ReturnType<typeof tempDir>;
  let dir = "";
  const file = (name: string) => join(dir, name);
  beforeAll(() => {
    tmp = tempDir();
    dir = join(tmp.dir, "cora");
  });
  afterAll(() => tmp.cleanup());
  beforeEach(() => {
    cpSync(join(SHARED_DATA_DIR, "cora"), dir, { recursive: true });
    for (const f of readdirSync(dir)) chmodSync(join(dir, f), 0o644); // the shared copy is read-only
  });

  it("loads untouched", () => {
    expect(loadBinaryDataset(dir).dataset.numNodes).toBe(2708);
  });

  describe("truncated arrays name the first missing element", () => {
    const cases: [string, string][] = [
      ["edge_index.bin", "edge_index[1][10555]"],
      ["features_indptr.bin", "features_indptr[2708]"],
      ["features_indices.bin", "features_indices[49215]"],
      ["features_data.bin", "features_data[49215]"],
      ["labels.bin", "labels[2707]"],
    ];
    for (const [name, missing] of cases) {
      it(name, () => {
        const size = readFileSync(file(name)).byteLength;
        truncateSync(file(name), size - 4);
        const msg = loadError(dir).message;
        expect(msg).toMatch(new RegExp(`^cora/${name}: ${name.replace(".bin", "")} is truncated: file has ${size - 4} bytes`));
        expect(msg).toContain(`${missing} onwards are missing`);
      });
    }
  });

  describe("out-of-range ids", () => {
    it("edge_index", () => {
      patch(file("edge_index.bin"), 10556 + 734, 99999, "int32");
      expect(loadError(dir).message).toBe("cora/edge_index.bin: edge_index[1][734] = 99999 is out of range for 2708 nodes");
    });
    it("edge_index (negative source)", () => {
      patch(file("edge_index.bin"), 12, -3, "int32");
      expect(loadError(dir).message).toBe("cora/edge_index.bin: edge_index[0][12] = -3 is out of range for 2708 nodes");
    });
    it("features_indices", () => {
      patch(file("features_indices.bin"), 100, 5000, "int32");
      expect(loadError(dir).message).toMatch(/^cora\/features_indices\.bin: features_indices\[100\] = 5000 is out of range for 1433 features \(row \d+\)$/);
    });
    it("features_indptr", () => {
      patch(file("features_indptr.bin"), 10, 10_000_000, "int32");
      expect(loadError(dir).message).toMatch(/^cora\/features_indptr\.bin: features_indptr\[11\] = \d+ is less than features_indptr\[10\] = 10000000/);
    });
    it("labels", () => {
      patch(file("labels.bin"), 5, 7, "int32");
      expect(loadError(dir).message).toBe("cora/labels.bin: labels[5] = 7 is out of range for 7 classes (expected -1..6, -1 = unlabelled)");
    });
  });

  describe("bad feature values", () => {
    for (const [value, why] of [
      [NaN, "NaN is not a finite number"],
      [Infinity, "Infinity is not a finite number"],
      [-2, "-2 is negative"],
    ] as const) {
      it(String(value), () => {
        patch(file("features_data.bin"), 123, value, "float32");
        expect(loadError(dir).message).toMatch(new RegExp(`^cora/features_data\\.bin: features_data\\[123\\] = ${why}.* \\(row \\d+\\)$`));
      });
    }
  });

  describe("bad splits", () => {
    const editSplit = (edit: (s: Record<string, number[]>) => void) => {
      const split = JSON.parse(readFileSync(file("split.json"), "utf8"));
      edit(split);
      writeFileSync(file("split.json"), JSON.stringify(split));
    };
    it("overlapping", () => {
      editSplit((s) => (s.val[3] = s.train[5]));
      expect(loadError(dir).message).toBe(`cora/split.json: "val"[3] = 5 is also in "train"[5] (splits must be disjoint, ids unique)`);
    });
    it("out of range", () => {
      editSplit((s) => (s.test[0] = 2708));
      expect(loadError(dir).message).toBe(`cora/split.json: "test"[0] = 2708 is out of range for 2708 nodes`);
    });
    it("unlabelled", () => {
      patch(file("labels.bin"), 7, -1, "int32");
      expect(loadError(dir).message).toBe(`cora/split.json: "train"[7] = 7 is unlabelled (labels[7] = -1)`);
    });
  });

  it("meta.json inconsistent with itself", () => {
    const meta = JSON.parse(readFileSync(file("meta.json"), "utf8"));
    meta.arrays.labels.byte_length = 10828;
    writeFileSync(file("meta.json"), JSON.stringify(meta));
    expect(loadError(dir).message).toBe("cora/meta.json: arrays.labels.byte_length = 10828 does not match shape [2708] × 4 bytes = 10832");
  });

  it("checksums catch a change the structure checks cannot", () => {
    patch(file("features_data.bin"), 0, 1.5, "float32");
    expect(() => loadBinaryDataset(dir)).not.toThrow();
    expect(() => loadBinaryDataset(dir, { verifyChecksums: true })).toThrow(/^cora\/features_data\.bin: features_data: sha256 [0-9a-f]{64} does not match meta.json/);
  });
});

describe("binary format round trip and repairs (no shared data needed)", () => {
  let tmp: ReturnType<typeof tempDir>;
  let dir = "";
  beforeAll(() => {
    tmp = tempDir();
    dir = join(tmp.dir, "tiny");
  });
  afterAll(() => tmp.cleanup());
  beforeEach(() => saveBinaryDataset(dir, tinyDataset()));

  it("saves and loads the same dataset", () => {
    const { dataset, warnings, notes } = loadBinaryDataset(dir, { verifyChecksums: true });
    const original = tinyDataset();
    expect(warnings).toEqual([]);
    expect(notes).toEqual([]);
    expect(edgeSet(dataset)).toEqual(edgeSet(original));
    expect(dataset.features).toEqual(original.features);
    expect(dataset.labels).toEqual(original.labels);
    expect(dataset.splits).toEqual(original.splits);
    expect([dataset.name, dataset.numNodes, dataset.numFeatures, dataset.numClasses]).toEqual(["tiny", 6, 4, 2]);
  });

  it("sorts unsorted edges and drops duplicates, with a warning for each", () => {
    rewriteEdges(dir, [[1, 0], [0, 1], [0, 2], [2, 0], [1, 2], [2, 1], [0, 1]]);
    const { dataset, warnings } = loadBinaryDataset(dir);
    expect(dataset.graph.numEdges).toBe(6);
    expect(warnings).toEqual([
      "tiny/edge_index.bin: edges not sorted by (source, target) (first out of order: edge_index[:, 1] = (0, 1)); sorted",
      "tiny/edge_index.bin: 1 duplicate edges removed (e.g. (0, 1))",
    ]);
  });

  it("drops self loops and reports asymmetry", () => {
    rewriteEdges(dir, [[0, 1], [1, 0], [1, 1], [1, 2]]);
    const { dataset, warnings } = loadBinaryDataset(dir);
    expect(edgeSet(dataset)).toEqual(["0-1", "1-0", "1-2"]);
    expect(warnings).toEqual([
      "tiny/edge_index.bin: 1 self loops removed (first: edge_index[:, 2] = (1, 1))",
      "tiny/edge_index.bin: graph is not symmetric: 1 edges lack their reverse (e.g. (1, 2) without (2, 1)); kept as directed",
    ]);
  });

  it("sorts feature columns within a row but rejects a repeated column", () => {
    const indices = readFileSync(join(dir, "features_indices.bin"));
    indices.writeInt32LE(1, 0); // row 0: columns [0, 1] -> [1, 1]
    writeFileSync(join(dir, "features_indices.bin"), indices);
    expect(loadError(dir).message).toBe("tiny/features_indices.bin: features_indices[1] = 1 repeats features_indices[0] in row 0");
    indices.writeInt32LE(3, 0); // row 0: [3, 1] with values [1, 3]
    writeFileSync(join(dir, "features_indices.bin"), indices);
    const { dataset, warnings } = loadBinaryDataset(dir);
    expect(warnings).toEqual(["tiny/features_indices.bin: column ids of 1 rows were not ascending; sorted"]);
    const f = dataset.features;
    expect(f.kind === "csr" && [Array.from(f.indices.subarray(0, 2)), Array.from(f.data.subarray(0, 2))]).toEqual([[1, 3], [3, 1]]);
  });

  it("rejects a missing array file, naming it", () => {
    writeFileSync(join(dir, "labels.bin"), new Uint8Array(0));
    expect(loadError(dir).message).toMatch(/^tiny\/labels\.bin: labels is truncated: file has 0 bytes, meta.json says 24 .*; labels\[0\] onwards are missing$/);
  });

  it("rejects array file names that leave the dataset folder", () => {
    const meta = JSON.parse(readFileSync(join(dir, "meta.json"), "utf8"));
    meta.arrays.labels.file = "../labels.bin";
    writeFileSync(join(dir, "meta.json"), JSON.stringify(meta));
    expect(loadError(dir).message).toBe(`tiny/meta.json: arrays.labels.file = "../labels.bin" must be a plain file name in the dataset folder`);
  });
});
