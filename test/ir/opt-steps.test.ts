import { describe, it, expect } from "vitest";
import { FuncBuilder } from "../../compiler/ir/builder.js";
import { parseFunc } from "../../compiler/ir/parse.js";
import { printFunc } from "../../compiler/ir/print.js";
import { verifyFunc } from "../../compiler/ir/verify.js";
import type { Attrs, TensorType } from "../../compiler/ir/types.js";
import type { TensorValue } from "../../compiler/ir/values.js";
import { runFunc } from "../../runtime/reference/index.js";

/**
 * Five optimizer steps on L(p) = ½·Σ a·(p − c)², built from opt.* ops and run by the interpreter,
 * against a direct transcription of torch.optim's documented algorithms (in f64).
 */

const SIZE = 6;
const A = [0.5, 1, 2, 3, 0.25, 1.5];
const C = [1, -2, 0.5, 0, 3, -1];
const P0 = [0, 0.5, -1, 2, 1, 1];
const LRS = [0.1, 0.09, 0.08, 0.07, 0.06]; // a different lr each step: lr is an input, not an attr
const vec: TensorType = { kind: "tensor", dtype: "f32", shape: [SIZE] };
const scalarType: TensorType = { kind: "tensor", dtype: "f32", shape: [] };

const t32 = (data: number[]): TensorValue => ({ kind: "tensor", dtype: "f32", shape: [data.length], data: Float32Array.from(data) });
const s32 = (v: number): TensorValue => ({ kind: "tensor", dtype: "f32", shape: [], data: Float32Array.of(v) });

interface StepIds {
  b: FuncBuilder;
  p: number;
  grad: number;
  lr: number;
  t: number;
  state: Record<string, number>;
}

/** A step function: inputs p, a, c, lr, t and the named state; results p and the new state. */
function stepFunc(stateNames: string[], update: (ids: StepIds) => { p: number; state: Record<string, number | undefined> }) {
  const b = new FuncBuilder("step");
  const p = b.leaf("s.input", vec, { name: "p" });
  const a = b.leaf("s.input", vec, { name: "a" });
  const c = b.leaf("s.input", vec, { name: "c" });
  const lr = b.leaf("s.input", scalarType, { name: "lr" });
  const t = b.leaf("s.input", scalarType, { name: "t" });
  const state = Object.fromEntries(stateNames.map((n) => [n, b.leaf("s.input", vec, { name: n })]));
  const grad = b.emit("t.mul", [a, b.emit("t.sub", [p, c])]);
  const out = update({ b, p, grad, lr, t, state });
  return b.finish([out.p, ...stateNames.map((n) => out.state[n]!)], ["p", ...stateNames]);
}

/** Run `steps` steps; returns p after each. */
function runSteps(func: ReturnType<typeof stepFunc>, stateNames: string[]): number[][] {
  let p = t32(P0);
  let state = Object.fromEntries(stateNames.map((n) => [n, t32(new Array(SIZE).fill(0))]));
  const trace: number[][] = [];
  LRS.forEach((lr, i) => {
    const inputs = { p, a: t32(A), c: t32(C), lr: s32(lr), t: s32(i + 1), ...state };
    const [np, ...rest] = runFunc(func, { inputs, params: {} }) as TensorValue[];
    p = np;
    state = Object.fromEntries(stateNames.map((n, k) => [n, rest[k]]));
    trace.push(Array.from(p.data));
  });
  return trace;
}

const gradOf = (p: number[]) => p.map((v, k) => A[k] * (v - C[k]));

function expectTraces(actual: number[][], expected: number[][]): void {
  expected.forEach((row, step) =>
    row.forEach((e, k) => {
      if (Math.abs(actual[step][k] - e) > 1e-5 * Math.max(1, Math.abs(e))) expect.fail(`step ${step + 1}, p[${k}]: got ${actual[step][k]}, expected ${e}`);
    }),
  );
  // And the optimizer really moved the parameters.
  expect(actual[4].some((v, k) => Math.abs(v - P0[k]) > 1e-3)).toBe(true);
}

// ---------------------------------------------------------------- torch.optim, transcribed

interface SgdOptions { momentum: number; dampening: number; nesterov: boolean; weightDecay: number; maxNorm?: number }

function torchSgd(o: SgdOptions): number[][] {
  let p = [...P0];
  let buf: number[] | undefined;
  const trace: number[][] = [];
  for (const lr of LRS) {
    let g = gradOf(p);
    if (o.maxNorm !== undefined) {
      const norm = Math.sqrt(g.reduce((s, v) => s + v * v, 0));
      const coef = Math.min(1, o.maxNorm / (norm + 1e-6));
      g = g.map((v) => v * coef);
    }
    if (o.weightDecay !== 0) g = g.map((v, k) => v + o.weightDecay * p[k]);
    if (o.momentum !== 0) {
      buf = buf === undefined ? [...g] : buf.map((b, k) => o.momentum * b + (1 - o.dampening) * g[k]);
      g = o.nesterov ? g.map((v, k) => v + o.momentum * buf![k]) : buf;
    }
    p = p.map((v, k) => v - lr * g[k]);
    trace.push(p);
  }
  return trace;
}

interface AdamOptions { beta1: number; beta2: number; eps: number; weightDecay: number; decoupled: boolean }

