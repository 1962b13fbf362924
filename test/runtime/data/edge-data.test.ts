import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { zipSync } from "fflate";
import { loadBinaryDataset } from "../../../runtime/data/binary.js";
import type { Dataset } from "../../../runtime/data/dataset.js";
import { edgeListFromText } from "../../../runtime/data/edgelist.js";
import { DataError } from "../../../runtime/data/errors.js";
import { gnnBenchFromArrays, readNpz } from "../../../runtime/data/npz.js";
import { largestConnectedComponent, toUndirected } from "../../../runtime/data/transforms.js";
import { saveBinaryDataset } from "../../../runtime/data/write-binary.js";
import { npyOf, tempDir, tinyDataset } from "./helpers.js";

/**
 * Edge weights and edge features follow their edges through every loader and transform: each
 * graph edge (in the CSR-by-destination order) carries the values given for it in the file,
 * whatever the file's order, duplicates and missing reverse edges.
 */

/** "src-dst" → the edge's weight (or its feature row), from a loaded dataset. */
function valuesByEdge(ds: Dataset): Record<string, number | number[]> {
  const g = ds.graph;
  const out: Record<string, number | number[]> = {};
  for (let e = 0; e < g.numEdges; e++) {
    const key = `${g.src[e]}-${g.dst[e]}`;
    if (ds.edgeWeight) out[key] = ds.edgeWeight[e];
    else if (ds.edgeAttr) out[key] = Array.from(ds.edgeAttr.data.subarray(e * ds.edgeAttr.dim, (e + 1) * ds.edgeAttr.dim));
  }
  return out;
}

let cleanup: (() => void) | undefined;
afterEach(() => cleanup?.());

describe("edge data in the binary format", () => {
  function withEdges(edgeIndex: number[][], arrays: Record<string, { data: Float32Array; shape: number[] }>): string {
    const t = tempDir();
    cleanup = t.cleanup;
    saveBinaryDataset(t.dir, tinyDataset());
    const meta = JSON.parse(readFileSync(join(t.dir, "meta.json"), "utf8"));
    const e = edgeIndex[0].length;
    writeFileSync(join(t.dir, "edge_index.bin"), Buffer.from(Int32Array.from([...edgeIndex[0], ...edgeIndex[1]]).buffer));
    meta.arrays.edge_index = { file: "edge_index.bin", dtype: "int32", shape: [2, e] };
    delete meta.num_edges_directed;
    for (const [key, { data, shape }] of Object.entries(arrays)) {
      writeFileSync(join(t.dir, `${key}.bin`), Buffer.from(data.buffer));
      meta.arrays[key] = { file: `${key}.bin`, dtype: "float32", shape };
    }
    writeFileSync(join(t.dir, "meta.json"), JSON.stringify(meta));
    return t.dir;
  }

  it("reads edge_weight in edge_index's column order, unsorted and with a duplicate", () => {
    // 1→0 twice: the first copy's weight counts.
    const dir = withEdges([[1, 0, 2, 1, 1], [0, 1, 1, 2, 0]], { edge_weight: { data: Float32Array.of(10, 20, 30, 40, 50), shape: [5] } });
    const { dataset, warnings } = loadBinaryDataset(dir);
    expect(valuesByEdge(dataset)).toEqual({ "1-0": 10, "0-1": 20, "2-1": 30, "1-2": 40 });
    expect(warnings.join("\n")).toMatch(/1 duplicate edges removed/);
  });

  it("reads edge_attr [E, D] and keeps it through a save and a load", () => {
    const dir = withEdges([[0, 1, 2, 1], [1, 0, 1, 2]], { edge_attr: { data: Float32Array.of(1, 2, 3, 4, 5, 6, 7, 8), shape: [4, 2] } });
    const first = loadBinaryDataset(dir).dataset;
    expect(first.edgeAttr?.dim).toBe(2);
    expect(valuesByEdge(first)).toEqual({ "0-1": [1, 2], "1-0": [3, 4], "2-1": [5, 6], "1-2": [7, 8] });
    const again = tempDir();
    try {
      saveBinaryDataset(again.dir, first);
      expect(JSON.parse(readFileSync(join(again.dir, "meta.json"), "utf8")).num_edge_features).toBe(2);
      expect(valuesByEdge(loadBinaryDataset(again.dir).dataset)).toEqual(valuesByEdge(first));
    } finally {
      again.cleanup();
    }
  });

  it("refuses edge data of the wrong length or a non-finite value, naming the file and the value", () => {
    const short = withEdges([[0, 1], [1, 0]], { edge_weight: { data: Float32Array.of(1, 2, 3), shape: [3] } });
    expect(() => loadBinaryDataset(short)).toThrow(/arrays\.edge_weight\.shape = \[3\]; expected \[E\] \(one weight per edge_index column\) = \[2\]/);
    const nan = withEdges([[0, 1], [1, 0]], { edge_weight: { data: Float32Array.of(1, NaN), shape: [2] } });
    expect(() => loadBinaryDataset(nan)).toThrow(/edge_weight\.bin: edge_weight\[1\] = NaN is not a finite number/);
  });
});

