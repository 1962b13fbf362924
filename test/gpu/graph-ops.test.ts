import { describe, expect, it } from "vitest";
import { graphFromEdges } from "../../compiler/ir/graph-value.js";
import type { Type } from "../../compiler/ir/types.js";
import type { TensorValue } from "../../compiler/ir/values.js";
import { randomGraph, randomInts, tensor, useGpu } from "./helpers.js";
import { checkCase, type ShapeGraphCase } from "./shape-graph-helpers.js";
import { random, randomTensor } from "../support/tensors.js";

// The graph ops besides g.spmm against the interpreter: edge-parallel (gathers, sddmm), per
// destination row (edge softmax, scatter_sum, the max mask) and per source row through the
// by-source view (scatter_sum_src, spmm_t). Rows of every width the kernels treat differently,
// per-head weights, empty rows, isolated nodes, a graph without edges and symbolic N and E.
const gpu = useGpu();

const g = randomGraph(203, random(1), 40);
const N = g.numNodes;
const E = g.numEdges;
/** Scalar lanes (1, 3, 5), one vec4 (4), several (16), a row split over invocations with a ragged last slice (36). */
const WIDTHS = [1, 3, 4, 5, 16, 36];

const nodeRows = (rest: number[], seed: number) => randomTensor([N, ...rest], random(seed));
const edgeRows = (rest: number[], seed: number) => randomTensor([E, ...rest], random(seed));
/** Small integers as floats: many exact ties between messages. */
const ties = (shape: number[], seed: number): TensorValue => {
  const t = randomInts("i32", shape, random(seed), -2, 3);
  return tensor("f32", shape, t.data);
};

describe("the test graph", () => {
  it("has empty rows, nodes without out-edges and isolated nodes", () => {
    const inDegree = Array.from({ length: N }, (_, i) => g.indptr[i + 1] - g.indptr[i]);
    const hasOut = new Set(g.src);
    expect(inDegree.filter((d) => d === 0).length).toBeGreaterThan(10);
    expect(Array.from({ length: N }, (_, j) => j).filter((j) => !hasOut.has(j)).length).toBeGreaterThan(10);
    expect(inDegree.filter((d, i) => d === 0 && !hasOut.has(i)).length).toBeGreaterThan(5);
  });
});

describe("g.gather_src and g.gather_dst", () => {
  for (const op of ["g.gather_src", "g.gather_dst"]) {
    it(`${op} copies node rows onto edges, rows of ${WIDTHS.join(", ")} and [H,C]`, async (ctx) => {
      for (const f of WIDTHS) await checkCase(gpu(ctx), { op, inputs: [g, nodeRows([f], f)], exact: true });
      await checkCase(gpu(ctx), { op, inputs: [g, nodeRows([2, 4], 7)], exact: true });
    });
  }
});

describe("g.sddmm", () => {
  it("adds a[src] and b[dst]", async (ctx) => {
    for (const f of [1, 5, 8]) {
      await checkCase(gpu(ctx), { op: "g.sddmm", attrs: { op: "add" }, inputs: [g, nodeRows([f], f), nodeRows([f], f + 1)] });
    }
    await checkCase(gpu(ctx), { op: "g.sddmm", attrs: { op: "add" }, inputs: [g, nodeRows([3, 2], 9), nodeRows([3, 2], 10)] });
  });

  it("takes dot products over the last axis, per head", async (ctx) => {
    for (const shape of [[16], [7], [3, 5], [2, 8], [1]]) {
      const a = randomTensor([N, ...shape], random(11), { lo: -1, hi: 1 });
      const b = randomTensor([N, ...shape], random(12), { lo: -1, hi: 1 });
      await checkCase(gpu(ctx), { op: "g.sddmm", attrs: { op: "dot" }, inputs: [g, a, b] });
    }
  });
});

