import { describe, expect, it } from "vitest";
import type { Module } from "../../compiler/ir/types.js";
import { runPipeline } from "../../compiler/passes/manager.js";
import { getPass } from "../../compiler/passes/registry.js";
import { compileModule, funcOf, weightedSumLoss } from "./helpers.js";

/** A module whose `forward` also returns `loss` (what the frontend will emit for train blocks). */
function withLoss(): Module {
  const m = compileModule(`model Net(in_channels: int = 4) {
  conv1 = GCNConv(in_channels, 3)
  conv2 = Linear(3, 2)
  forward(x: f32[N, in_channels], g: graph[N]) = conv2(relu(conv1(x, g)))
}`);
  const forward = weightedSumLoss(funcOf(m, "forward"));
  return { ...m, funcs: m.funcs.map((f) => (f.name === "forward" ? forward : f)) };
}

describe("the autodiff pass", () => {
  it("is registered as a built-in that provides has-backward", () => {
    const pass = getPass("autodiff");
    expect(pass?.provides).toEqual(["has-backward"]);
    expect(Object.keys(pass!.options)).toEqual(["func", "losses", "name"]);
  });

  it("adds forward_grad to the module; the manager verifies the result", () => {
    const m = withLoss();
    const r = runPipeline(m, 'autodiff{losses="loss:conv1,conv2"}', { verify: true });
    expect(r.diagnostics).toEqual([]);
    expect(r.properties).toContain("has-backward");
    expect(r.module.funcs.map((f) => f.name)).toEqual(["forward", "predict", "forward_grad"]);
    const grad = funcOf(r.module, "forward_grad");
    expect(grad.resultNames.slice(2)).toEqual(["grad.conv1.lin.weight", "grad.conv1.bias", "grad.conv2.weight", "grad.conv2.bias"]);
  });

  it("takes `loss:*` for every trainable parameter, and a custom name", () => {
    const r = runPipeline(withLoss(), "autodiff{losses=loss:conv2,name=train_step}", { verify: true });
    expect(r.diagnostics).toEqual([]);
    expect(funcOf(r.module, "train_step").resultNames.slice(2)).toEqual(["grad.conv2.weight", "grad.conv2.bias"]);
  });

  it("reports a missing function, a taken name, and a bad losses option as diagnostics", () => {
    const m = withLoss();
    const codes = (pipeline: string) => runPipeline(m, pipeline).diagnostics.map((d) => d.code);
    expect(codes("autodiff{func=train,losses=loss:*}")).toEqual(["E636"]);
    expect(codes("autodiff{losses=loss:*,name=predict}")).toEqual(["E636"]);
    expect(codes("autodiff{losses=loss}")).toEqual(["E635"]);
    expect(codes("autodiff")).toEqual(["E605"]);
    expect(codes("autodiff{losses=out:*}")).toEqual(["E631"]);
  });
});
