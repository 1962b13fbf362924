import { describe, expect, it } from "vitest";
import { FuncBuilder } from "../../compiler/ir/builder.js";
import type { Func } from "../../compiler/ir/types.js";
import type { TensorValue } from "../../compiler/ir/values.js";
import { DEFAULT_BINDING_LIMITS } from "../../compiler/plan/binding-split.js";
import { planLaunches } from "../../compiler/plan/plan-launches.js";
import type { RunnerProgram } from "../../runtime/runner/index.js";
import { expectAllClose } from "../support/allclose.js";
import { typeOf } from "../support/one-op.js";
import { random, randomTensor } from "../support/tensors.js";
import { runOnBoth, tensor, useGpu } from "./helpers.js";

/**
 * A parameter's optimizer updates — weight decay, Adam's moments, its step — run as one launch,
 * and consecutive parameters' share it while the bindings last, each bounded by its own element
 * count (compiler/plan/merge-updates.ts); they leave every buffer as the launches one after another: the
 * same values as the interpreter's, for element counts that are not whole vec4s and for many
 * workgroups. Where the device has too few storage bindings, or an update would write a buffer
 * another reads as a scalar, they stay apart.
 */
const gpu = useGpu();

/** grad, param, m, v → (param', m', v'): what lowering makes of `adam(weight_decay)` for one parameter. */
function adamChain(shape: number[]): Func {
  const b = new FuncBuilder("step");
  const t = (name: string) => b.leaf("s.input", { kind: "tensor", dtype: "f32", shape }, { name });
  const s = (name: string) => b.leaf("s.input", { kind: "tensor", dtype: "f32", shape: [] }, { name });
  const [grad, param, m, v, lr, step] = [t("grad"), t("param"), t("m"), t("v"), s("lr"), s("t")];
  const g = b.emit("opt.l2", [grad, param], { weight_decay: 5e-4 });
  const m2 = b.emit("opt.adam_m", [m, g], { beta1: 0.9 });
  const v2 = b.emit("opt.adam_v", [v, g], { beta2: 0.999 });
  const p2 = b.emit("opt.adam_step", [param, m2, v2, lr, step], { beta1: 0.9, beta2: 0.999, eps: 1e-8 });
  return b.finish([p2, m2, v2], ["param", "m", "v"]);
}

/** Two parameters' adam(weight_decay) chains in one step, sharing lr and t: a weight and its bias. */
function twoChains(weight: number[], bias: number[]): Func {
  const b = new FuncBuilder("step");
  const s = (name: string) => b.leaf("s.input", { kind: "tensor", dtype: "f32", shape: [] }, { name });
  const [lr, step] = [s("lr"), s("t")];
  const results: number[] = [];
  const names: string[] = [];
  for (const [tag, shape] of [["w", weight], ["b", bias]] as const) {
    const t = (name: string) => b.leaf("s.input", { kind: "tensor", dtype: "f32", shape }, { name: `${name}_${tag}` });
    const [grad, param, m, v] = [t("grad"), t("param"), t("m"), t("v")];
    const g = b.emit("opt.l2", [grad, param], { weight_decay: 5e-4 });
    const m2 = b.emit("opt.adam_m", [m, g], { beta1: 0.9 });
    const v2 = b.emit("opt.adam_v", [v, g], { beta2: 0.999 });
    results.push(b.emit("opt.adam_step", [param, m2, v2, lr, step], { beta1: 0.9, beta2: 0.999, eps: 1e-8 }), m2, v2);
    names.push(`param_${tag}`, `m_${tag}`, `v_${tag}`);
  }
  return b.finish(results, names);
}

const dispatches = (func: Func, maxStorageBindings = DEFAULT_BINDING_LIMITS.maxStorageBindings) =>
  planLaunches(func, { symbols: {}, limits: { ...DEFAULT_BINDING_LIMITS, maxStorageBindings } }).steps.filter((s) => s.kind === "dispatch").length;

