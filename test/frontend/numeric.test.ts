import { describe, expect, it } from "vitest";
import { graphFromEdges } from "../../compiler/ir/graph-value.js";
import type { Module } from "../../compiler/ir/types.js";
import type { GraphValue, TensorValue } from "../../compiler/ir/values.js";
import { initParams, runFunc } from "../../runtime/reference/index.js";
import { compileOk, func, onlyModule } from "./helpers.js";
import { expectAllClose } from "../support/allclose.js";

/**
 * Layer expansions checked against direct dense computations of PyG's formulas, on a small graph
 * with an isolated node (node 4), through the reference interpreter.
 */
const N = 5;
const EDGES: [number, number][] = [
  [0, 1], [1, 0], [1, 2], [2, 1], [2, 3], [3, 2], [0, 3],
];
const graph: GraphValue = graphFromEdges(N, Int32Array.from(EDGES.map((e) => e[0])), Int32Array.from(EDGES.map((e) => e[1])));

type Matrix = number[][];

function features(rows: number, cols: number, seed: number): Matrix {
  return Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => Math.sin(seed + 1.3 * i + 0.7 * j)));
}
function tensor(m: Matrix): TensorValue {
  return { kind: "tensor", dtype: "f32", shape: [m.length, m[0].length], data: Float32Array.from(m.flat()) };
}
function matrix(v: TensorValue): Matrix {
  const [r, c] = v.shape;
  return Array.from({ length: r }, (_, i) => Array.from(v.data.subarray(i * c, (i + 1) * c)));
}
function mat(p: TensorValue): Matrix {
  return matrix(p);
}
const matmulT = (a: Matrix, w: Matrix) => a.map((row) => w.map((wr) => wr.reduce((s, x, k) => s + x * row[k], 0)));
const add = (a: Matrix, b: Matrix) => a.map((r, i) => r.map((x, j) => x + b[i][j]));
const addRow = (a: Matrix, b: ArrayLike<number>) => a.map((r) => r.map((x, j) => x + b[j]));
const relu = (a: Matrix) => a.map((r) => r.map((x) => Math.max(0, x)));
/** Incoming neighbours of each node. */
const incoming = (i: number) => EDGES.filter((e) => e[1] === i).map((e) => e[0]);

function run(m: Module, name: "forward" | "predict", x: Matrix, params = initParams(m, 7)) {
  return { outs: runFunc(func(m, name), { inputs: { x: tensor(x), graph, rng: { kind: "rng", key: [1, 2] } }, params }) as TensorValue[], params };
}

function model(body: string, forward: string, inW: number): Module {
  return onlyModule(compileOk(`model Net(in_channels: int = ${inW}) {\n${body}\n  forward(x: f32[N, in_channels], g: graph[N]) = ${forward}\n}`));
}

