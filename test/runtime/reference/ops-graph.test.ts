import { describe, it, expect } from "vitest";
import type { GraphValue } from "../../../compiler/ir/values.js";
import { graph, tensor } from "./helpers.js";
import { runOneOp, runTensorOp } from "../../support/one-op.js";
import { expectAllClose, ROUNDING } from "../../support/allclose.js";

// 4 nodes; node 3 is isolated (no edges in or out). CSR by destination gives the edge order
// e0: 1→0 | e1: 0→1, e2: 2→1 | e3: 0→2 | (row 3 empty).
const g = graph(4, [
  [0, 1],
  [2, 1],
  [1, 0],
  [0, 2],
]);
const x = tensor([4, 2], [1, 2, 3, 4, 5, 6, 7, 8]);

describe("g.add_self_loops / g.degree", () => {
  it("appends one loop at the end of every row, isolated nodes included", () => {
    const gl = runOneOp("g.add_self_loops", [g]) as GraphValue;
    expect(gl.numEdges).toBe(8);
    expect(gl.selfLoops).toBe(true);
    expect(Array.from(gl.indptr)).toEqual([0, 2, 5, 7, 8]);
    expect(Array.from(gl.src)).toEqual([1, 0, 0, 2, 1, 0, 2, 3]);
    expect(Array.from(gl.dst)).toEqual([0, 0, 1, 1, 1, 2, 2, 3]);
  });

  it("counts in-degrees", () => {
    expectAllClose(runTensorOp("g.degree", [g]).data, [1, 2, 1, 0], ROUNDING);
  });
});

describe("g.gcn_norm", () => {
  it("is deg^-½[src]·deg^-½[dst] with self loops counted", () => {
    const gl = runOneOp("g.add_self_loops", [g]) as GraphValue;
    const deg = [2, 3, 2, 1];
    const expected = Array.from(gl.src, (s, e) => 1 / Math.sqrt(deg[s] * deg[gl.dst[e]]));
    expectAllClose(runTensorOp("g.gcn_norm", [gl]).data, expected, ROUNDING);
  });

  it("weighs self loops 2 when improved (PyG fill value)", () => {
    const gl = runOneOp("g.add_self_loops", [g]) as GraphValue;
    const deg = [3, 4, 3, 2];
    const expected = Array.from(gl.src, (s, e) => {
      const d = gl.dst[e];
      return (s === d ? 2 : 1) / Math.sqrt(deg[s] * deg[d]);
    });
    expectAllClose(runTensorOp("g.gcn_norm", [gl], { improved: true }).data, expected, ROUNDING);
  });

  it("gives 0 on edges from a node of in-degree 0", () => {
    const h = graph(2, [[1, 0]]); // node 1 has no incoming edge
    expectAllClose(runTensorOp("g.gcn_norm", [h]).data, [0], ROUNDING);
  });
});

describe("g.spmm", () => {
  it("sums, averages and maxes neighbour rows; empty rows give 0", () => {
    expectAllClose(runTensorOp("g.spmm", [g, x]).data, [3, 4, 6, 8, 1, 2, 0, 0], ROUNDING);
    expectAllClose(runTensorOp("g.spmm", [g, x], { reduce: "mean" }).data, [3, 4, 3, 4, 1, 2, 0, 0], ROUNDING);
    const neg = tensor([4, 2], [-1, -2, -3, -4, -5, -6, -7, -8]);
    expectAllClose(runTensorOp("g.spmm", [g, neg], { reduce: "max" }).data, [-3, -4, -1, -2, -1, -2, 0, 0], ROUNDING);
  });

  it("weights each edge by w[e]", () => {
    const w = tensor([4], [2, 1, -1, 0.5]);
    expectAllClose(runTensorOp("g.spmm", [g, w, x]).data, [6, 8, -4, -4, 0.5, 1, 0, 0], ROUNDING);
    expectAllClose(runTensorOp("g.spmm", [g, w, x], { reduce: "max" }).data, [6, 8, 1, 2, 0.5, 1, 0, 0], ROUNDING);
  });

  it("weights each head separately with w [E,H] and x [N,H,C]", () => {
    const xh = tensor([4, 2, 1], [1, 2, 3, 4, 5, 6, 7, 8]);
    const w = tensor([4, 2], [1, 2, 1, 0, 0, 1, 3, 3]);
    const out = runTensorOp("g.spmm", [g, w, xh]);
    expect(out.shape).toEqual([4, 2, 1]);
    expectAllClose(out.data, [3, 8, 1, 6, 3, 6, 0, 0], ROUNDING);
  });
});

describe("g.sddmm / g.edge_softmax", () => {
  it("adds a[src] + b[dst] per edge", () => {
    const a = tensor([4, 1], [1, 2, 3, 4]);
    const b = tensor([4, 1], [10, 20, 30, 40]);
    const out = runTensorOp("g.sddmm", [g, a, b]);
    expect(out.shape).toEqual([4, 1]);
    expectAllClose(out.data, [12, 21, 23, 31], ROUNDING);
  });

  it("takes the dot product over the last axis", () => {
    const a = tensor([4, 2], [1, 0, 0, 1, 1, 1, 2, 2]);
    const out = runTensorOp("g.sddmm", [g, a, x], { op: "dot" });
    expect(out.shape).toEqual([4]);
    // e0: a[1]·x[0] = 2; e1: a[0]·x[1] = 3; e2: a[2]·x[1] = 7; e3: a[0]·x[2] = 5
    expectAllClose(out.data, [2, 3, 7, 5], ROUNDING);
  });

  it("normalises scores over each destination's incoming edges", () => {
    const s = tensor([4], [0, 0, Math.log(3), 5]);
    expectAllClose(runTensorOp("g.edge_softmax", [g, s]).data, [1, 0.25, 0.75, 1], ROUNDING);
    const heads = tensor([4, 2], [7, 0, 0, 1000, Math.log(3), 1000, -2, 3]);
    expectAllClose(runTensorOp("g.edge_softmax", [g, heads]).data, [1, 1, 0.25, 0.5, 0.75, 0.5, 1, 1], ROUNDING);
  });
});

describe("gather / scatter", () => {
  it("gathers source and destination rows onto edges", () => {
    expectAllClose(runTensorOp("g.gather_src", [g, x]).data, [3, 4, 1, 2, 5, 6, 1, 2], ROUNDING);
    expectAllClose(runTensorOp("g.gather_dst", [g, x]).data, [1, 2, 3, 4, 3, 4, 5, 6], ROUNDING);
  });

  it("sums edge rows into their destinations; isolated nodes get 0", () => {
    const y = tensor([4, 1], [1, 2, 3, 4]);
    const out = runTensorOp("g.scatter_sum", [g, y]);
    expect(out.shape).toEqual([4, 1]);
    expectAllClose(out.data, [1, 5, 4, 0], ROUNDING);
  });

  it("works on a graph with no edges at all", () => {
    const empty = graph(3, []);
    expectAllClose(runTensorOp("g.spmm", [empty, tensor([3, 1], [1, 2, 3])], { reduce: "max" }).data, [0, 0, 0], ROUNDING);
    expectAllClose(runTensorOp("g.degree", [empty]).data, [0, 0, 0], ROUNDING);
  });
});
