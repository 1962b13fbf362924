import { planLaunches, type Step } from "../../compiler/plan/index.js";
import type { TrainSpec } from "../../compiler/train/spec.js";
import type { Func, Module } from "../../compiler/ir/types.js";
import type { Value } from "../../compiler/ir/values.js";
import { unchangingNodes } from "../../compiler/plan/unchanging.js";
import { initParams } from "../../runtime/reference/index.js";
import type { BoundData } from "../../runtime/train/bind.js";
import { prepareTraining } from "../../runtime/train/run.js";
import { unchangingInputs } from "../../runtime/train/step-inputs.js";
import { GAT_SOURCE, revgnnSource } from "../train/sources.js";
import { compileTrain, gcnSource } from "../train/helpers.js";

/**
 * Real training steps for the fusion tests: small GCN, GAT and RevGNN models on synthetic graphs,
 * lowered and cleaned as the GPU trainer prepares them, with their inputs and launch counts.
 */

export const TRAINING_SOURCES: Readonly<Record<string, string>> = {
  GCN: gcnSource({ epochs: 5, nodes: 150 }),
  GAT: GAT_SOURCE,
  RevGNN: revgnnSource(3, 90),
};

export interface PreparedStep {
  spec: TrainSpec;
  /** The lowered module after the GPU trainer's cleanup pipeline. */
  module: Module;
  /** Data that never changes (features, graph, labels, loss mask), by input name. */
  data: Record<string, Value>;
  /** The dataset as the trainer takes it. */
  bound: BoundData;
  symbols: Record<string, number>;
}

export function prepareStep(source: string): PreparedStep {
  const { spec, module } = compileTrain(source);
  const prepared = prepareTraining(spec, module, { target: "gpu", fuse: false }); // the GPU pipeline but for fusion: the tests fuse
  if ("diagnostics" in prepared) throw new Error(prepared.diagnostics.map((d) => `${d.code} ${d.message}`).join("\n"));
  const data = unchangingInputs(spec, prepared.data);
  return { spec, module: prepared.lowered, data, bound: prepared.data, symbols: prepared.symbols };
}

export function funcNamed(module: Module, name: string): Func {
  const f = module.funcs.find((x) => x.name === name);
  if (!f) throw new Error(`no function ${name}`);
  return f;
}

/** Inputs and parameters for one call: the data, a key from `seed`, scalars (step count, learning rates) of 2, parameters from `seed`. */
export function stepEnv(p: PreparedStep, func: Func, seed: number) {
  const inputs: Record<string, Value> = { ...p.data, rng: { kind: "rng", key: [seed, 99] } };
  for (const n of func.body) {
    const name = String(n.attrs.name);
    if (n.op === "s.input" && !(name in inputs)) inputs[name] = { kind: "tensor", dtype: "f32", shape: [], data: Float32Array.of(2) };
  }
  return { inputs, params: initParams(p.module, seed, p.symbols), symbols: p.symbols };
}

/** Kernel launches of one call on the GPU (a loop's body once per iteration), as the trainer plans it. */
export function launchCount(p: PreparedStep, func: Func): number {
  const hostedIds = unchangingNodes(func.body, new Set(Object.keys(p.data)));
  const hosted = new Set(func.body.filter((n) => hostedIds.has(n.id) && n.op !== "s.input").map((n) => n.id));
  const count = (steps: readonly Step[]): number =>
    steps.reduce((k, s) => k + (s.kind === "dispatch" ? 1 : s.kind === "loop" ? s.trip * count(s.body) : 0), 0);
  return count(planLaunches(func, { symbols: p.symbols, hosted }).steps);
}
