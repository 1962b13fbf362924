import { describe, expect, it } from "vitest";
import { differentiate } from "../../compiler/autodiff/index.js";
import { FuncBuilder } from "../../compiler/ir/builder.js";
import { formatLocation } from "../../grammar/span.js";
import type { Func } from "../../compiler/ir/types.js";
import type { TensorValue } from "../../compiler/ir/values.js";
import { runFunc } from "../../runtime/reference/index.js";
import { compileModule, expectGradientsMatchFD, funcOf, gradients, gradOk, makeEnv, resultId, weightedSumLoss, type Env } from "./helpers.js";
import { f32, random, randomTensor, UNIFORM } from "../support/tensors.js";
const tensor = (shape: number[], values: number[]): TensorValue => ({ kind: "tensor", dtype: "f32", shape, data: Float32Array.from(values) });

/** Two linear layers and a head, so subsets and losses can pick parts. `conv10` guards prefix matching. */
const TWO_LAYER = `model Net(in_channels: int = 4) {
  conv1 = GCNConv(in_channels, 3)
  conv10 = Linear(3, 3)
  head = Linear(3, 2)
  forward(x: f32[N, in_channels], g: graph[N]) = head(relu(conv10(relu(conv1(x, g)))))
}`;

function backwardNodes(grad: Func, forward: Func) {
  return grad.body.slice(forward.body.length);
}