describe("layer expansions agree with PyG's formulas", () => {
  const x = features(N, 3, 0.2);

  it("GCNConv: D̃^-½(A+I)D̃^-½ x Wᵀ + b", () => {
    const m = model("  conv = GCNConv(in_channels, 2)", "conv(x, g)", 3);
    const { outs, params } = run(m, "predict", x);
    const deg = Array.from({ length: N }, (_, i) => incoming(i).length + 1);
    const h = matmulT(x, mat(params["conv.lin.weight"]));
    const agg = h.map((_, i) =>
      h[0].map((__, c) => [...incoming(i), i].reduce((s, j) => s + h[j][c] / Math.sqrt(deg[i] * deg[j]), 0)),
    );
    expectAllClose(matrix(outs[0]).flat(), addRow(agg, params["conv.bias"].data).flat(), { atol: 5e-6, rtol: 0 });
  });

  it("SAGEConv (mean): lin_l(mean_j x_j) + lin_r(x_i)", () => {
    const m = model("  conv = SAGEConv(in_channels, 2)", "conv(x, g)", 3);
    const { outs, params } = run(m, "predict", x);
    const mean = x.map((_, i) => x[0].map((__, c) => (incoming(i).length ? incoming(i).reduce((s, j) => s + x[j][c], 0) / incoming(i).length : 0)));
    const expected = add(addRow(matmulT(mean, mat(params["conv.lin_l.weight"])), params["conv.lin_l.bias"].data), matmulT(x, mat(params["conv.lin_r.weight"])));
    expectAllClose(matrix(outs[0]).flat(), expected.flat(), { atol: 5e-6, rtol: 0 });
  });

  it("GINConv: nn((1 + ε)·x_i + Σ_j x_j) with a trainable ε", () => {
    const m = model("  conv = GINConv(Linear(in_channels, 2), eps = 0.5, train_eps = true)", "conv(x, g)", 3);
    const params = initParams(m, 3);
    params["conv.eps"] = { kind: "tensor", dtype: "f32", shape: [1], data: Float32Array.of(0.25) };
    const { outs } = run(m, "predict", x, params);
    const combined = x.map((row, i) => row.map((v, c) => 1.75 * v + incoming(i).reduce((s, j) => s + x[j][c], 0)));
    expectAllClose(matrix(outs[0]).flat(), addRow(matmulT(combined, mat(params["conv.nn.weight"])), params["conv.nn.bias"].data).flat(), { atol: 5e-6, rtol: 0 });
  });

  it("SGConv: lin(Â^K x) with K unrolled", () => {
    const m = model("  conv = SGConv(in_channels, 2, K = 2)", "conv(x, g)", 3);
    const { outs, params } = run(m, "predict", x);
    const deg = Array.from({ length: N }, (_, i) => incoming(i).length + 1);
    const prop = (h: Matrix) => h.map((_, i) => h[0].map((__, c) => [...incoming(i), i].reduce((s, j) => s + h[j][c] / Math.sqrt(deg[i] * deg[j]), 0)));
    expectAllClose(matrix(outs[0]).flat(), addRow(matmulT(prop(prop(x)), mat(params["conv.lin.weight"])), params["conv.lin.bias"].data).flat(), { atol: 5e-6, rtol: 0 });
  });

  it("AugmentedLinear: Linear over [x, Âx, Â²x, Â³x] (the GA-MLP's first layer), weight blocks in that order", () => {
    const m = model("  aug = AugmentedLinear(in_channels, 2, K = 3)", "aug(x, g)", 3);
    const { outs, params } = run(m, "predict", x);
    const deg = Array.from({ length: N }, (_, i) => incoming(i).length + 1);
    const prop = (h: Matrix) => h.map((_, i) => h[0].map((__, c) => [...incoming(i), i].reduce((s, j) => s + h[j][c] / Math.sqrt(deg[i] * deg[j]), 0)));
    const augmented = [x, prop(x), prop(prop(x)), prop(prop(prop(x)))];
    const concat = x.map((_, i) => augmented.flatMap((block) => block[i]));
    expect(params["aug.weight"].shape).toEqual([2, 12]);
    expectAllClose(matrix(outs[0]).flat(), addRow(matmulT(concat, mat(params["aug.weight"])), params["aug.bias"].data).flat(), { atol: 5e-6, rtol: 0 });
  });

  it("BatchNorm: batch statistics in training, running statistics updated with the unbiased variance", () => {
    const m = model("  bn = BatchNorm(in_channels, momentum = 0.1)", "bn(x)", 3);
    const forward = func(m, "forward");
    expect(forward.resultNames).toEqual(["out", "bn.module.running_mean", "bn.module.running_var"]);
    const { outs } = run(m, "forward", x);
    const mean = x[0].map((_, c) => x.reduce((s, r) => s + r[c], 0) / N);
    const unbiased = x[0].map((_, c) => x.reduce((s, r) => s + (r[c] - mean[c]) ** 2, 0) / (N - 1));
    outs[1].data.forEach((v, c) => expect(v).toBeCloseTo(0.1 * mean[c], 6));
    outs[2].data.forEach((v, c) => expect(v).toBeCloseTo(0.9 + 0.1 * unbiased[c], 6));
    const biased = unbiased.map((v) => (v * (N - 1)) / N);
    expectAllClose(matrix(outs[0]).flat(), x.map((r) => r.map((v, c) => (v - mean[c]) / Math.sqrt(biased[c] + 1e-5))).flat(), { atol: 5e-6, rtol: 0 });
    // Eval mode normalises with the (initial) running statistics: mean 0, variance 1.
    const { outs: evalOuts } = run(m, "predict", x);
    expectAllClose(matrix(evalOuts[0]).flat(), x.map((r) => r.map((v) => v / Math.sqrt(1 + 1e-5))).flat(), { atol: 5e-6, rtol: 0 });
  });

  it("repeat(3) applies three differently-weighted copies of the block in order", () => {
    const src = `block Step(width: int) {
  lin = Linear(width, width)
  forward(h) = relu(lin(h))
}
model Net(in_channels: int = 3) {
  stack = repeat(3) Step(in_channels)
  forward(x: f32[N, in_channels], g: graph[N]) = stack(x)
}`;
    const m = onlyModule(compileOk(src));
    const { outs, params } = run(m, "predict", x);
    const w = params["stack.lin.weight"];
    const b = params["stack.lin.bias"];
    let h = x;
    for (let i = 0; i < 3; i++) {
      const wi = matrix({ ...w, shape: [3, 3], data: w.data.subarray(i * 9, (i + 1) * 9) });
      h = relu(addRow(matmulT(h, wi), b.data.subarray(i * 3, (i + 1) * 3)));
    }
    expectAllClose(matrix(outs[0]).flat(), h.flat(), { atol: 5e-6, rtol: 0 });
  });

  it("reversible(groups = 2): X'_0 = X_2, X'_1 = X_1 + f_1(X'_0), X'_2 = X_2 + f_2(X'_1)", () => {
    const src = `block F(width: int) {
  lin = Linear(width, width)
  forward(h) = relu(lin(h))
}
model Net(in_channels: int = 4) {
  stack = reversible(groups = 2) F(2)
  forward(x: f32[N, in_channels], g: graph[N]) = stack(x)
}`;
    const m = onlyModule(compileOk(src));
    const x4 = features(N, 4, 1.1);
    const { outs, params } = run(m, "predict", x4);
    const f = (g: number, h: Matrix) => {
      const w = params[`stack.convs.${g}.lin.weight`];
      const b = params[`stack.convs.${g}.lin.bias`];
      // A single block (no repeat) still lowers to a one-iteration loop with stacked params.
      return relu(addRow(matmulT(h, matrix({ ...w, shape: [2, 2], data: w.data.subarray(0, 4) })), b.data.subarray(0, 2)));
    };
    const x1 = x4.map((r) => r.slice(0, 2));
    const x2 = x4.map((r) => r.slice(2));
    const y1 = add(x1, f(0, x2));
    const y2 = add(x2, f(1, y1));
    expectAllClose(matrix(outs[0]).flat(), y1.map((r, i) => [...r, ...y2[i]]).flat(), { atol: 5e-6, rtol: 0 });
  });
});