describe("g.edge_softmax", () => {
  it("normalises scores over each destination's in-edges, [E] and [E,H]", async (ctx) => {
    for (const rest of [[], [3], [4], [2, 4]]) {
      await checkCase(gpu(ctx), { op: "g.edge_softmax", inputs: [g, randomTensor([E, ...rest], random(13), { lo: -6, hi: 6 })] });
    }
  });
});

describe("edge sums: g.scatter_sum, g.scatter_sum_src", () => {
  for (const op of ["g.scatter_sum", "g.scatter_sum_src"]) {
    it(`${op}: rows of ${WIDTHS.join(", ")} and [H,C]`, async (ctx) => {
      for (const f of WIDTHS) await checkCase(gpu(ctx), { op, inputs: [g, edgeRows([f], 20 + f)] });
      await checkCase(gpu(ctx), { op, inputs: [g, edgeRows([3, 4], 27)] });
    });
  }
});

describe("g.spmm_t", () => {
  it(`sums destination rows over out-edges, rows of ${WIDTHS.join(", ")}`, async (ctx) => {
    for (const f of WIDTHS) await checkCase(gpu(ctx), { op: "g.spmm_t", inputs: [g, nodeRows([f], 30 + f)] });
  });

  it("weights edges by w [E]", async (ctx) => {
    const w = randomTensor([E], random(40), { lo: -1, hi: 1 });
    for (const f of [16, 5]) await checkCase(gpu(ctx), { op: "g.spmm_t", inputs: [g, w, nodeRows([f], 41 + f)] });
  });

  it("weights heads by w [E,H] on y [N,H,C] (C = 4 and 5)", async (ctx) => {
    const w = randomTensor([E, 3], random(50), { lo: 0, hi: 1 });
    for (const c of [4, 5]) await checkCase(gpu(ctx), { op: "g.spmm_t", inputs: [g, w, nodeRows([3, c], 51 + c)] });
  });
});

describe("g.spmm_max_mask", () => {
  it("marks the first arg-max in-edge per channel, ties included", async (ctx) => {
    for (const f of [1, 3, 4, 8]) await checkCase(gpu(ctx), { op: "g.spmm_max_mask", inputs: [g, ties([N, f], 60 + f)] });
  });

  it("weights messages by w [E] and by w [E,H]", async (ctx) => {
    await checkCase(gpu(ctx), { op: "g.spmm_max_mask", inputs: [g, ties([E], 70), ties([N, 4], 71)] });
    await checkCase(gpu(ctx), { op: "g.spmm_max_mask", inputs: [g, ties([E, 2], 72), ties([N, 2, 4], 73)] });
    await checkCase(gpu(ctx), { op: "g.spmm_max_mask", inputs: [g, ties([E, 3], 74), ties([N, 3, 3], 75)] });
  });
});

describe("g.adjacency_block", () => {
  const rows = (xs: number[]) => tensor("i32", [xs.length], xs);
  it("gives A[idx, idx]: edges between batch nodes, empty rows, a node twice, a symbolic batch", async (ctx) => {
    const batch = Array.from({ length: 37 }, (_, k) => (k * 11) % N);
    const r = await checkCase(gpu(ctx), { op: "g.adjacency_block", inputs: [g, rows(batch)], exact: true });
    expect(Array.from(r.actual.data).filter((v) => v === 1).length).toBeGreaterThan(0); // the batch holds edges
    await checkCase(gpu(ctx), { op: "g.adjacency_block", inputs: [g, rows([5, 5, 17, 0])], exact: true });
    await checkCase(gpu(ctx), {
      op: "g.adjacency_block",
      inputs: [g, rows(batch.slice(0, 9))],
      types: [{ kind: "graph", nodes: "N", edges: "E", selfLoops: false }, { kind: "tensor", dtype: "i32", shape: ["B"] }],
      symbols: { N, E, B: 9 },
      exact: true,
    });
  });

  it("the whole graph as the batch is the dense adjacency", async (ctx) => {
    const small = graphFromEdges(4, Int32Array.from([0, 1, 2, 3]), Int32Array.from([1, 2, 3, 3]));
    const r = await checkCase(gpu(ctx), { op: "g.adjacency_block", inputs: [small, rows([0, 1, 2, 3])], exact: true });
    // Row i lists i's sources: 0 → 1, 1 → 2, 2 → 3 and the self loop 3 → 3.
    expect(Array.from(r.actual.data)).toEqual([0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 1]);
  });
});