describe("the gradient function's layout", () => {
  it("keeps the forward's nodes and results, then appends grad.<param> results in table order", () => {
    const m = compileModule(TWO_LAYER);
    const lossFunc = weightedSumLoss(funcOf(m, "forward"));
    const grad = gradOk(lossFunc, [{ result: "loss", wrt: ["*"] }], m);
    expect(grad.name).toBe("forward_grad");
    expect(grad.body.slice(0, lossFunc.body.length)).toEqual(lossFunc.body);
    grad.body.slice(0, lossFunc.body.length).forEach((n, i) => expect(n).toBe(lossFunc.body[i]));
    expect(grad.results.slice(0, lossFunc.results.length)).toEqual(lossFunc.results);
    expect(grad.resultNames).toEqual([
      "out",
      "loss",
      ...m.params.filter((p) => p.trainable).map((p) => `grad.${p.name}`),
    ]);
    const ids = grad.body.map((n) => n.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("stamps every backward node with the span of a forward node, and emits no dead node", () => {
    const m = compileModule(TWO_LAYER);
    const lossFunc = weightedSumLoss(funcOf(m, "forward"));
    const grad = gradOk(lossFunc, [{ result: "loss", wrt: ["*"] }], m);
    const forwardSpans = new Set(lossFunc.body.filter((n) => n.span).map((n) => formatLocation(n.span!)));
    const backward = backwardNodes(grad, lossFunc);
    expect(backward.length).toBeGreaterThan(0);
    for (const n of backward) {
      if (n.span) expect(forwardSpans).toContain(formatLocation(n.span));
    }
    // Every backward node feeds a result.
    const used = new Set(grad.results);
    for (let i = backward.length - 1; i >= 0; i--) {
      expect(used.has(backward[i].id), `%${backward[i].id} = ${backward[i].op} is dead`).toBe(true);
      for (const input of backward[i].inputs) used.add(input);
    }
  });

  it("names the new function as asked", () => {
    const m = compileModule(TWO_LAYER);
    const g = differentiate(weightedSumLoss(funcOf(m, "forward")), { losses: [{ result: "loss", wrt: ["head"] }], name: "step" });
    expect(Array.isArray(g) ? g : g.name).toBe("step");
  });
});

describe("parameter subsets", () => {
  it("a dotted prefix selects that layer's parameters only (conv1, not conv10)", () => {
    const m = compileModule(TWO_LAYER);
    const lossFunc = weightedSumLoss(funcOf(m, "forward"));
    const sub = gradOk(lossFunc, [{ result: "loss", wrt: ["conv1", "head.bias"] }], m);
    expect(sub.resultNames.filter((n) => n.startsWith("grad."))).toEqual(["grad.conv1.lin.weight", "grad.conv1.bias", "grad.head.bias"]);
    const env = makeEnv(m, lossFunc, 4);
    const full = gradients(gradOk(lossFunc, [{ result: "loss", wrt: ["*"] }], m), env);
    for (const [name, g] of Object.entries(gradients(sub, env))) expect(Array.from(g.data)).toEqual(Array.from(full[name].data));
    expectGradientsMatchFD(lossFunc, sub, env);
  });

  it("prunes: differentiating the head alone emits no backward node for the layers before it", () => {
    const m = compileModule(TWO_LAYER);
    const lossFunc = weightedSumLoss(funcOf(m, "forward"));
    const grad = gradOk(lossFunc, [{ result: "loss", wrt: ["head"] }], m);
    const backward = backwardNodes(grad, lossFunc);
    // Only the head's call (and the test's span-less loss nodes) is differentiated: dW needs no
    // cotangent of the head's input, so nothing flows into relu, conv10 or conv1.
    const headWeight = lossFunc.body.find((n) => n.op === "s.param" && n.attrs.name === "head.weight")!;
    const headCall = lossFunc.body.find((n) => n.op === "t.matmul" && n.inputs.includes(headWeight.id))!;
    const spans = new Set(backward.map((n) => (n.span ? formatLocation(n.span) : "none")));
    expect([...spans].sort()).toEqual([formatLocation(headCall.span!), "none"].sort());
    expect(backward.some((n) => n.op === "g.spmm")).toBe(false);
  });

  it("never selects buffers: a BatchNorm prefix gives weight and bias, not the running statistics", () => {
    const m = compileModule(`model Net(in_channels: int = 4) {
  bn = BatchNorm(in_channels)
  forward(x: f32[N, in_channels], g: graph[N]) = bn(x)
}`);
    const r = gradOk(weightedSumLoss(funcOf(m, "forward")), [{ result: "loss", wrt: ["bn"] }], m);
    expect(r.resultNames.filter((n) => n.startsWith("grad."))).toEqual(["grad.bn.module.weight", "grad.bn.module.bias"]);
  });
});

/** w: f32[3]; out = w·w + w·x + w, used four times; loss = sum(out · r). */
function manyUses(): Func {
  const b = new FuncBuilder("many");
  const w = b.leaf("s.param", f32(3), { name: "w" });
  const x = b.leaf("s.input", f32(3), { name: "x" });
  const r = b.leaf("s.input", f32(3), { name: "r" });
  const ww = b.emit("t.mul", [w, w]);
  const wx = b.emit("t.mul", [w, x]);
  const out = b.emit("t.add", [b.emit("t.add", [ww, wx]), w]);
  const loss = b.emit("t.sum", [b.emit("t.mul", [out, r])], { axes: [0] });
  return b.finish([out, loss], ["out", "loss"]);
}

describe("cotangent accumulation", () => {
  it("sums the contributions of a value used many times (w·w counts twice)", () => {
    const f = manyUses();
    const grad = gradOk(f, [{ result: "loss", wrt: ["w"] }]);
    const env: Env = {
      inputs: { x: tensor([3], [0.5, -1, 2]), r: tensor([3], [1, 2, -3]) },
      params: { w: tensor([3], [0.25, 1.5, -0.75]) },
    };
    const g = gradients(grad, env).w.data;
    const expected = [0.25, 1.5, -0.75].map((w, i) => [1, 2, -3][i] * (2 * w + [0.5, -1, 2][i] + 1));
    expected.forEach((e, i) => expect(g[i]).toBeCloseTo(e, 12));
    // Four uses of w: three t.add nodes accumulate its cotangent, all with w's (absent) span.
    const wId = f.body.find((n) => n.op === "s.param")!.id;
    const gradW = grad.results[grad.resultNames.indexOf("grad.w")];
    const acc = grad.body.filter((n) => n.op === "t.add" && n.id > wId && grad.body.indexOf(n) >= f.body.length);
    expect(acc.length).toBeGreaterThanOrEqual(3);
    expect(acc.at(-1)!.id).toBe(gradW);
  });
});

describe("stop_gradient", () => {
  /** out = stop_gradient(h)·v + h·u with h = w·x: w's gradient flows through the second term only. */
  function build(stop: boolean): Func {
    const b = new FuncBuilder("f");
    const w = b.leaf("s.param", f32(2), { name: "w" });
    const u = b.leaf("s.param", f32(2), { name: "u" });
    const v = b.leaf("s.param", f32(2), { name: "v" });
    const x = b.leaf("s.input", f32(2), { name: "x" });
    const h = b.emit("t.mul", [w, x]);
    const held = stop ? b.emit("t.stop_gradient", [h]) : b.leaf("s.input", f32(2), { name: "h_fixed" });
    const out = b.emit("t.add", [b.emit("t.mul", [held, v]), b.emit("t.mul", [h, u])]);
    const loss = b.emit("t.sum", [out], { axes: [0] });
    return b.finish([loss], ["loss"]);
  }

  it("is the identity forward and blocks the gradient backward", () => {
    const env: Env = {
      inputs: { x: tensor([2], [2, -1]) },
      params: { w: tensor([2], [0.5, 3]), u: tensor([2], [1.5, -2]), v: tensor([2], [4, 0.25]) },
    };
    const withStop = build(true);
    const grad = gradOk(withStop, [{ result: "loss", wrt: ["*"] }]);
    const g = gradients(grad, env);
    // Reference: the stopped value fed in as a constant input, differentiated normally.
    const h = { ...env, inputs: { ...env.inputs, h_fixed: tensor([2], [1, -3]) } };
    const ref = gradients(gradOk(build(false), [{ result: "loss", wrt: ["*"] }]), h);
    for (const name of ["w", "u", "v"]) expect(Array.from(g[name].data)).toEqual(Array.from(ref[name].data));
    expect(Array.from(g.w.data)).toEqual([2 * 1.5, -1 * -2]); // x·u, not x·(u + v)
    const [loss] = runFunc(withStop, env) as TensorValue[];
    const [refLoss] = runFunc(build(false), h) as TensorValue[];
    expect(loss.data[0]).toBe(refLoss.data[0]);
  });

  it("gives zeros (a t.full) to a parameter whose only path is stopped", () => {
    const b = new FuncBuilder("f");
    const w = b.leaf("s.param", f32(2, 3), { name: "w" });
    const x = b.leaf("s.input", f32(2, 3), { name: "x" });
    const loss = b.emit("t.sum", [b.emit("t.mul", [b.emit("t.stop_gradient", [w]), x])], { axes: [0, 1] });
    const f = b.finish([loss], ["loss"]);
    const grad = gradOk(f, [{ result: "loss", wrt: ["w"] }]);
    const zero = grad.body.find((n) => n.id === resultId(grad, "grad.w"))!;
    expect(zero.op).toBe("t.full");
    expect(zero.type).toEqual(f32(2, 3));
    expect(grad.body.length).toBe(f.body.length + 1);
  });
});

describe("several losses", () => {
  /** `loss` = sum(out·r) and `aux` = sum(out·s), both on the same model output. */
  function twoLosses() {
    const m = compileModule(TWO_LAYER);
    const one = weightedSumLoss(funcOf(m, "forward"));
    const both = weightedSumLoss(one, "out", "aux", "s");
    const env = makeEnv(m, both, 4);
    env.inputs.s = randomTensor([5, 2], random(77), UNIFORM);
    return { m, both, env };
  }

  it("with disjoint wrt sets, each parameter gets its own loss's gradient only", () => {
    const { m, both, env } = twoLosses();
    const grad = gradOk(both, [{ result: "loss", wrt: ["conv1"] }, { result: "aux", wrt: ["head"] }], m);
    const g = gradients(grad, env);
    const fromLoss = gradients(gradOk(both, [{ result: "loss", wrt: ["conv1"] }], m), env);
    const fromAux = gradients(gradOk(both, [{ result: "aux", wrt: ["head"] }], m), env);
    expect(Object.keys(g)).toEqual(["conv1.lin.weight", "conv1.bias", "head.weight", "head.bias"]);
    for (const n of ["conv1.lin.weight", "conv1.bias"]) expect(Array.from(g[n].data)).toEqual(Array.from(fromLoss[n].data));
    for (const n of ["head.weight", "head.bias"]) expect(Array.from(g[n].data)).toEqual(Array.from(fromAux[n].data));
    expectGradientsMatchFD(both, gradOk(both, [{ result: "aux", wrt: ["head"] }], m), env, "aux");
  });

  it("with overlapping wrt sets, a shared parameter's gradients add", () => {
    const { m, both, env } = twoLosses();
    const grad = gradOk(both, [{ result: "loss", wrt: ["conv10", "head"] }, { result: "aux", wrt: ["head"] }], m);
    const g = gradients(grad, env);
    const fromLoss = gradients(gradOk(both, [{ result: "loss", wrt: ["conv10", "head"] }], m), env);
    const fromAux = gradients(gradOk(both, [{ result: "aux", wrt: ["head"] }], m), env);
    for (const n of ["conv10.weight", "conv10.bias"]) expect(Array.from(g[n].data)).toEqual(Array.from(fromLoss[n].data));
    for (const n of ["head.weight", "head.bias"]) {
      g[n].data.forEach((v, i) => expect(v).toBeCloseTo(fromLoss[n].data[i] + fromAux[n].data[i], 12));
    }
    // And against finite differences of loss + aux.
    const b = new FuncBuilder(both.name, both);
    const total = b.emit("t.add", [resultId(both, "loss"), resultId(both, "aux")]);
    const summed = b.finish([...both.results, total], [...both.resultNames, "total"]);
    expectGradientsMatchFD(summed, gradOk(summed, [{ result: "total", wrt: ["head"] }], m), env, "total");
  });

  it("gives zeros to a selected parameter its loss does not reach", () => {
    const b = new FuncBuilder("f");
    const w = b.leaf("s.param", f32(3), { name: "w" });
    const u = b.leaf("s.param", f32(3), { name: "u" });
    const lw = b.emit("t.sum", [b.emit("t.mul", [w, w])], { axes: [0] });
    const lu = b.emit("t.sum", [u], { axes: [0] });
    const f = b.finish([lw, lu], ["lw", "lu"]);
    const grad = gradOk(f, [{ result: "lw", wrt: ["w", "u"] }]);
    const g = gradients(grad, { inputs: {}, params: { w: tensor([3], [1, 2, 3]), u: tensor([3], [4, 5, 6]) } });
    expect(Array.from(g.w.data)).toEqual([2, 4, 6]);
    expect(Array.from(g.u.data)).toEqual([0, 0, 0]);
  });
});

describe("dropout", () => {
  it("with a fixed rng, the gradient matches finite differences taken with the same rng", () => {
    const m = compileModule(`model Net(in_channels: int = 4) {
  lin1 = Linear(in_channels, 6)
  lin2 = Linear(6, 2)
  forward(x: f32[N, in_channels], g: graph[N]) = lin2(dropout(relu(lin1(x)), p = 0.5))
}`);
    const lossFunc = weightedSumLoss(funcOf(m, "forward"));
    const grad = gradOk(lossFunc, [{ result: "loss", wrt: ["*"] }], m);
    const env = makeEnv(m, lossFunc, 4);
    expectGradientsMatchFD(lossFunc, grad, env);
    // The mask really drops something: some hidden unit of some row gets no gradient into lin1.
    const other = gradients(grad, { ...env, inputs: { ...env.inputs, rng: { kind: "rng", key: [5, 6] } } });
    expect(Array.from(other["lin1.weight"].data)).not.toEqual(Array.from(gradients(grad, env)["lin1.weight"].data));
  });
});
