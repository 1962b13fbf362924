import { describe, expect, it } from "vitest";
import type { Diagnostic } from "../../grammar/diagnostics.js";
import type { Func, Module } from "../../compiler/ir/types.js";
import { verifyModule } from "../../compiler/ir/verify.js";
import { lowerTraining, lrInputs } from "../../compiler/train/index.js";
import { compileTrain, gcnSource } from "./helpers.js";

function lower(source: string): Module {
  const { spec, module } = compileTrain(source);
  const out = lowerTraining(module, spec);
  if (Array.isArray(out)) throw new Error(out.map((d) => `${d.code} ${d.message}`).join("\n"));
  return out;
}

function lowerErrors(source: string): Diagnostic[] {
  const { spec, module } = compileTrain(source);
  const out = lowerTraining(module, spec);
  if (!Array.isArray(out)) throw new Error("expected diagnostics");
  return out;
}

const step = (m: Module): Func => m.funcs.find((f) => f.name === "train_step")!;
const ops = (f: Func, op: string) => f.body.filter((n) => n.op === op);
/** The name of the parameter an update op's first operand reads (through s.param). */
function paramsUpdatedBy(f: Func, op: string, operand = 1): string[] {
  const byId = new Map(f.body.map((n) => [n.id, n]));
  return ops(f, op).map((n) => String(byId.get(n.inputs[operand])!.attrs.name));
}

describe("lowerTraining", () => {
  const linear = gcnSource({ layer: "Linear" });

  it("adds `loss` and `train_step`, and the module still verifies", () => {
    const m = lower(linear);
    expect(m.funcs.map((f) => f.name)).toEqual(["forward", "predict", "loss", "train_step"]);
    expect(verifyModule(m)).toEqual([]);
    const loss = m.funcs.find((f) => f.name === "loss")!;
    expect(loss.resultNames).toEqual(["loss"]);
    const inputs = loss.body.filter((n) => n.op === "s.input").map((n) => n.attrs.name);
    expect(inputs).toEqual(expect.arrayContaining(["x", "rng", "labels", "mask"]));
    expect(ops(loss, "nn.cross_entropy")).toHaveLength(1);
  });

  it("returns the loss, then every parameter followed by its Adam states, each under its own name", () => {
    const m = lower(linear);
    expect(step(m).resultNames).toEqual([
      "loss",
      ...["conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias"].flatMap((p) => [p, `opt.m.${p}`, `opt.v.${p}`]),
    ]);
    const states = m.params.filter((p) => p.name.startsWith("opt."));
    expect(states).toHaveLength(8);
    for (const s of states) {
      expect(s.trainable).toBe(false);
      expect(s.init.kind).toBe("zeros");
      expect(s.type).toEqual(m.params.find((p) => p.name === s.name.replace(/^opt\.[mv]\./, ""))!.type);
    }
  });

  it("applies a group's weight decay only to that member's parameters", () => {
    const m = lower(gcnSource({ layer: "Linear", optimizer: "adam(lr = 0.01, groups = [group(conv1, weight_decay = 5e-4)])" }));
    const l2 = ops(step(m), "opt.l2");
    expect(l2.map((n) => n.attrs.weight_decay)).toEqual([5e-4, 5e-4]);
    const byId = new Map(step(m).body.map((n) => [n.id, n]));
    expect(l2.map((n) => byId.get(n.inputs[1])!.attrs.name)).toEqual(["conv1.weight", "conv1.bias"]);
  });

  it("lowers SGD with momentum to a buffer per parameter, and without momentum to none", () => {
    const withMomentum = lower(gcnSource({ layer: "Linear", optimizer: "sgd(lr = 0.1, momentum = 0.9, nesterov = true)" }));
    expect(ops(step(withMomentum), "opt.sgd_buf")).toHaveLength(4);
    expect(ops(step(withMomentum), "opt.sgd_step").every((n) => n.attrs.nesterov === true)).toBe(true);
    expect(withMomentum.params.filter((p) => p.name.startsWith("opt.buf."))).toHaveLength(4);
    const plain = lower(gcnSource({ layer: "Linear", optimizer: "sgd(lr = 0.1)" }));
    expect(ops(step(plain), "opt.sgd_buf")).toHaveLength(0);
    expect(step(plain).resultNames).toEqual(["loss", "conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias"]);
  });

  it("lowers AdamW's decay as decoupled decay of the parameter, not L2 on the gradient", () => {
    const m = lower(gcnSource({ layer: "Linear", optimizer: "adamw(lr = 0.01, weight_decay = 0.1)" }));
    expect(ops(step(m), "opt.decay")).toHaveLength(4);
    expect(ops(step(m), "opt.l2")).toHaveLength(0);
    expect(paramsUpdatedBy(step(m), "opt.decay", 0)).toEqual(["conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias"]);
  });

  it("clips gradients by their global norm before the update when clip_norm is given", () => {
    const m = lower(gcnSource({ layer: "Linear", optimizer: "adam(lr = 0.01, clip_norm = 1.0)" }));
    const norm = ops(step(m), "opt.global_norm");
    expect(norm).toHaveLength(1);
    expect(norm[0].inputs).toHaveLength(4);
    expect(ops(step(m), "opt.clip_factor")[0].attrs.max_norm).toBe(1);
    expect(ops(lower(linear).funcs.at(-1)!, "opt.global_norm")).toHaveLength(0);
  });

  it("gives a group with its own lr its own learning-rate input", () => {
    const source = gcnSource({ layer: "Linear", optimizer: "adam(lr = 0.01, groups = [group(conv2, lr = 0.1)])" });
    const m = lower(source);
    const inputs = step(m).body.filter((n) => n.op === "s.input").map((n) => n.attrs.name);
    expect(inputs).toEqual(expect.arrayContaining(["lr", "lr.conv2", "t"]));
    expect(lrInputs(compileTrain(source).spec.optimizer!)).toEqual([
      { name: "lr", baseLr: 0.01 },
      { name: "lr.conv2", baseLr: 0.1 },
    ]);
  });

  it("reports losses that need targets the datasets cannot supply", () => {
    const d = lowerErrors(gcnSource({ layer: "Linear" }).replace("cross_entropy(mask = train)", "mse(mask = train)"));
    expect(d.map((x) => x.code)).toEqual(["E541"]);
    expect(d[0].message).toContain("`mse`");
  });

  it("refuses a block with a schedule: its schedule kind lowers it", () => {
    const { spec, module } = compileTrain(gcnSource({ layer: "Linear" }));
    const out = lowerTraining(module, { ...spec, schedule: { name: "decoupled", args: { modules: 3 }, span: spec.span } });
    expect(Array.isArray(out) && out.map((x) => x.code)).toEqual(["E542"]);
  });
});