function torchAdam(o: AdamOptions): number[][] {
  let p = [...P0];
  let m = new Array(SIZE).fill(0);
  let v = new Array(SIZE).fill(0);
  const trace: number[][] = [];
  LRS.forEach((lr, i) => {
    const t = i + 1;
    let g = gradOf(p);
    if (o.decoupled) p = p.map((x) => x * (1 - lr * o.weightDecay));
    else if (o.weightDecay !== 0) g = g.map((x, k) => x + o.weightDecay * p[k]);
    m = m.map((x, k) => o.beta1 * x + (1 - o.beta1) * g[k]);
    v = v.map((x, k) => o.beta2 * x + (1 - o.beta2) * g[k] * g[k]);
    const stepSize = lr / (1 - o.beta1 ** t);
    const bc2Sqrt = Math.sqrt(1 - o.beta2 ** t);
    p = p.map((x, k) => x - (stepSize * m[k]) / (Math.sqrt(v[k]) / bc2Sqrt + o.eps));
    trace.push(p);
  });
  return trace;
}

// ---------------------------------------------------------------- the same, as IR

function sgdFunc(o: SgdOptions) {
  const names = o.momentum !== 0 ? ["buf"] : [];
  return stepFunc(names, ({ b, p, grad, lr, t, state }) => {
    let g = grad;
    if (o.maxNorm !== undefined) {
      const factor = b.emit("opt.clip_factor", [b.emit("opt.global_norm", [g])], { max_norm: o.maxNorm });
      g = b.emit("t.mul", [g, factor]);
    }
    if (o.weightDecay !== 0) g = b.emit("opt.l2", [g, p], { weight_decay: o.weightDecay });
    if (o.momentum === 0) return { p: b.emit("opt.sgd_step", [p, g, lr]), state: {} };
    const buf = b.emit("opt.sgd_buf", [state.buf, g, t], { momentum: o.momentum, dampening: o.dampening });
    const attrs: Attrs = { momentum: o.momentum, nesterov: o.nesterov };
    return { p: b.emit("opt.sgd_step", [p, g, buf, lr], attrs), state: { buf } };
  });
}

function adamFunc(o: AdamOptions) {
  return stepFunc(["m", "v"], ({ b, p, grad, lr, t, state }) => {
    let g = grad;
    let param = p;
    if (o.decoupled) param = b.emit("opt.decay", [p, lr], { weight_decay: o.weightDecay });
    else if (o.weightDecay !== 0) g = b.emit("opt.l2", [g, p], { weight_decay: o.weightDecay });
    const m = b.emit("opt.adam_m", [state.m, g], { beta1: o.beta1 });
    const v = b.emit("opt.adam_v", [state.v, g], { beta2: o.beta2 });
    const next = b.emit("opt.adam_step", [param, m, v, lr, t], { beta1: o.beta1, beta2: o.beta2, eps: o.eps });
    return { p: next, state: { m, v } };
  });
}

describe("SGD through opt.* ops follows torch.optim.SGD", () => {
  const cases: [string, SgdOptions][] = [
    ["plain", { momentum: 0, dampening: 0, nesterov: false, weightDecay: 0 }],
    ["momentum + dampening", { momentum: 0.9, dampening: 0.3, nesterov: false, weightDecay: 0 }],
    ["nesterov + weight decay", { momentum: 0.8, dampening: 0, nesterov: true, weightDecay: 0.05 }],
    ["momentum + clipping to a global norm", { momentum: 0.5, dampening: 0, nesterov: false, weightDecay: 0.01, maxNorm: 1 }],
  ];
  for (const [name, o] of cases) {
    it(name, () => expectTraces(runSteps(sgdFunc(o), o.momentum !== 0 ? ["buf"] : []), torchSgd(o)));
  }
});

describe("Adam and AdamW through opt.* ops follow torch.optim", () => {
  it("Adam", () => {
    const o = { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false };
    expectTraces(runSteps(adamFunc(o), ["m", "v"]), torchAdam(o));
  });
  it("Adam with L2 weight decay and other betas", () => {
    const o = { beta1: 0.8, beta2: 0.95, eps: 1e-6, weightDecay: 0.1, decoupled: false };
    expectTraces(runSteps(adamFunc(o), ["m", "v"]), torchAdam(o));
  });
  it("AdamW (decoupled weight decay)", () => {
    const o = { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.5, decoupled: true };
    const ir = runSteps(adamFunc(o), ["m", "v"]);
    expectTraces(ir, torchAdam(o));
    // Decoupled decay differs from L2 in Adam: the two traces must not coincide.
    const l2 = torchAdam({ ...o, decoupled: false });
    expect(Math.abs(ir[4][0] - l2[4][0])).toBeGreaterThan(1e-4);
  });
});

describe("optimizer step functions as IR", () => {
  it("verify cleanly and survive a print/parse round trip", () => {
    const funcs = [
      sgdFunc({ momentum: 0.5, dampening: 0.1, nesterov: false, weightDecay: 0.01, maxNorm: 2 }),
      adamFunc({ beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0.1, decoupled: true }),
    ];
    for (const f of funcs) {
      expect(verifyFunc(f)).toEqual([]);
      const text = printFunc(f);
      expect(text).toMatch(/opt\./);
      expect(printFunc(parseFunc(text))).toBe(text);
    }
  });
});