describe("edge data in npz archives and edge lists", () => {
  it("npz: adjacency values become edge weights, edge_attr rows follow, reverse edges copy them", () => {
    const members = {
      "adj_data.npy": npyOf("<f4", [3], Float32Array.of(0.5, 2, 3)),
      "adj_indices.npy": npyOf("<i4", [3], Int32Array.of(1, 2, 2)),
      "adj_indptr.npy": npyOf("<i4", [4], Int32Array.of(0, 2, 3, 3)),
      "adj_shape.npy": npyOf("<i8", [2], BigInt64Array.of(3n, 3n)),
      "edge_attr.npy": npyOf("<f4", [3, 1], Float32Array.of(7, 8, 9)),
      "attr_matrix.npy": npyOf("<f4", [3, 1], Float32Array.of(1, 1, 1)),
      "labels.npy": npyOf("<i8", [3], BigInt64Array.of(0n, 1n, 0n)),
    };
    const r = gnnBenchFromArrays(readNpz(zipSync(members), "w.npz"), "w.npz");
    expect(valuesByEdge(r.dataset)).toEqual({ "0-1": 0.5, "1-0": 0.5, "0-2": 2, "2-0": 2, "1-2": 3, "2-1": 3 });
    expect(valuesByEdge({ ...r.dataset, edgeWeight: undefined })).toEqual({ "0-1": [7], "1-0": [7], "0-2": [8], "2-0": [8], "1-2": [9], "2-1": [9] });
    expect(r.notes.join("\n")).toMatch(/kept as edge weights/);
  });

  it("edge list: a third column is a weight, more columns are features; a ragged line is an error at its line", () => {
    const weighted = edgeListFromText({ edges: { file: "e.csv", text: "0,1,0.5\n2,1,4\n" } }).dataset;
    expect(valuesByEdge(weighted)).toEqual({ "0-1": 0.5, "1-0": 0.5, "2-1": 4, "1-2": 4 });
    const attributed = edgeListFromText({ edges: { file: "e.csv", text: "0 1 1 2\n1 2 3 4\n" } }, { directed: true }).dataset;
    expect(valuesByEdge(attributed)).toEqual({ "0-1": [1, 2], "1-2": [3, 4] });
    expect(() => edgeListFromText({ edges: { file: "e.csv", text: "0,1,2\n1,2\n" } })).toThrow(/e\.csv:2: 2 fields, expected 3 \(as on line 1\)/);
    expect(() => edgeListFromText({ edges: { file: "e.csv", text: "0,1,2\n1,2,nan\n" } })).toThrow(/e\.csv:2: edge weight = "nan" is not a finite number/);
  });
});

describe("transforms carry edge data", () => {
  it("to_undirected gives an added reverse edge the values of the edge it mirrors", () => {
    const directed = edgeListFromText({ edges: { file: "e.csv", text: "0,1,5\n1,2,6\n2,1,7\n" } }, { directed: true }).dataset;
    expect(valuesByEdge(toUndirected(directed))).toEqual({ "0-1": 5, "1-0": 5, "1-2": 6, "2-1": 7 });
  });

  it("largest_connected_component keeps the edge data of the edges it keeps, and refuses a set of graphs", () => {
    const ds = edgeListFromText({ edges: { file: "e.csv", text: "0,1,1\n1,2,2\n3,4,3\n" } }).dataset;
    expect(valuesByEdge(largestConnectedComponent(ds))).toEqual({ "0-1": 1, "1-0": 1, "1-2": 2, "2-1": 2 });
    const graphs = { ...tinyDataset(), graphs: { numGraphs: 2, batch: Int32Array.of(0, 0, 0, 1, 1, 1) } };
    expect(() => largestConnectedComponent(graphs)).toThrow(DataError);
  });
});
