import { describe, expect, it } from "vitest";
import { runFunc, initParams } from "../../runtime/reference/index.js";
import { lowerTraining } from "../../compiler/train/index.js";
import type { Module } from "../../compiler/ir/types.js";
import type { TensorValue } from "../../compiler/ir/values.js";
import { loadDatasetSource } from "../../runtime/data/index.js";
import { bindDataset } from "../../runtime/train/bind.js";
import { runTraining } from "../../runtime/train/run.js";
import { compileTrain, gcnSource } from "./helpers.js";

async function trainOf(source: string, options: Parameters<typeof runTraining>[2] = {}) {
  const { spec, module } = compileTrain(source);
  const out = await runTraining(spec, module, options);
  if (!out.result) throw new Error(out.diagnostics.map((d) => `${d.code} ${d.message}`).join("\n"));
  return out.result;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe("training a GCN end to end on the reference device", () => {
  it("lowers the loss and beats chance (1/3) on the test split by a wide margin", async () => {
    const r = await trainOf(gcnSource({ epochs: 40 }));
    const losses = r.history.map((h) => h.loss);
    expect(mean(losses.slice(-5))).toBeLessThan(0.75 * mean(losses.slice(0, 5)));
    expect(r.metrics.test_accuracy).toBeGreaterThan(0.6);
    expect(r.history[r.selected_epoch - 1].val_accuracy).toBe(r.metrics.val_accuracy);
    expect(Math.max(...r.history.map((h) => h.val_accuracy))).toBe(r.metrics.val_accuracy);
  });

  it("gives identical numbers for the same seed, different ones for another", async () => {
    const source = gcnSource({ epochs: 8 });
    const a = await trainOf(source, { seed: 3 });
    const b = await trainOf(source, { seed: 3 });
    const c = await trainOf(source, { seed: 4 });
    expect(b.history).toEqual(a.history);
    expect(b.metrics).toEqual(a.metrics);
    expect(c.history.map((h) => h.loss)).not.toEqual(a.history.map((h) => h.loss));
  });
});

describe("the trainer", () => {
  const linear = (opts: Parameters<typeof gcnSource>[0] = {}) => gcnSource({ layer: "Linear", ...opts });

  it("reports the result schema with timings and peak bytes", async () => {
    const r = await trainOf(linear({ epochs: 5 }), { compileMs: 12 });
    expect(r).toMatchObject({ run: "small", dataset: "syn", device: "reference", seed: 0, epochs: 5 });
    expect(Object.keys(r.metrics).sort()).toEqual(["test_accuracy", "train_loss", "val_accuracy"]);
    expect(r.compile_ms).toBeGreaterThanOrEqual(12);
    expect(r.epoch_ms_median).toBeGreaterThan(0);
    // At least the data itself: x is 300 × 24 f32.
    expect(r.peak_bytes).toBeGreaterThan(300 * 24 * 4);
    expect(r.history.map((h) => h.epoch)).toEqual([1, 2, 3, 4, 5]);
  });

  it("evaluates every evalEvery epochs and after the last", async () => {
    const r = await trainOf(linear({ epochs: 7 }), { evalEvery: 3 });
    expect(r.history.filter((h) => "val_accuracy" in h).map((h) => h.epoch)).toEqual([3, 6, 7]);
  });

  it("stops early after `patience` evaluations without a better selection metric", async () => {
    const r = await trainOf(linear({ epochs: 200, optimizer: "sgd(lr = 0)" }), { patience: 3 });
    // lr 0 never improves on the first evaluation: it stops 3 evaluations later.
    expect(r.epochs).toBe(4);
    expect(r.selected_epoch).toBe(1);
  });

  it("follows the learning-rate schedule: a rate of 0 from epoch 2 on freezes the predictions", async () => {
    const r = await trainOf(linear({ epochs: 5, extra: "lr_schedule = step(step_size = 1, gamma = 0)" }));
    const val = r.history.map((h) => h.val_accuracy);
    expect(new Set(val.slice(1)).size).toBe(1);
  });

  it("applies per-group weight decay to the chosen layer only", async () => {
    // One step from the same initial values, with and without decay on conv1: only conv1 moves.
    const stepWith = (optimizer: string) => {
      const { spec, module } = compileTrain(linear({ optimizer }));
      const lowered = lowerTraining(module, spec) as Module;
      const { dataset } = loadDatasetSource(spec.data.source, spec.data.transforms);
      const data = bindDataset(dataset, spec.data.name, lowered);
      const params = initParams(lowered, 0, data.symbols);
      const step = lowered.funcs.find((f) => f.name === "train_step")!;
      const scalar = (v: number): TensorValue => ({ kind: "tensor", dtype: "f32", shape: [], data: Float32Array.of(v) });
      const outs = runFunc(step, {
        inputs: { ...data.inputs, rng: { kind: "rng", key: [1, 2] }, labels: data.labels, mask: data.splits.train.mask, lr: scalar(0.01), t: scalar(1) },
        params,
        symbols: data.symbols,
      });
      return Object.fromEntries(step.resultNames.map((n, k) => [n, Array.from((outs[k] as TensorValue).data)]));
    };
    const plain = stepWith("sgd(lr = 0.5)");
    const decayed = stepWith("sgd(lr = 0.5, groups = [group(conv1, weight_decay = 0.1)])");
    expect(decayed["conv1.weight"]).not.toEqual(plain["conv1.weight"]);
    expect(decayed["conv1.bias"]).not.toEqual(plain["conv1.bias"]);
    expect(decayed["conv2.weight"]).toEqual(plain["conv2.weight"]);
    expect(decayed["conv2.bias"]).toEqual(plain["conv2.bias"]);
  });
});
