import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { edgeListFromText, loadEdgeList } from "../../../runtime/data/edgelist.js";
import { edgeSet, tempDir } from "./helpers.js";

const edges = (text: string) => ({ file: "edges.csv", text });

describe("edge list loader", () => {
  it("reads CSV with a header and comments, symmetrising by default", () => {
    const { dataset: ds, notes, warnings } = edgeListFromText({
      edges: edges("# a small graph\nsrc,dst\n0,1\n1,2   # trailing comment\n\n2,0\n"),
    });
    expect(warnings).toEqual([]);
    expect(edgeSet(ds)).toEqual(["0-1", "0-2", "1-0", "1-2", "2-0", "2-1"]);
    expect([ds.numNodes, ds.numFeatures, ds.numClasses]).toEqual([3, 3, 0]);
    expect(notes).toContain("edges.csv: treated as undirected: 3 reverse edges added → 6 directed edges");
    expect(ds.features.kind).toBe("csr"); // identity features when none are given
    expect(ds.labels).toEqual(Int32Array.from([-1, -1, -1]));
  });

  it("accepts tab- and space-separated files and keeps direction when asked", () => {
    const tsv = edgeListFromText({ edges: edges("0\t1\n1\t2\n") }, { directed: true }).dataset;
    const spaced = edgeListFromText({ edges: edges("0 1\n1  2\n") }, { directed: true }).dataset;
    expect(edgeSet(tsv)).toEqual(["0-1", "1-2"]);
    expect(edgeSet(spaced)).toEqual(["0-1", "1-2"]);
  });

  it("drops self loops and duplicates with warnings that say where", () => {
    const { dataset, warnings } = edgeListFromText({ edges: edges("0,1\n1,1\n0,1\n1,2\n") }, { directed: true });
    expect(edgeSet(dataset)).toEqual(["0-1", "1-2"]);
    expect(warnings).toEqual(["edges.csv:2: 1 self loops removed (this is the first)", "edges.csv: 1 duplicate edges removed (e.g. 0,1)"]);
  });

  it("reads features and labels (sequential or node,label pairs)", () => {
    const features = { file: "x.csv", text: "f0,f1\n1,0\n0.5,2\n0,0\n-1,3\n" };
    const seq = edgeListFromText({ edges: edges("0,1\n2,3\n"), features, labels: { file: "y.csv", text: "0\n1\n-1\n1\n" } }).dataset;
    expect([seq.numNodes, seq.numFeatures, seq.numClasses]).toEqual([4, 2, 2]);
    expect(seq.features).toEqual({ kind: "dense", data: Float32Array.from([1, 0, 0.5, 2, 0, 0, -1, 3]) });
    expect(seq.labels).toEqual(Int32Array.from([0, 1, -1, 1]));
    const pairs = edgeListFromText({ edges: edges("0,1\n2,3\n"), labels: { file: "y.csv", text: "node,label\n3,2\n0,0\n" } }).dataset;
    expect(pairs.labels).toEqual(Int32Array.from([0, -1, -1, 2]));
    expect(pairs.numClasses).toBe(3);
  });

  it("reports errors with file:line", () => {
    const fails = (sources: Parameters<typeof edgeListFromText>[0], options = {}) => () => edgeListFromText(sources, options);
    expect(fails({ edges: edges("0,1\n1,x\n") })).toThrow(`edges.csv:2: "x" is not a node id (a non-negative integer)`);
    expect(fails({ edges: edges("src,dst\n0,1\n2\n") })).toThrow(`edges.csv:3: expected two node ids "src,dst", found 1 fields`);
    expect(fails({ edges: edges("0,1\n1,-2\n") })).toThrow(`edges.csv:2: "-2" is not a node id`);
    expect(fails({ edges: edges("0,1\n1,,2\n") })).toThrow(`edges.csv:2: field 2 is empty in "1,,2"`);
    expect(fails({ edges: edges("0,1\n1,5\n"), features: { file: "x.csv", text: "1\n2\n3\n" } })).toThrow(
      "edges.csv:2: node id 5 is out of range for 3 nodes (the rows of x.csv)",
    );
    expect(fails({ edges: edges("0,1\n"), features: { file: "x.csv", text: "1,2\n3\n" } })).toThrow("x.csv:2: 1 values, expected 2 (as on line 1)");
    expect(fails({ edges: edges("0,1\n"), features: { file: "x.csv", text: "1,nan\n3,4\n" } })).toThrow(`x.csv:1: value 2 = "nan" is not a finite number`);
    expect(fails({ edges: edges("0,1\n"), labels: { file: "y.csv", text: "0\n1.5\n" } })).toThrow(`y.csv:2: label "1.5" is not a class id`);
    expect(fails({ edges: edges("0,1\n"), labels: { file: "y.csv", text: "0,1\n0,0\n" } })).toThrow("y.csv:2: node 0 already has a label (line 1)");
    expect(fails({ edges: edges("0,1\n"), labels: { file: "y.csv", text: "0\n3\n" } }, { numClasses: 2 })).toThrow(
      "y.csv:2: label 3 is out of range for 2 classes",
    );
    expect(fails({ edges: edges("0,1\n"), labels: { file: "y.csv", text: "0\n1\n1\n" } }, { numNodes: 2 })).toThrow(
      "y.csv: 3 labels for 2 nodes (as given)",
    );
  });

  it("loads from files", () => {
    const tmp = tempDir();
    try {
      writeFileSync(join(tmp.dir, "karate.tsv"), "0\t1\n1\t2\n");
      writeFileSync(join(tmp.dir, "labels.txt"), "0\n0\n1\n");
      const { dataset } = loadEdgeList({ edges: join(tmp.dir, "karate.tsv"), labels: join(tmp.dir, "labels.txt") });
      expect([dataset.name, dataset.numNodes, dataset.graph.numEdges, dataset.numClasses]).toEqual(["karate", 3, 4, 2]);
      expect(() => loadEdgeList({ edges: join(tmp.dir, "missing.csv") })).toThrow(/^missing\.csv: cannot read/);
    } finally {
      tmp.cleanup();
    }
  });
});
