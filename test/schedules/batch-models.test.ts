import { describe, expect, it } from "vitest";
import { compileTraining } from "../../compiler/pipeline.js";
import { batchModels, isUnbatchable } from "../../compiler/schedules/batch-models.js";
import { verifyFunc } from "../../compiler/ir/verify.js";
import type { Func, Module } from "../../compiler/ir/types.js";
import type { TensorValue } from "../../compiler/ir/values.js";
import { loadDatasetSource } from "../../runtime/data/index.js";
import { initParams, runFunc } from "../../runtime/reference/index.js";
import { bindDataset } from "../../runtime/train/bind.js";
import { compileTrain } from "../train/helpers.js";
import { expectAllClose } from "../support/allclose.js";
import { modelSource } from "./soup-sources.js";

/**
 * Models side by side: G models batched into one function compute, model by model, what each
 * computes alone (predict, eval mode), for the layers the examples use; a model with an op that
 * has no rule is refused with the op named.
 */

const G = 3;

function columns(out: TensorValue, g: number, groups: number): number[] {
  const [rows, wide] = out.shape;
  const d = wide / groups;
  const xs: number[] = [];
  for (let r = 0; r < rows; r++) for (let c = 0; c < d; c++) xs.push(out.data[r * wide + g * d + c]);
  return xs;
}

function stacked(states: Record<string, TensorValue>[], name: string): TensorValue {
  const first = states[0][name];
  const data = new Float32Array(first.data.length * states.length);
  states.forEach((s, g) => data.set(s[name].data as Float32Array, g * first.data.length));
  return { kind: "tensor", dtype: "f32", shape: [states.length, ...first.shape], data };
}

function check(model: "gcn" | "sage" | "gin" | "mlp") {
  const { spec, module: raw } = compileTrain(modelSource(model), "m.gnn");
  const module: Module = compileTraining(raw, spec, { target: "reference" }).training!.module;
  const predict = module.funcs.find((f) => f.name === "predict")!;
  const batched = batchModels(predict, "predict.batched", G, (p) => `models.${p}`);
  if (isUnbatchable(batched)) throw new Error(`${batched.op}: ${batched.why}`);
  const renamed = module.params.map((p) => ({ ...p, name: `models.${p.name}`, type: { ...p.type, shape: [G, ...p.type.shape] } }));
  expect(verifyFunc(batched as Func, renamed)).toEqual([]);
  const { dataset } = loadDatasetSource(spec.data.source, spec.data.transforms);
  const data = bindDataset(dataset, spec.data.name, module);
  const symbols = { ...module.symbols, ...data.symbols };
  const states = Array.from({ length: G }, (_, g) => initParams(module, 10 + g, symbols));
  const rng = { kind: "rng", key: [1, 2] } as const;
  const alone = states.map((params) => runFunc(predict, { inputs: { ...data.inputs, rng }, params, symbols })[0] as TensorValue);
  const params = Object.fromEntries(module.params.map((p) => [`models.${p.name}`, stacked(states, p.name)]));
  const [together] = runFunc(batched, { inputs: { ...data.inputs, rng }, params, symbols }) as TensorValue[];
  expect(together.shape).toEqual([alone[0].shape[0], G * alone[0].shape[1]]);
  alone.forEach((out, g) => expectAllClose(columns(together, g, G), Array.from(out.data), { rtol: 1e-5, atol: 1e-5 }));
}

describe("models side by side", () => {
  it("GCN: the features times every model's weights in one matmul, one SpMM of the wide rows", () => check("gcn"));
  it("GraphSAGE (mean aggregation, two weights per layer)", () => check("sage"));
  it("GIN (a per-model ε times the rows)", () => check("gin"));
  it("an MLP on the features (no graph)", () => check("mlp"));

  it("refuses a model with an op that has no rule (GAT's heads reshape the rows), naming the op and its line", () => {
    const { spec, module: raw } = compileTrain(modelSource("gat"), "m.gnn");
    const predict = compileTraining(raw, spec, { target: "reference" }).training!.module.funcs.find((f) => f.name === "predict")!;
    const r = batchModels(predict, "p", G, (p) => p);
    expect(isUnbatchable(r) && r.op).toBe("t.reshape");
    expect(isUnbatchable(r) && r.span?.start.line).toBeGreaterThan(0);
  });
});
