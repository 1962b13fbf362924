import { describe, it, expect } from "vitest";
import { FuncBuilder } from "../../../compiler/ir/builder.js";
import { verifyFunc } from "../../../compiler/ir/verify.js";
import type { Func } from "../../../compiler/ir/types.js";
import type { GraphValue, TensorValue } from "../../../compiler/ir/values.js";
import { runFunc } from "../../../runtime/reference/index.js";
import { graph } from "./helpers.js";
import { f32, random, randomTensor, UNIFORM } from "../../support/tensors.js";
import { expectAllClose, ROUNDING } from "../../support/allclose.js";

/**
 * Whole GNN layers written as IR (as the frontend expands them) and run through the interpreter,
 * against independent dense / per-node computations in f64 following PyG's documented formulas.
 */

const N = 7; // node 6 is isolated
const F = 5;
const rand = random(11);

function randomGraph(): GraphValue {
  const edges: Array<[number, number]> = [];
  const seen = new Set<string>();
  while (edges.length < 14) {
    const s = Math.floor(rand() * 6);
    const d = Math.floor(rand() * 6);
    if (s === d || seen.has(`${s},${d}`)) continue;
    seen.add(`${s},${d}`);
    edges.push([s, d]);
  }
  return graph(N, edges);
}

const g = randomGraph();
const x = randomTensor([N, F], rand, UNIFORM);

/** Dense row-major helpers in f64. */
const at = (t: TensorValue, ...idx: number[]) => {
  let off = 0;
  idx.forEach((i, k) => (off = off * t.shape[k] + i));
  return t.data[off];
};
/** y = W·v for W [out,in] (PyG Linear layout). */
const linear = (w: TensorValue, v: number[]) => Array.from({ length: w.shape[0] }, (_, o) => v.reduce((s, vi, i) => s + at(w, o, i) * vi, 0));
const row = (t: TensorValue, i: number) => Array.from({ length: t.shape[1] }, (_, k) => at(t, i, k));
const inNeighbours = (i: number) => Array.from(g.src.subarray(g.indptr[i], g.indptr[i + 1]));

function run(f: Func, params: Record<string, TensorValue>): TensorValue {
  expect(verifyFunc(f)).toEqual([]);
  return runFunc(f, { inputs: { x, g }, params })[0] as TensorValue;
}

function leaves(b: FuncBuilder) {
  return {
    x: b.leaf("s.input", f32("N", F), { name: "x" }),
    g: b.leaf("s.input", { kind: "graph", nodes: "N", edges: "E", selfLoops: false }, { name: "g" }),
  };
}

describe("GCNConv", () => {
  it("equals D̃^-½(A+I)D̃^-½ · X · Wᵀ + b built densely", () => {
    const H = 3;
    const W = randomTensor([H, F], rand, UNIFORM);
    const bias = randomTensor([H], rand, UNIFORM);
    const b = new FuncBuilder("gcn");
    const { x: xi, g: gi } = leaves(b);
    const wi = b.leaf("s.param", f32(H, F), { name: "conv.lin.weight" });
    const bi = b.leaf("s.param", f32(H), { name: "conv.bias" });
    const gl = b.emit("g.add_self_loops", [gi]);
    const norm = b.emit("g.gcn_norm", [gl]);
    const xw = b.emit("t.matmul", [xi, wi], { transB: true });
    const agg = b.emit("g.spmm", [gl, norm, xw]);
    const out = b.emit("t.add", [agg, bi]);
    const got = run(b.finish([out], ["out"]), { "conv.lin.weight": W, "conv.bias": bias });

    // Â = D̃^-½ (A + I) D̃^-½ with A[i][j] = 1 for an edge j → i.
    const A = Array.from({ length: N }, (_, i) => Array.from({ length: N }, (_, j): number => (i === j ? 1 : 0)));
    for (let e = 0; e < g.numEdges; e++) A[g.dst[e]][g.src[e]] += 1;
    const deg = A.map((r) => r.reduce((s, v) => s + v, 0));
    const expected: number[] = [];
    for (let i = 0; i < N; i++) {
      const h = new Array(H).fill(0);
      for (let j = 0; j < N; j++) {
        const a = A[i][j] / Math.sqrt(deg[i] * deg[j]);
        if (a === 0) continue;
        linear(W, row(x, j)).forEach((v, o) => (h[o] += a * v));
      }
      expected.push(...h.map((v, o) => v + bias.data[o]));
    }
    expect(got.shape).toEqual([N, H]);
    expectAllClose(got.data, expected, ROUNDING);
    // The isolated node only sees itself: Â_66 = 1.
    expectAllClose(row(got, 6), linear(W, row(x, 6)).map((v, o) => v + bias.data[o]), ROUNDING);
  });
});

