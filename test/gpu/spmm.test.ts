import { describe, expect, it } from "vitest";
import { graphFromEdges } from "../../compiler/ir/graph-value.js";
import { checkOp, randomGraph, useGpu } from "./helpers.js";
import { random, randomTensor } from "../support/tensors.js";

// g.spmm against the interpreter: sum/mean/max, with and without edge weights (per edge and per
// head), rows of every width the kernel treats differently, empty rows, isolated nodes, symbolic
// sizes and a grid over 65,535 workgroups.
const gpu = useGpu();

const REDUCES = ["sum", "mean", "max"] as const;
/** Row widths: scalar lanes (1, 3, 7), one vec4 group per invocation (4), several (16), and rows
 * split across invocations, evenly (64) and with a ragged last slice (36). */
const WIDTHS = [1, 3, 4, 7, 16, 36, 64];

describe("g.spmm", () => {
  const g = randomGraph(203, random(1), 40);

  it("has empty rows and isolated nodes in its test graph", () => {
    const inDegree = Array.from({ length: g.numNodes }, (_, i) => g.indptr[i + 1] - g.indptr[i]);
    const hasOut = new Set(g.src);
    expect(inDegree.filter((d) => d === 0).length).toBeGreaterThan(10);
    expect(inDegree.filter((d, i) => d === 0 && !hasOut.has(i)).length).toBeGreaterThan(5);
    expect(Math.max(...inDegree)).toBeGreaterThan(30);
  });

  for (const reduce of REDUCES) {
    for (const f of WIDTHS) {
      it(`${reduce} over rows of ${f}`, async (ctx) => {
        await checkOp(gpu(ctx), { op: "g.spmm", attrs: { reduce }, inputs: [g, randomTensor([g.numNodes, f], random(f))] });
      });
    }
    it(`${reduce} with edge weights [E], rows of 16 and of 5`, async (ctx) => {
      const w = randomTensor([g.numEdges], random(2), { lo: -1, hi: 1 });
      for (const f of [16, 5]) {
        await checkOp(gpu(ctx), { op: "g.spmm", attrs: { reduce }, inputs: [g, w, randomTensor([g.numNodes, f], random(3))] });
      }
    });
    it(`${reduce} with per-head weights [E,H] on x [N,H,C] (C = 4 and 5)`, async (ctx) => {
      const w = randomTensor([g.numEdges, 3], random(4), { lo: 0, hi: 1 });
      for (const c of [4, 5]) {
        await checkOp(gpu(ctx), { op: "g.spmm", attrs: { reduce }, inputs: [g, w, randomTensor([g.numNodes, 3, c], random(5))] });
      }
    });
  }

  it("gives zeros on a graph without edges", async (ctx) => {
    const empty = graphFromEdges(9, new Int32Array(0), new Int32Array(0));
    const r = await checkOp(gpu(ctx), { op: "g.spmm", attrs: { reduce: "max" }, inputs: [empty, randomTensor([9, 8], random(6))] });
    expect(Array.from(r.actual.data).every((v) => v === 0)).toBe(true);
  });

  it("compiles and runs with rows of no channels", async (ctx) => {
    for (const reduce of REDUCES) await checkOp(gpu(ctx), { op: "g.spmm", attrs: { reduce }, inputs: [g, randomTensor([g.numNodes, 0], random(9))] });
  });

  it("takes N, E and the row width from the sizes uniform when they are symbolic", async (ctx) => {
    const x = randomTensor([g.numNodes, 12], random(7));
    const r = await checkOp(gpu(ctx), {
      op: "g.spmm",
      attrs: { reduce: "mean" },
      inputs: [g, x],
      types: [
        { kind: "graph", nodes: "N", edges: "E", selfLoops: false },
        { kind: "tensor", dtype: "f32", shape: ["N", "F"] },
      ],
      symbols: { N: g.numNodes, E: g.numEdges, F: 12 },
    });
    expect(r.kernel.uniforms).toEqual(["n", "f"]);
  });

  it("splits a grid of more than 65,535 workgroups into two dimensions", async (ctx) => {
    const big = randomGraph(65_600, random(8), 2, 0.5);
    const r = await checkOp(gpu(ctx), {
      op: "g.spmm",
      inputs: [big, randomTensor([big.numNodes, 1], random(9))],
      emit: { workgroupSize: 1 },
    });
    expect(r.kernel.dispatch({ n: 65_600, f: 1 })).toEqual({ x: 32_800, y: 2, z: 1 });
  });
});
