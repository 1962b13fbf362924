import type { TrainSpec } from "../../compiler/train/spec.js";
import { keyFromSeed } from "../../compiler/ir/rng.js";
import type { Func, Module } from "../../compiler/ir/types.js";
import type { TensorValue } from "../../compiler/ir/values.js";
import { PREDICT_AND_STEP_FUNC, runFuncs, stepCounts, stepPlanOf } from "../../compiler/train/index.js";
import { matchParams } from "../checkpoint/match.js";
import type { SafeTensor } from "../checkpoint/safetensors.js";
import { initParams } from "../reference/index.js";
import type { GpuDevice } from "../gpu/index.js";
import { openRunner } from "../runner/open.js";
import type { BoundData } from "./bind.js";
import { trainEpochs } from "./epoch-loop.js";
import type { Metrics } from "./metrics-keys.js";
import type { EpochProgress } from "./progress.js";
import { stepInputs, unchangingInputs } from "./step-inputs.js";

export type { Metrics } from "./metrics-keys.js";

/** A run picked up where an earlier one stopped (a checkpoint: see runtime/checkpoint). */
export interface StartState {
  /** Every parameter, buffer and optimizer state by name; checked against the module's. */
  tensors: Readonly<Record<string, SafeTensor>>;
  /** Where the state came from (the checkpoint file), named in mismatch errors. */
  source: string;
  /** Epochs already trained: numbering, the step count, dropout keys and the learning-rate schedule continue from here. */
  epoch: number;
  /**
   * The metrics measured for this state (a checkpoint saved at its run's selected epoch): the
   * state is the selection until a later epoch beats it.
   */
  metrics?: Metrics;
}

export interface TrainOptions {
  seed: number;
  /** Overrides the spec's epoch count: the number of the last epoch (so a resumed run trains the remainder). */
  epochs?: number;
  /** Evaluate with `predict` every this many epochs (and after the last); default 1. */
  evalEvery?: number;
  /** Stop after this many evaluations without a better selection metric (only with `select = best(…)`). */
  patience?: number;
  onEpoch?(p: EpochProgress): void;
  /**
   * Called before epoch `epoch`'s runs (its step, and its evaluation) are queued. Progress
   * (`onEpoch`) comes later, once the epoch is read back, by when the next epoch may be queued
   * too: a profiler tags launches here.
   */
  onQueue?(epoch: number): void;
  /** Resume from this state instead of initialising the parameters. */
  start?: StartState;
  /**
   * Called whenever the selected epoch changes, with the state (parameters, buffers, optimizer
   * states) after that epoch. The record is a copy; its values are never mutated, so keeping it
   * is enough to save the selected epoch later.
   */
  onSelect?(epoch: number, state: Readonly<Record<string, TensorValue>>): void;
  /** Train on this GPU (see runtime/gpu); the reference interpreter when absent. */
  gpu?: GpuDevice;
  /**
   * Between evaluations, read the losses back for progress after this many milliseconds
   * (default 1000; Infinity: only with the metrics). Each readback waits for the device.
   */
  progressMs?: number;
}

export interface EpochRecord {
  epoch: number;
  loss: number;
  [metric: string]: number;
}

export interface TrainResult {
  run: string;
  dataset: string;
  /** The dataset's graph: nodes and directed edges (N and E). */
  graph: { nodes: number; edges: number };
  device: "reference" | "gpu";
  seed: number;
  /** The last epoch run (before the planned one after an early stop). */
  epochs: number;
  /** Epochs done before this run started: 0, or the checkpoint's epoch when resumed. */
  start_epoch: number;
  /** The metrics of the selected epoch. */
  metrics: Metrics;
  selected_epoch: number;
  epoch_ms_median: number;
  /** Filled in by the caller, which knows what compiling took. */
  compile_ms: number;
  /** Loading (or generating) and binding the dataset; filled in by the caller that loaded it. */
  load_ms?: number;
  /**
   * Measured: the bytes held throughout (data, parameters, optimizer states) plus the most bytes
   * of values a training step or an evaluation held at once (MemoryMeter).
   */
  peak_bytes: number;
  /** The same, predicted from the functions' types before running (compiler/plan). */
  peak_bytes_predicted: number;
  history: EpochRecord[];
  /** Training FLOPs of a run of this many steps, from the IR cost model (filled in by runTraining). */
  training_flops?: TrainingFlopsRecord;
}

/**
 * A run's training FLOPs (compiler/plan/training-flops.ts): every function the step plan runs,
 * FLOPs per call and calls; the run's total; the dense step (`train_step` before technique
 * passes) and a dense run of as many steps.
 */
export interface TrainingFlopsRecord {
  steps: number;
  run: number;
  dense_run: number;
  dense_step: number;
  functions: { name: string; flops: number; calls: number }[];
}



function funcNamed(module: Module, name: string): Func {
  const f = module.funcs.find((g) => g.name === name);
  if (!f) throw new Error(`module \`${module.name}\` has no \`${name}\` function (lower it with lowerTraining first)`);
  return f;
}

/**
 * Train a lowered module (see compiler/pipeline.ts) on bound data, on the GPU or the reference
 * device. Every random draw derives from `seed`: parameters from initParams, dropout from a key
 * per epoch, so the same seed gives the same numbers — also across a resume, which continues the
 * epoch count (and with it the step count, dropout keys and learning-rate schedule) from its state.
 * Step t runs the function the module's step plan names for it (compiler/train/step-plan.ts:
 * `train_step` unless a technique pass planned otherwise), with the plan's host scalars of that
 * step; a run that does not resume first runs the plan's init functions once, and selection
 * considers only the steps the plan says hold its result.
 */
export async function train(module: Module, spec: TrainSpec, data: BoundData, options: TrainOptions): Promise<TrainResult> {
  const epochs = options.epochs ?? spec.epochs;
  if (epochs === undefined) throw new Error(`train block \`${spec.name}\` has no epoch count: its schedule's driver runs it (runtime/schedules)`);
  // The step plan's points resolve against the block's epochs, so a split run trains as an unbroken one.
  const planned = spec.epochs ?? epochs;
  const evalEvery = options.evalEvery ?? 1;
  if (!(Number.isInteger(evalEvery) && evalEvery >= 1)) throw new Error(`evalEvery must be an integer ≥ 1, got ${evalEvery}`);
  const symbols = { ...module.symbols, ...data.symbols };
  const resume = options.start;
  const first = resume?.epoch ?? 0;
  if (first >= epochs) throw new Error(`the run starts after epoch ${first}, but it has ${epochs} epochs: nothing to train`);
  const state = resume ? matchParams(module, symbols, resume.tensors, resume.source) : initParams(module, options.seed, symbols);
  // The step plan's functions that this run trains (and initialises with), `predict`, and both as one.
  const plan = stepPlanOf(module);
  const init = resume ? [] : plan.init;
  const names = runFuncs(module, [...init, ...stepCounts(plan, planned, first, epochs).keys()]);
  // Evaluations ride on the next plain step where the module has both as one (compiler/passes/evaluate-ahead.ts).
  const ahead = names.includes(PREDICT_AND_STEP_FUNC);
  const funcs = names.map((name) => funcNamed(module, name));
  const runner = await openRunner({ funcs, data: unchangingInputs(spec, data), state, symbols }, options.gpu);
  try {
    const root = keyFromSeed(options.seed);
    for (const name of init) await runner.run(name, stepInputs(spec, root, first));
    return await trainEpochs(runner, spec, data, options, { first, epochs, planned, evalEvery, module, ahead });
  } finally {
    runner.destroy();
  }
}
