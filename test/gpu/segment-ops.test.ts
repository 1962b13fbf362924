import { describe, expect, it } from "vitest";
import { graphFromEdges } from "../../compiler/ir/graph-value.js";
import type { Type } from "../../compiler/ir/types.js";
import type { TensorValue } from "../../compiler/ir/values.js";
import { randomGraph, randomInts, tensor, useGpu } from "./helpers.js";
import { checkCase } from "./shape-graph-helpers.js";
import { random, randomTensor } from "../support/tensors.js";

// The segment kernels against the interpreter: max over in-edge rows and its mask (ties
// included), self-loop values appended and taken apart, pooling over a batch vector with empty
// graphs. Rows of every width the kernels treat differently, empty rows, symbolic sizes.
const gpu = useGpu();

const g = randomGraph(203, random(3), 30);
const N = g.numNodes;
const E = g.numEdges;
const WIDTHS = [1, 3, 4, 5, 16, 36];
const edgeRows = (rest: number[], seed: number) => randomTensor([E, ...rest], random(seed));
const nodeRows = (rest: number[], seed: number) => randomTensor([N, ...rest], random(seed));
const ties = (shape: number[], seed: number): TensorValue => tensor("f32", shape, randomInts("i32", shape, random(seed), -2, 3).data);

/** A sorted batch vector of `graphs` graphs over `nodes` nodes; every third graph has no nodes. */
function batchOf(nodes: number, graphs: number, seed: number): TensorValue {
  const rand = random(seed);
  const ids = Array.from({ length: nodes }, () => Math.floor(rand() * graphs)).map((b) => (b % 3 === 2 ? b - 1 : b)).sort((a, b) => a - b);
  return tensor("i32", [nodes], ids);
}

describe("g.scatter_max and g.scatter_max_mask", () => {
  it(`take each node's max over in-edge rows of ${WIDTHS.join(", ")} and [H,C] (0 for an empty row)`, async (ctx) => {
    for (const f of WIDTHS) await checkCase(gpu(ctx), { op: "g.scatter_max", inputs: [g, edgeRows([f], f)] });
    await checkCase(gpu(ctx), { op: "g.scatter_max", inputs: [g, edgeRows([2, 4], 9)] });
  });

  it("mark the first arg-max in-edge per channel, ties included", async (ctx) => {
    for (const f of [1, 3, 4, 8]) await checkCase(gpu(ctx), { op: "g.scatter_max_mask", inputs: [g, ties([E, f], 20 + f)] });
  });
});

describe("g.append_loops and g.loop_part", () => {
  it(`append each node's loop value after its row, rows of ${WIDTHS.join(", ")} and [E]`, async (ctx) => {
    for (const f of WIDTHS) await checkCase(gpu(ctx), { op: "g.append_loops", inputs: [g, edgeRows([f], 30 + f), nodeRows([f], 40 + f)], exact: true });
    await checkCase(gpu(ctx), { op: "g.append_loops", inputs: [g, randomTensor([E], random(50)), randomTensor([N], random(51))], exact: true });
  });

  it("take a looped graph's edge values apart again", async (ctx) => {
    for (const part of ["edges", "loops"]) {
      for (const f of [1, 4, 5]) {
        await checkCase(gpu(ctx), { op: "g.loop_part", attrs: { part }, inputs: [g, randomTensor([E + N, f], random(60 + f))], exact: true });
      }
    }
  });
});

describe("g.pool, g.pool_max_mask and g.unpool", () => {
  const graphs = 40;
  const batch = batchOf(N, graphs, 70);

  it("has graphs without nodes in the test batch", () => {
    const present = new Set(batch.data);
    expect(graphs - present.size).toBeGreaterThan(5);
  });

  for (const reduce of ["sum", "mean", "max"]) {
    it(`pools ${reduce} over each graph's nodes, rows of ${WIDTHS.join(", ")}`, async (ctx) => {
      for (const f of WIDTHS) await checkCase(gpu(ctx), { op: "g.pool", attrs: { reduce, graphs }, inputs: [nodeRows([f], 80 + f), batch] });
    });
  }

  it("marks each graph's first arg-max node per channel, ties included", async (ctx) => {
    for (const f of [1, 3, 4]) await checkCase(gpu(ctx), { op: "g.pool_max_mask", attrs: { graphs }, inputs: [ties([N, f], 90 + f), batch] });
  });

  it("copies each graph's row onto its nodes", async (ctx) => {
    for (const f of [1, 4, 6]) await checkCase(gpu(ctx), { op: "g.unpool", inputs: [randomTensor([graphs, f], random(100 + f)), batch], exact: true });
  });

  it("takes the graph and node counts from the sizes uniform when they are symbolic", async (ctx) => {
    const rows = (n: string): Type => ({ kind: "tensor", dtype: "f32", shape: [n, "F"] });
    const ids: Type = { kind: "tensor", dtype: "i32", shape: ["N"] };
    const symbols = { N, F: 6, B: graphs };
    const x = nodeRows([6], 110);
    const pooled = await checkCase(gpu(ctx), { op: "g.pool", attrs: { reduce: "mean", graphs: "B" }, inputs: [x, batch], types: [rows("N"), ids], symbols });
    expect(pooled.kernels[0].uniforms).toEqual(["b", "n", "f"]);
    const y = randomTensor([graphs, 6], random(111));
    const spread = await checkCase(gpu(ctx), { op: "g.unpool", inputs: [y, batch], types: [rows("B"), ids], symbols });
    expect(spread.kernels[0].uniforms).toEqual(["n", "f"]);
  });
});

describe("on a graph without edges", () => {
  const empty = graphFromEdges(9, new Int32Array(0), new Int32Array(0));

  it("the max is 0 everywhere and every loop value lands in place", async (ctx) => {
    const r = await checkCase(gpu(ctx), { op: "g.scatter_max", inputs: [empty, randomTensor([0, 4], random(120))] });
    expect(Array.from(r.actual.data).every((v) => v === 0)).toBe(true);
    await checkCase(gpu(ctx), { op: "g.append_loops", inputs: [empty, randomTensor([0, 3], random(121)), randomTensor([9, 3], random(122))] });
  });
});