describe("SAGEConv (mean)", () => {
  it("equals lin_l(mean_j x_j) + lin_r(x_i)", () => {
    const H = 4;
    const Wl = randomTensor([H, F], rand, UNIFORM);
    const bl = randomTensor([H], rand, UNIFORM);
    const Wr = randomTensor([H, F], rand, UNIFORM);
    const b = new FuncBuilder("sage");
    const { x: xi, g: gi } = leaves(b);
    const wl = b.leaf("s.param", f32(H, F), { name: "lin_l.weight" });
    const bli = b.leaf("s.param", f32(H), { name: "lin_l.bias" });
    const wr = b.leaf("s.param", f32(H, F), { name: "lin_r.weight" });
    const mean = b.emit("g.spmm", [gi, xi], { reduce: "mean" });
    const left = b.emit("t.add", [b.emit("t.matmul", [mean, wl], { transB: true }), bli]);
    const right = b.emit("t.matmul", [xi, wr], { transB: true });
    const out = b.emit("t.add", [left, right]);
    const got = run(b.finish([out], ["out"]), { "lin_l.weight": Wl, "lin_l.bias": bl, "lin_r.weight": Wr });

    const expected: number[] = [];
    for (let i = 0; i < N; i++) {
      const nb = inNeighbours(i);
      const m = new Array(F).fill(0);
      for (const j of nb) row(x, j).forEach((v, k) => (m[k] += v / nb.length));
      const l = linear(Wl, m);
      const r = linear(Wr, row(x, i));
      expected.push(...l.map((v, o) => v + bl.data[o] + r[o]));
    }
    expectAllClose(got.data, expected, ROUNDING);
  });
});

describe("GATConv (2 heads)", () => {
  const heads = 2;
  const C = 3;
  const W = randomTensor([heads * C, F], rand, UNIFORM);
  const attSrc = randomTensor([1, heads, C], rand, UNIFORM);
  const attDst = randomTensor([1, heads, C], rand, UNIFORM);

  /** α_ij = softmax_j(LeakyReLU_0.2(a_sᵀΘx_j + a_dᵀΘx_i)) over j ∈ N(i) ∪ {i}; out_i = Σ_j α_ij Θx_j per head. */
  function direct(): number[][][] {
    const theta = Array.from({ length: N }, (_, i) => linear(W, row(x, i)));
    const score = (att: TensorValue, v: number[], h: number) =>
      Array.from({ length: C }, (_, c) => att.data[h * C + c] * v[h * C + c]).reduce((a, b) => a + b);
    return Array.from({ length: N }, (_, i) => {
      const nb = [...inNeighbours(i), i];
      return Array.from({ length: heads }, (_, h) => {
        const raw = nb.map((j) => score(attSrc, theta[j], h) + score(attDst, theta[i], h));
        const e = raw.map((v) => (v > 0 ? v : 0.2 * v));
        const mx = Math.max(...e);
        const z = e.reduce((s, v) => s + Math.exp(v - mx), 0);
        const alpha = e.map((v) => Math.exp(v - mx) / z);
        return Array.from({ length: C }, (_, c) => nb.reduce((s, j, k) => s + alpha[k] * theta[j][h * C + c], 0));
      });
    });
  }

  /** The attention part of GATConv in IR; `combine` finishes with concat or mean. */
  function build(concat: boolean): Func {
    const b = new FuncBuilder(concat ? "gat_concat" : "gat_mean");
    const { x: xi, g: gi } = leaves(b);
    const wi = b.leaf("s.param", f32(heads * C, F), { name: "lin.weight" });
    const asi = b.leaf("s.param", f32(1, heads, C), { name: "att_src" });
    const adi = b.leaf("s.param", f32(1, heads, C), { name: "att_dst" });
    const bi = b.leaf("s.param", f32(concat ? heads * C : C), { name: "bias" });
    const gl = b.emit("g.add_self_loops", [gi]);
    const h = b.emit("t.reshape", [b.emit("t.matmul", [xi, wi], { transB: true })], { shape: ["N", heads, C] });
    const aS = b.emit("t.sum", [b.emit("t.mul", [h, asi])], { axes: [-1] });
    const aD = b.emit("t.sum", [b.emit("t.mul", [h, adi])], { axes: [-1] });
    const e = b.emit("t.leaky_relu", [b.emit("g.sddmm", [gl, aS, aD])], { slope: 0.2 });
    const alpha = b.emit("g.edge_softmax", [gl, e]);
    const agg = b.emit("g.spmm", [gl, alpha, h]);
    const combined = concat
      ? b.emit("t.reshape", [agg], { shape: ["N", heads * C] })
      : b.emit("t.mean", [agg], { axes: [1] });
    return b.finish([b.emit("t.add", [combined, bi])], ["out"]);
  }

  it("concatenates heads", () => {
    const bias = randomTensor([heads * C], rand, UNIFORM);
    const got = run(build(true), { "lin.weight": W, att_src: attSrc, att_dst: attDst, bias });
    const expected = direct().flatMap((hs) => hs.flat().map((v, k) => v + bias.data[k]));
    expect(got.shape).toEqual([N, heads * C]);
    expectAllClose(got.data, expected, ROUNDING);
  });

  it("averages heads", () => {
    const bias = randomTensor([C], rand, UNIFORM);
    const got = run(build(false), { "lin.weight": W, att_src: attSrc, att_dst: attDst, bias });
    const expected = direct().flatMap((hs) =>
      Array.from({ length: C }, (_, c) => hs.reduce((s, hv) => s + hv[c], 0) / heads + bias.data[c]),
    );
    expect(got.shape).toEqual([N, C]);
    expectAllClose(got.data, expected, ROUNDING);
  });
});