describe("merged optimizer updates", () => {
  it("a parameter's four updates are one launch, unless the device has too few storage bindings", () => {
    // Nine distinct buffers: the inputs grad, param, m, v, lr, t, and g' (then param'), m', v'.
    expect(dispatches(adamChain([37, 11]), 9)).toBe(1);
    expect(dispatches(adamChain([37, 11]), 8)).toBeGreaterThan(1);
  });

  it("an update writing a buffer another reads as a scalar stays apart", () => {
    // Over one element each: l2's result is decay's learning rate (a scalar, read once per invocation).
    const b = new FuncBuilder("step");
    const scalar = (name: string) => b.leaf("s.input", { kind: "tensor", dtype: "f32", shape: [] }, { name });
    const [x, p] = [scalar("x"), scalar("p")];
    const g = b.emit("opt.l2", [x, p], { weight_decay: 0.5 });
    const asScalar = b.finish([b.emit("opt.decay", [p, g], { weight_decay: 0.1 })], ["out"]);
    expect(dispatches(asScalar, 16)).toBe(2);
    // The same two read as tensors merge.
    const c = new FuncBuilder("step");
    const [y, q] = [c.leaf("s.input", { kind: "tensor", dtype: "f32", shape: [] }, { name: "y" }), c.leaf("s.input", { kind: "tensor", dtype: "f32", shape: [] }, { name: "q" })];
    const asTensor = c.finish([c.emit("opt.adam_m", [q, c.emit("opt.l2", [y, q], { weight_decay: 0.5 })], { beta1: 0.9 })], ["out"]);
    expect(dispatches(asTensor, 16)).toBe(1);
  });

  for (const [first, second] of [[[300, 70], [70]], [[70], [300, 70]]]) {
    it(`updates of [${first}] and [${second}] share a launch, each bounded by its own element count, as the interpreter computes them`, async (ctx) => {
      // 9 buffers a chain, lr and t shared: 16.
      const func = twoChains(first, second);
      expect(dispatches(func, 16)).toBe(1);
      expect(dispatches(func, 15)).toBe(2);
      const rand = random(7);
      const values: Record<string, TensorValue> = { lr: tensor("f32", [], [0.01]), t: tensor("f32", [], [3]) };
      for (const [tag, shape] of [["w", first], ["b", second]] as const) {
        for (const name of ["grad", "param", "m"]) values[`${name}_${tag}`] = randomTensor([...shape], rand);
        values[`v_${tag}`] = randomTensor([...shape], rand, { lo: 0, hi: 0.5 });
      }
      const program: RunnerProgram = { funcs: [func], data: {}, state: {}, symbols: {} };
      const [want, got] = await runOnBoth(gpu(ctx), program, "step", values, func.resultNames);
      want.forEach((w, k) => expectAllClose(got[k] as TensorValue, w as TensorValue));
    });
  }

  for (const shape of [[5], [37, 11], [300, 70]]) {
    it(`[${shape}]: the merged launch computes what the interpreter does`, async (ctx) => {
      const rand = random(shape.reduce((a, x) => a * x, 1));
      const values: Record<string, TensorValue> = {
        grad: randomTensor(shape, rand),
        param: randomTensor(shape, rand),
        m: randomTensor(shape, rand),
        v: randomTensor(shape, rand, { lo: 0, hi: 0.5 }),
        lr: tensor("f32", [], [0.01]),
        t: tensor("f32", [], [3]),
      };
      const func = adamChain(shape);
      for (const [name, v] of Object.entries(values)) expect(typeOf(v)).toEqual(func.body.find((n) => n.attrs.name === name)!.type);
      const program: RunnerProgram = { funcs: [func], data: {}, state: {}, symbols: {} };
      const [want, got] = await runOnBoth(gpu(ctx), program, "step", values, ["param", "m", "v"]);
      want.forEach((w, k) => expectAllClose(got[k] as TensorValue, w as TensorValue));
    });
  }
});
