import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { zipSync } from "fflate";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DataError } from "../../../runtime/data/errors.js";
import { loadGnnBenchNpz, readNpz } from "../../../runtime/data/npz.js";
import { edgeSet, npyOf, tempDir } from "./helpers.js";

/**
 * A 5-node gnn-benchmark archive: directed adjacency with one self loop (2->2), one reciprocal
 * pair (0<->1) and one-way edges 1->3, 4->3; CSR attributes; int8 labels.
 */
function benchMembers(overrides: Record<string, Uint8Array> = {}): Record<string, Uint8Array> {
  return {
    "adj_data.npy": npyOf("<f4", [5], Float32Array.from([1, 1, 1, 1, 1])),
    "adj_indices.npy": npyOf("<i4", [5], Int32Array.from([1, 0, 3, 2, 3])),
    "adj_indptr.npy": npyOf("<i4", [6], Int32Array.from([0, 1, 3, 4, 4, 5])),
    "adj_shape.npy": npyOf("<i8", [2], BigInt64Array.from([5n, 5n])),
    "attr_data.npy": npyOf("<f4", [4], Float32Array.from([1, 2, 1, 3])),
    "attr_indices.npy": npyOf("<i4", [4], Int32Array.from([0, 2, 1, 2])),
    "attr_indptr.npy": npyOf("<i4", [6], Int32Array.from([0, 2, 3, 3, 4, 4])),
    "attr_shape.npy": npyOf("<i8", [2], BigInt64Array.from([5n, 3n])),
    "labels.npy": npyOf("|i1", [5], Int8Array.from([0, 1, 1, 0, 2])),
    ...overrides,
  };
}

describe("npz", () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeAll(() => (tmp = tempDir()));
  afterAll(() => tmp.cleanup());

  const write = (name: string, zip: Uint8Array) => {
    const path = join(tmp.dir, name);
    writeFileSync(path, zip);
    return path;
  };

  it("reads stored and deflated members alike", () => {
    const members = { "a.npy": npyOf("<f8", [3], Float64Array.from([1, 2, 3])), "b.npy": npyOf("<i4", [1], Int32Array.from([9])), "readme.txt": new Uint8Array([65]) };
    const stored = readNpz(zipSync(members, { level: 0 }), "s.npz");
    const deflated = zipSync(members, { level: 9 });
    expect(deflated.length).toBeLessThan(zipSync(members, { level: 0 }).length); // really compressed
    const inflated = readNpz(deflated, "d.npz");
    for (const arrays of [stored, inflated]) {
      expect([...arrays.keys()].sort()).toEqual(["a", "b"]);
      expect(Array.from(arrays.get("a")!.data as Float64Array)).toEqual([1, 2, 3]);
    }
  });

  it("reports a broken archive or member, naming the file", () => {
    expect(() => readNpz(new Uint8Array([1, 2, 3, 4]), "bad.npz")).toThrow(/^bad\.npz: not a readable \.npz \(ZIP\) archive/);
    const broken = zipSync({ "x.npy": new Uint8Array([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, 200, 0]) });
    expect(() => readNpz(broken, "bad.npz")).toThrow(/^bad\.npz:x\.npy: truncated \.npy header/);
  });

  it("loads a gnn-benchmark archive, symmetrising as PyG and reporting it", () => {
    const path = write("bench.npz", zipSync(benchMembers(), { level: 6 }));
    const { dataset: ds, graphReport, notes, warnings } = loadGnnBenchNpz(path);
    expect(warnings).toEqual([]);
    expect(graphReport).toEqual({ sourceEntries: 5, selfLoopsRemoved: 1, duplicatesRemoved: 0, reverseEdgesAdded: 2, numEdges: 6 });
    expect(notes[0]).toBe("bench.npz: adjacency made undirected as PyG does: 5 stored entries, 1 self loops removed, 2 reverse edges added → 6 directed edges");
    expect(edgeSet(ds)).toEqual(["0-1", "1-0", "1-3", "3-1", "3-4", "4-3"]);
    expect([ds.name, ds.numNodes, ds.numFeatures, ds.numClasses]).toEqual(["bench", 5, 3, 3]);
    expect(ds.labels).toEqual(Int32Array.from([0, 1, 1, 0, 2]));
    expect(ds.features).toEqual({
      kind: "csr",
      indptr: Int32Array.from([0, 2, 3, 3, 4, 4]),
      indices: Int32Array.from([0, 2, 1, 2]),
      data: Float32Array.from([1, 2, 1, 3]),
    });
    const binary = loadGnnBenchNpz(path, { binarizeFeatures: true }).dataset;
    expect(binary.features.data).toEqual(Float32Array.from([1, 1, 1, 1]));
  });

  it("accepts dense attributes (attr_matrix)", () => {
    const members = benchMembers({ "attr_matrix.npy": npyOf("<f8", [5, 2], Float64Array.from([1, 0, 0, 1, 1, 1, 0, 0, 2, 2])) });
    for (const k of ["attr_data.npy", "attr_indices.npy", "attr_indptr.npy", "attr_shape.npy"]) delete members[k];
    const ds = loadGnnBenchNpz(write("dense.npz", zipSync(members))).dataset;
    expect(ds.numFeatures).toBe(2);
    expect(ds.features).toEqual({ kind: "dense", data: Float32Array.from([1, 0, 0, 1, 1, 1, 0, 0, 2, 2]) });
  });

  it("rejects bad gnn-benchmark arrays with file, array and position", () => {
    const bad = (overrides: Record<string, Uint8Array>, drop: string[] = []) => {
      const members = benchMembers(overrides);
      for (const k of drop) delete members[k];
      return () => loadGnnBenchNpz(write("bad.npz", zipSync(members)));
    };
    expect(bad({ "adj_indices.npy": npyOf("<i4", [5], Int32Array.from([1, 0, 7, 2, 3])) })).toThrow(
      "bad.npz: adj_indices[2] = 7 is out of range for 5 nodes (row 1)",
    );
    expect(bad({ "attr_data.npy": npyOf("<f4", [4], Float32Array.from([1, NaN, 1, 3])) })).toThrow(
      "bad.npz: attr_data[1] = NaN is not a finite number (row 0)",
    );
    expect(bad({}, ["labels.npy"])).toThrow(/^bad\.npz: member labels\.npy is missing/);
    expect(bad({ "adj_shape.npy": npyOf("<i8", [2], BigInt64Array.from([5n, 4n])) })).toThrow("bad.npz: adj_shape = (5, 4) is not square");
    expect(bad({ "labels.npy": npyOf("|i1", [4], Int8Array.from([0, 1, 1, 0])) })).toThrow("bad.npz: labels has shape (4); expected (5,)");
    expect(bad({ "labels.npy": npyOf("|i1", [5], Int8Array.from([0, 1, -2, 0, 1])) })).toThrow(DataError);
  });
});
