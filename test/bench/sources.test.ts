import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { compile } from "../../compiler/index.js";
import { adaptExample, csbmDeclaration, loadDeclaration, renameInLine, sizeLabel } from "../../bench/sources.js";

const root = resolve(import.meta.dirname, "../..");

describe("renameInLine", () => {
  it("renames whole identifiers in code only", () => {
    expect(renameInLine(`model = GCN(cora.num_features, cora.num_classes)  # cora here stays`, "cora", "d")).toBe(
      `model = GCN(d.num_features, d.num_classes)  # cora here stays`,
    );
  });
  it("leaves strings, longer names and other words alone", () => {
    expect(renameInLine(`train cora_gcn { x = load("cora"); y = acora + cora2 + cora }`, "cora", "d")).toBe(
      `train cora_gcn { x = load("cora"); y = acora + cora2 + d }`,
    );
  });
});

describe("adaptExample", () => {
  const text = ["# GCN on Cora; cora in a comment", "dataset cora = load(\"cora\", transforms = [normalize_features])", "", "train t {", "  data = cora", "  model = M(cora.num_features)", "}"].join("\n");

  it("replaces the dataset statement and renames its uses", () => {
    const out = adaptExample(text, { key: "csbm_1k", declaration: csbmDeclaration({ nodes: 1000, classes: 7, features: 128, avgDegree: 8 }) });
    expect(out.split("\n")).toEqual([
      "# GCN on Cora; cora in a comment",
      "dataset csbm_1k = synthetic.csbm(nodes = 1000, classes = 7, features = 128, avg_degree = 8, homophily = 0.8, signal = 1.0, seed = 0)",
      "",
      "train t {",
      "  data = csbm_1k",
      "  model = M(csbm_1k.num_features)",
      "}",
    ]);
  });

  it("refuses a file without exactly one dataset statement", () => {
    expect(() => adaptExample("train t {}", { key: "d", declaration: "x" })).toThrow(/one `dataset` statement, found 0/);
    expect(() => adaptExample(`${text}\ndataset other = load("x")`, { key: "d", declaration: "x" })).toThrow(/found 2/);
  });

  it("gives examples that still compile, on a stored dataset and on a synthetic graph", () => {
    for (const name of ["gcn", "sage", "gat"]) {
      const example = readFileSync(resolve(root, `examples/cora-${name}.gnn`), "utf8");
      for (const dataset of [
        { key: "amazon_computers", declaration: loadDeclaration("amazon_computers") },
        { key: "csbm_1k", declaration: csbmDeclaration({ nodes: 1000, classes: 7, features: 128, avgDegree: 8 }) },
      ]) {
        const result = compile(adaptExample(example, dataset), { file: `${name}.gnn` });
        expect(result.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
        expect(result.program?.trains[0].data.name).toBe(dataset.key);
      }
    }
  });
});

describe("declarations and labels", () => {
  it("writes load() with the examples' transforms, or none", () => {
    expect(loadDeclaration("coauthor_cs")).toBe(`load("coauthor_cs", transforms = [normalize_features])`);
    expect(loadDeclaration("cora", [])).toBe(`load("cora")`);
  });
  it("labels node counts in thousands when exact", () => {
    expect([1000, 64000, 2708, 999].map(sizeLabel)).toEqual(["1k", "64k", "2708", "999"]);
  });
});
