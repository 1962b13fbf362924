import { describe, expect, it } from "vitest";
import type { Span } from "../../grammar/span.js";
import { FuncBuilder } from "../../compiler/ir/builder.js";
import type { Func } from "../../compiler/ir/types.js";
import type { TensorValue } from "../../compiler/ir/values.js";
import { levelSet, project, type LevelSet } from "../../compiler/schedules/admm-levels.js";
import { reportFunc } from "../../compiler/schedules/admm-setup.js";
import { pUpdateFunc, updateFunc, type LayerEntries, type UpdateSettings } from "../../compiler/schedules/admm-updates.js";
import { IrMath } from "../../compiler/schedules/ir-math.js";
import { runFunc } from "../../runtime/reference/index.js";
import { random, randomTensor } from "../support/tensors.js";

/**
 * Each ADMM update on small inputs through the reference interpreter, against the subproblem it
 * solves minimised by brute force in f64: closed forms (b, the ReLU z-update, q) against a fine
 * grid search per element, the backtracking steps against the first τ of the doubling sequence
 * whose candidate passes the majoriser test (the objective evaluated directly), FISTA against
 * gradient descent run to convergence, the projection against the nearest level.
 */

const T = 5;
const DIN = 3;
const DOUT = 4;
const CLASSES = 3;
const SPAN: Span = { file: "t.gnn", start: { offset: 0, line: 1, column: 1 }, end: { offset: 1, line: 1, column: 2 } };

type M = number[][];
const mat = (t: TensorValue): M => Array.from({ length: t.shape[0] }, (_, i) => Array.from(t.data.subarray(i * t.shape[1], (i + 1) * t.shape[1])));
const vec = (t: TensorValue): number[] => Array.from(t.data);
const scalar = (v: number): TensorValue => ({ kind: "tensor", dtype: "f32", shape: [], data: Float32Array.of(v) });
/** p Wᵀ + b. */
const affine = (p: M, W: M, b: number[]): M => p.map((row) => W.map((w, j) => w.reduce((s, x, k) => s + x * row[k], b[j])));
const sub = (a: M, b: M): M => a.map((r, i) => r.map((x, j) => x - b[i][j]));
const sq = (a: M): number => a.flat().reduce((s, x) => s + x * x, 0);
const dot = (a: M, b: M): number => a.flat().reduce((s, x, k) => s + x * b.flat()[k], 0);
const relu = (x: number) => Math.max(0, x);

function settings(extra: Partial<UpdateSettings> = {}): UpdateSettings {
  return { rows: T, classes: CLASSES, rho: "rho", nu: "nu", mu: 0.3, tau: 1, tries: 12, fista: { iterations: 50, tol: 1e-3, step: 4 }, labels: "y", span: SPAN, ...extra };
}

const hidden: LayerEntries = { index: 2, W: "W", b: "b", z: "z", p: "p", din: DIN, dout: DOUT, coupling: { q: "q", u: "u", next: "next" }, previous: { q: "qprev", u: "uprev" }, terms: "terms" };
const output: LayerEntries = { index: 3, W: "W", b: "b", z: "z", p: "p", din: DIN, dout: CLASSES, previous: { q: "qprev", u: "uprev" }, terms: "terms" };

function state(seed: number, dout = DOUT): Record<string, TensorValue> {
  const r = random(seed);
  return {
    p: randomTensor([T, DIN], r, { zeros: 0 }),
    W: randomTensor([dout, DIN], r, { zeros: 0 }),
    b: randomTensor([dout], r, { zeros: 0 }),
    z: randomTensor([T, dout], r, { zeros: 0 }),
    q: randomTensor([T, dout], r, { lo: 0, hi: 2, zeros: 0 }),
    u: randomTensor([T, dout], r, { lo: -0.5, hi: 0.5, zeros: 0 }),
    next: randomTensor([T, dout], r, { lo: 0, hi: 2, zeros: 0 }),
    qprev: randomTensor([T, DIN], r, { lo: 0, hi: 2, zeros: 0 }),
    uprev: randomTensor([T, DIN], r, { lo: -0.5, hi: 0.5, zeros: 0 }),
    rho: scalar(0.7),
    nu: scalar(1.3),
    terms: { kind: "tensor", dtype: "f32", shape: [2], data: new Float32Array(2) },
  };
}