describe("every graph kernel", () => {
  const empty = graphFromEdges(9, new Int32Array(0), new Int32Array(0));

  it("gives zeros (or nothing) on a graph without edges", async (ctx) => {
    const x = randomTensor([9, 8], random(80));
    const y = randomTensor([0, 8], random(81));
    for (const op of ["g.spmm_t", "g.spmm_max_mask", "g.gather_src"]) await checkCase(gpu(ctx), { op, inputs: [empty, x] });
    for (const op of ["g.scatter_sum", "g.scatter_sum_src"]) {
      const r = await checkCase(gpu(ctx), { op, inputs: [empty, y] });
      expect(Array.from(r.actual.data).every((v) => v === 0)).toBe(true);
    }
  });

  it("compile and run with rows of no channels", async (ctx) => {
    const x = randomTensor([N, 0], random(85));
    const y = randomTensor([E, 0], random(86));
    const cases: ShapeGraphCase[] = [
      { op: "g.gather_src", inputs: [g, x] },
      { op: "g.sddmm", attrs: { op: "add" }, inputs: [g, x, x] },
      { op: "g.sddmm", attrs: { op: "dot" }, inputs: [g, randomTensor([N, 0, 2], random(87)), randomTensor([N, 0, 2], random(88))] },
      { op: "g.edge_softmax", inputs: [g, y] },
      { op: "g.scatter_sum", inputs: [g, y] },
      { op: "g.spmm_t", inputs: [g, x] },
      { op: "g.spmm_max_mask", inputs: [g, x] },
    ];
    for (const c of cases) await checkCase(gpu(ctx), c);
  });

  it("takes N, E and the row width from the sizes uniform when they are symbolic", async (ctx) => {
    const graph: Type = { kind: "graph", nodes: "N", edges: "E", selfLoops: false };
    const rows = (n: string): Type => ({ kind: "tensor", dtype: "f32", shape: [n, "F"] });
    const symbols = { N, E, F: 6 };
    const x = nodeRows([6], 90);
    const y = edgeRows([6], 91);
    const cases = [
      { op: "g.spmm_t", inputs: [g, x], types: [graph, rows("N")], uniforms: ["n", "f"] },
      { op: "g.scatter_sum_src", inputs: [g, y], types: [graph, rows("E")], uniforms: ["n", "f"] },
      { op: "g.gather_dst", inputs: [g, x], types: [graph, rows("N")], uniforms: ["e", "f"] },
      { op: "g.edge_softmax", inputs: [g, y], types: [graph, rows("E")], uniforms: ["n", "f"] },
      { op: "g.spmm_max_mask", inputs: [g, x], types: [graph, rows("N")], uniforms: ["n", "f"] },
    ];
    for (const c of cases) {
      const r = await checkCase(gpu(ctx), { ...c, symbols });
      expect(r.kernels[0].uniforms, c.op).toEqual(c.uniforms);
    }
    const dot = await checkCase(gpu(ctx), { op: "g.sddmm", attrs: { op: "dot" }, inputs: [g, x, x], types: [graph, rows("N"), rows("N")], symbols });
    expect(dot.kernels[0].uniforms).toEqual(["e", "d"]);
  });

  it("splits a grid of more than 65,535 workgroups into two dimensions", async (ctx) => {
    const big = randomGraph(70_000, random(100), 2, 0.5);
    const r = await checkCase(gpu(ctx), {
      op: "g.scatter_sum_src",
      inputs: [big, randomTensor([big.numEdges, 1], random(101))],
      emit: { workgroupSize: 1 },
    });
    expect(r.kernels[0].dispatch({ n: 70_000, f: 1 })).toEqual({ x: 35_000, y: 2, z: 1 });
  });
});
