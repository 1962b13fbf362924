import { scheduleFunc, type Step } from "../../compiler/codegen/index.js";
import type { TrainSpec } from "../../compiler/frontend/train-spec.js";
import type { Func, Module } from "../../compiler/ir/types.js";
import type { Value } from "../../compiler/ir/values.js";
import { unchangingNodes } from "../../compiler/plan/unchanging.js";
import { LABELS_INPUT, MASK_INPUT } from "../../compiler/train/index.js";
import { initParams } from "../../runtime/reference/index.js";
import type { BoundData } from "../../runtime/train/bind.js";
import { prepareTraining } from "../../runtime/train/run.js";
import { compileTrain, gcnSource } from "../train/helpers.js";

/**
 * Real training steps for the fusion tests: small GCN, GAT and RevGNN models on synthetic graphs,
 * lowered and cleaned as the GPU trainer prepares them, with their inputs and launch counts.
 */

const GAT = `
dataset syn = synthetic.csbm(nodes = 120, classes = 3, features = 12, avg_degree = 5, homophily = 0.8, signal = 1.5, seed = 4)
model GAT(in_channels: int, out_channels: int) {
  conv1 = GATConv(in_channels, 8, heads = 4, dropout = 0.3)
  conv2 = GATConv(32, out_channels, heads = 1)
  forward(x: f32[N, in_channels], g: graph[N]) -> f32[N, out_channels] {
    return conv2(dropout(elu(conv1(dropout(x, 0.3), g)), 0.3), g)
  }
}
train t {
  data = syn
  model = GAT(syn.num_features, syn.num_classes)
  loss = cross_entropy(mask = train)
  optimizer = adamw(lr = 0.01, weight_decay = 0.01, clip_norm = 1.0)
  epochs = 5
  select = best(val.accuracy)
  report = [accuracy(val)]
}`;

const REVGNN = `
dataset syn = synthetic.csbm(nodes = 90, classes = 3, features = 12, avg_degree = 5, homophily = 0.8, signal = 1.5, seed = 2)
block ResBlock(width: int) {
  norm = LayerNorm(width, mode = "node")
  conv = SAGEConv(width, width)
  forward(h, g, m) = conv(relu(norm(h)) * m, g)
}
model RevGNN(in_channels: int, out_channels: int) {
  lin_in = Linear(in_channels, 16)
  stack = reversible(groups = 2) repeat(3) ResBlock(8)
  lin_out = Linear(16, out_channels)
  forward(x: f32[N, in_channels], g: graph[N]) -> f32[N, out_channels] {
    h = lin_in(dropout(x, 0.2))
    return lin_out(relu(stack(h, g, dropout_mask(h, 0.2))))
  }
}
train rev {
  data = syn
  model = RevGNN(syn.num_features, syn.num_classes)
  loss = cross_entropy(mask = train)
  optimizer = adam(lr = 0.003)
  epochs = 5
  select = best(val.accuracy)
  report = [accuracy(val)]
}`;

export const TRAINING_SOURCES: Readonly<Record<string, string>> = {
  GCN: gcnSource({ epochs: 5, nodes: 150 }),
  GAT,
  RevGNN: REVGNN,
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
  const prepared = prepareTraining(spec, module, { forGpu: true, fuse: false }); // the GPU pipeline but for fusion: the tests fuse
  if ("diagnostics" in prepared) throw new Error(prepared.diagnostics.map((d) => `${d.code} ${d.message}`).join("\n"));
  const mask = prepared.data.splits[spec.loss.mask].mask;
  const data = { ...prepared.data.inputs, [LABELS_INPUT]: prepared.data.labels, [MASK_INPUT]: mask };
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

/** Kernel launches of one call on the GPU (a loop's body once per iteration), as the trainer schedules it. */
export function launchCount(p: PreparedStep, func: Func): number {
  const hostedIds = unchangingNodes(func.body, new Set(Object.keys(p.data)));
  const hosted = new Set(func.body.filter((n) => hostedIds.has(n.id) && n.op !== "s.input").map((n) => n.id));
  const count = (steps: readonly Step[]): number =>
    steps.reduce((k, s) => k + (s.kind === "dispatch" ? 1 : s.kind === "loop" ? s.trip * count(s.body) : 0), 0);
  return count(scheduleFunc(func, { symbols: p.symbols, hosted }).steps);
}