function run(func: Func, params: Record<string, TensorValue>): Record<string, TensorValue> {
  const outs = runFunc(func, { inputs: {}, params, symbols: {} });
  return Object.fromEntries(func.resultNames.map((n, k) => [n, outs[k] as TensorValue]));
}

/** argmin of a 1-D function on [lo, hi]: a grid, then golden-section search around the best point. */
function argmin1d(f: (x: number) => number, lo = -20, hi = 20, steps = 40_000): number {
  let best = lo;
  for (let k = 0; k <= steps; k++) {
    const x = lo + ((hi - lo) * k) / steps;
    if (f(x) < f(best)) best = x;
  }
  let [a, b] = [best - (hi - lo) / steps, best + (hi - lo) / steps];
  const g = (Math.sqrt(5) - 1) / 2;
  for (let k = 0; k < 80; k++) {
    const c = b - g * (b - a);
    const d = a + g * (b - a);
    if (f(c) < f(d)) b = d;
    else a = c;
  }
  return (a + b) / 2;
}

/** The first τ = τ₀·2ᵏ (k < tries) whose candidate passes f(c) ≤ f(x) + ⟨g, c − x⟩ + τ/2 ‖c − x‖², or undefined. */
function firstAccepted(f: (x: M) => number, x: M, g: M, tau: number, tries: number, proj: (c: M) => M = (c) => c): M | undefined {
  for (let k = 0; k < tries; k++, tau *= 2) {
    const c = proj(x.map((r, i) => r.map((v, j) => v - g[i][j] / tau)));
    const d = sub(c, x);
    if (f(c) <= f(x) + dot(g, d) + (tau / 2) * sq(d) + 1e-9 * Math.abs(f(x))) return c;
  }
  return undefined;
}

