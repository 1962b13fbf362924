import type { TrainSpec } from "../../compiler/train/spec.js";
import { keyFromSeed } from "../../compiler/ir/rng.js";
import type { Module } from "../../compiler/ir/types.js";
import type { TensorValue } from "../../compiler/ir/values.js";
import { loadDatasetSource, type SourceOptions } from "../data/index.js";
import { runFunc } from "../reference/index.js";
import { compileForward } from "../../compiler/pipeline.js";
import { PREDICT_FUNC } from "../../compiler/train/names.js";
import { isOptimizerState, matchParams, type Checkpoint, type SafeTensor } from "../checkpoint/index.js";
import { bindDataset } from "./bind.js";

export interface Predictions {
  /** The model's output for every node (eval mode: no dropout, running statistics). */
  output: TensorValue;
  /** Class per node (−1 = unlabelled) and the splits' node ids, to score the output against. */
  labels: Int32Array;
  splits: Record<string, Int32Array>;
}

/**
 * Run a train block's model with a checkpoint's parameters on the block's dataset: the module's
 * `predict` function on the reference interpreter, as the trainer evaluates it. Optimizer states
 * in the checkpoint are ignored; any other mismatch is a CheckpointError naming the tensor.
 */
export function predictWithCheckpoint(spec: TrainSpec, model: Module, checkpoint: Checkpoint, data: SourceOptions = {}): Predictions {
  return predictWithParams(spec, model, { tensors: checkpoint.tensors, source: checkpoint.path, seed: checkpoint.info?.seed }, data);
}

/** Parameters to predict with: by name (optimizer states are ignored), where they came from (named in mismatch errors), and the seed they were trained with. */
export interface ParamSource {
  tensors: Readonly<Record<string, SafeTensor>>;
  source: string;
  seed?: number;
}

/** `predictWithCheckpoint` for parameters in memory (a training run's state, a converted state dict). */
export function predictWithParams(spec: TrainSpec, model: Module, params: ParamSource, data: SourceOptions = {}): Predictions {
  // The same forward rewrites as training, so the outputs are those the checkpoint was selected by.
  const module = compileForward(model, spec).module;
  const predict = module.funcs.find((f) => f.name === PREDICT_FUNC);
  if (!predict) throw new Error(`module \`${module.name}\` has no \`predict\` function`);
  const { dataset } = loadDatasetSource(spec.data.source, spec.data.transforms, data);
  const bound = bindDataset(dataset, spec.data.name, module);
  const matched = matchParams(module, bound.symbols, params.tensors, params.source, { ignore: isOptimizerState });
  // Eval mode draws nothing, but the function still takes a key: the trainer's, for the same seed.
  const rng = { kind: "rng", key: keyFromSeed(params.seed ?? spec.seed ?? 0) } as const;
  const symbols = { ...module.symbols, ...bound.symbols };
  const [output] = runFunc(predict, { inputs: { ...bound.inputs, rng }, params: matched, symbols });
  if (output?.kind !== "tensor") throw new Error(`\`predict\` of module \`${module.name}\` did not return a tensor`);
  return { output, labels: dataset.labels, splits: dataset.splits };
}