describe("ADMM updates against brute-force minimisation", () => {
  it("W by a backtracking step, then b, the hidden layer's z, q and u in closed form", () => {
    for (const seed of [1, 2, 3]) {
      const s = state(seed);
      const out = run(updateFunc("u", hidden, settings()), s);
      const [p, W, b, z, q, u, next] = ["p", "W", "b", "z", "q", "u", "next"].map((n) => (n === "b" ? [vec(s.b)] : mat(s[n])));
      const [rho, nu, mu] = [0.7, 1.3, 0.3];
      // W: the first accepted step on ν/2 ‖z − p Wᵀ − b‖² + μ/2 ‖W‖².
      const fW = (w: M) => (nu / 2) * sq(sub(z, affine(p, w, b[0]))) + (mu / 2) * sq(w);
      const r = sub(affine(p, W, b[0]), z);
      const gW = W.map((row, j) => row.map((w, k) => nu * r.reduce((acc, ri, i) => acc + ri[j] * p[i][k], 0) + mu * w));
      const W1 = firstAccepted(fW, W, gW, 1, 12)!;
      expect(mat(out.W).flat().map((x, k) => x - W1.flat()[k]).every((d) => Math.abs(d) < 1e-5)).toBe(true);
      // b: each column's argmin of Σ_i (z − p W1ᵀ − b)².
      const pw = affine(p, mat(out.W), Array(DOUT).fill(0));
      vec(out.b).forEach((bj, j) => expect(bj).toBeCloseTo(argmin1d((v) => z.reduce((acc, zi, i) => acc + (zi[j] - pw[i][j] - v) ** 2, 0)), 4));
      // z: per element, the argmin of (z − a)² + (q − relu z)² + (z − z_old)².
      const a = affine(p, mat(out.W), vec(out.b));
      mat(out.z).forEach((row, i) => row.forEach((zij, j) => expect(zij).toBeCloseTo(argmin1d((v) => (v - a[i][j]) ** 2 + (q[i][j] - relu(v)) ** 2 + (v - z[i][j]) ** 2), 3)));
      // q: per element, the argmin of ν/2 (q − relu z)² − u q + ρ/2 (next − q)²; u += ρ (next − q).
      const z1 = mat(out.z);
      mat(out.q).forEach((row, i) => row.forEach((qij, j) => expect(qij).toBeCloseTo(argmin1d((v) => (nu / 2) * (v - relu(z1[i][j])) ** 2 - u[i][j] * v + (rho / 2) * (next[i][j] - v) ** 2), 4)));
      mat(out.u).forEach((row, i) => row.forEach((uij, j) => expect(uij).toBeCloseTo(u[i][j] + rho * (next[i][j] - mat(out.q)[i][j]), 5)));
    }
  });

  it("p by a backtracking step on its subproblem; with no try accepted, p stays", () => {
    const [rho, nu] = [0.7, 1.3];
    for (const seed of [4, 5]) {
      const s = state(seed);
      const [p, W, z, qprev, uprev] = ["p", "W", "z", "qprev", "uprev"].map((n) => mat(s[n]));
      const b = vec(s.b);
      const f = (x: M) => (nu / 2) * sq(sub(z, affine(x, W, b))) + dot(uprev, sub(x, qprev)) + (rho / 2) * sq(sub(x, qprev));
      const r = sub(affine(p, W, b), z);
      const g = p.map((row, i) => row.map((v, k) => nu * r[i].reduce((acc, rij, j) => acc + rij * W[j][k], 0) + uprev[i][k] + rho * (v - qprev[i][k])));
      const want = firstAccepted(f, p, g, 1, 12)!;
      const got = mat(run(pUpdateFunc("p", hidden, settings()), s).p);
      got.flat().forEach((x, k) => expect(x).toBeCloseTo(want.flat()[k], 5));
      // τ₀ far too small and one try: refused, so p is kept as it was.
      const kept = run(pUpdateFunc("p", hidden, settings({ tau: 1e-6, tries: 1 })), s).p;
      expect(vec(kept)).toEqual(vec(s.p));
    }
  });

  it("p under -Q: each candidate projected onto the levels before the test", () => {
    const set = levelSet({ call: "linspace", args: [-2, 2, 9] }) as LevelSet;
    const table: TensorValue = { kind: "tensor", dtype: "f32", shape: [9, 1], data: Float32Array.from(set.values) };
    const s: Record<string, TensorValue> = { ...state(6), levels: table };
    const [rho, nu] = [0.7, 1.3];
    const [p, W, z, qprev, uprev] = ["p", "W", "z", "qprev", "uprev"].map((n) => mat(s[n]));
    const b = vec(s.b);
    const nearest = (c: M) => c.map((r) => r.map((v) => set.values.reduce((best, l) => (Math.abs(v - l) < Math.abs(v - best) ? l : best))));
    const f = (x: M) => (nu / 2) * sq(sub(z, affine(x, W, b))) + dot(uprev, sub(x, qprev)) + (rho / 2) * sq(sub(x, qprev));
    const r = sub(affine(p, W, b), z);
    const g = p.map((row, i) => row.map((v, k) => nu * r[i].reduce((acc, rij, j) => acc + rij * W[j][k], 0) + uprev[i][k] + rho * (v - qprev[i][k])));
    const want = firstAccepted(f, p, g, 1, 12, nearest) ?? nearest(p);
    const got = run(pUpdateFunc("p", hidden, settings({ quantize: { target: "p", set, table: "levels" } })), s).p;
    expect(mat(got)).toEqual(want.map((r) => r.map(Math.fround)));
  });

  it("the output layer's z by FISTA: the minimiser of the summed cross-entropy plus ν/2 ‖z − a‖²", () => {
    const r = random(7);
    const labels = Array.from({ length: T }, (_, i) => i % CLASSES);
    const y: TensorValue = { kind: "tensor", dtype: "f32", shape: [T, CLASSES], data: Float32Array.from(labels.flatMap((c) => Array.from({ length: CLASSES }, (_, k) => (k === c ? 1 : 0)))) };
    const s: Record<string, TensorValue> = { ...state(7, CLASSES), y, z: randomTensor([T, CLASSES], r, { zeros: 0 }) };
    const out = run(updateFunc("o", output, settings({ fista: { iterations: 5000, tol: 1e-10, step: 1 } })), s);
    const a = affine(mat(s.p), mat(out.W), vec(out.b));
    const nu = 1.3;
    const objective = (zi: number[], i: number) => {
      const m = Math.max(...zi);
      const lse = m + Math.log(zi.reduce((x, v) => x + Math.exp(v - m), 0));
      return lse - zi[labels[i]] + (nu / 2) * zi.reduce((x, v, k) => x + (v - a[i][k]) ** 2, 0);
    };
    // Gradient descent in f64 on the strongly convex problem, row by row. FISTA stops when the
    // f32 objective stops changing, where it is flat: z agrees to ~1e-3, the objective to ~1e-6.
    a.forEach((ai, i) => {
      const zi = [...ai];
      for (let it = 0; it < 20_000; it++) {
        const m = Math.max(...zi);
        const e = zi.map((v) => Math.exp(v - m));
        const sum = e.reduce((x, v) => x + v, 0);
        zi.forEach((v, k) => (zi[k] = v - 0.3 * (e[k] / sum - (k === labels[i] ? 1 : 0) + nu * (v - ai[k]))));
      }
      const got = mat(out.z)[i];
      got.forEach((v, k) => expect(v).toBeCloseTo(zi[k], 2));
      expect(objective(got, i) - objective(zi, i)).toBeLessThan(1e-5);
    });
  });

  it("projects onto the nearest level: integers, a linspace, a list", () => {
    const r = random(8);
    const x = randomTensor([6, 7], r, { lo: -4, hi: 24, zeros: 0.1 });
    for (const written of [{ call: "levels", args: [-1, 20] }, { call: "linspace", args: [-1, 20, 43] }, [-1, 0, 0.5, 3, 10]] as const) {
      const set = levelSet(written) as LevelSet;
      const m = new IrMath(new FuncBuilder("proj"));
      const table = m.param("levels", m.f32(set.values.length, 1));
      const func = m.b.finish([project(m, m.param("x", m.f32(6, 7)), set, table)], ["out"]);
      const out = runFunc(func, { inputs: {}, params: { x, levels: { kind: "tensor", dtype: "f32", shape: [set.values.length, 1], data: Float32Array.from(set.values) } } })[0] as TensorValue;
      vec(out).forEach((v, k) => {
        const dist = Math.min(...set.values.map((l) => Math.abs(x.data[k] - l)));
        expect(Math.abs(x.data[k] - v)).toBeCloseTo(dist, 5);
        expect(set.values).toContain(v);
      });
    }
  });

  it("grows ρ and ν by the factor, capped, once the objective stalled twice in a row", () => {
    const layers = [hidden, output].map((l, k) => ({ ...l, terms: `t${k}` }));
    const func = reportFunc("report", layers, { rows: "r", rowIdentity: "", classIdentity: "", features: "", labels: "", rho: "rho", nu: "nu", history: "h" }, { factor: 10, max: 1, stall: 1e-3 }, SPAN);
    const go = (objective: number, history: [number, number], rho = 0.01) => {
      const out = run(func, { t0: { kind: "tensor", dtype: "f32", shape: [2], data: Float32Array.of(objective - 1, 0.25) }, t1: { kind: "tensor", dtype: "f32", shape: [2], data: Float32Array.of(1, 0) }, rho: scalar(rho), nu: scalar(rho / 2), h: { kind: "tensor", dtype: "f32", shape: [2], data: Float32Array.from(history) } });
      return { report: vec(out.report), rho: out.rho.data[0], nu: out.nu.data[0], history: vec(out.h) };
    };
    const f32 = Math.fround;
    expect(go(100, [100.05, 100.08])).toEqual({ report: [100, 0.25], rho: f32(f32(0.01) * 10), nu: f32(f32(0.005) * 10), history: [100, f32(100.05)] });
    expect(go(100, [100.5, 100.08]).rho).toBe(Math.fround(0.01)); // fell by more than 0.1%: no growth
    expect(go(100, [100.05, 101]).rho).toBe(Math.fround(0.01)); // the iteration before did fall
    expect(go(100, [100.05, 100.08], 0.5).rho).toBe(1); // capped
    expect(go(100, [1e30, 1e30]).rho).toBe(Math.fround(0.01)); // no history yet
  });
});
