import type { MetricName, SplitName, TrainSpec } from "../../compiler/frontend/train-spec.js";
import { keyFromSeed } from "../../compiler/ir/rng.js";
import type { Func, Module } from "../../compiler/ir/types.js";
import type { TensorValue } from "../../compiler/ir/values.js";
import { TRAIN_STEP_FUNC } from "../../compiler/train/index.js";
import { matchParams } from "../checkpoint/match.js";
import type { SafeTensor } from "../checkpoint/safetensors.js";
import { initParams } from "../reference/index.js";
import type { GpuDevice } from "../gpu/index.js";
import type { TrainDevice } from "./device.js";
import { GpuTrainDevice } from "./device-gpu.js";
import { ReferenceDevice } from "./device-reference.js";
import type { BoundData } from "./bind.js";
import { metricValue } from "./evaluate.js";
import { stepInputs, unchangingInputs } from "./step-inputs.js";
import type { EpochProgress } from "./progress.js";

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

/** Metrics by name: `train_loss` and `<split>_<metric>` (`val_accuracy`, `test_accuracy`). */
export type Metrics = Record<string, number>;

export interface EpochRecord {
  epoch: number;
  loss: number;
  [metric: string]: number;
}

export interface TrainResult {
  run: string;
  dataset: string;
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
  /**
   * Measured: the bytes held throughout (data, parameters, optimizer states) plus the most bytes
   * of values a training step or an evaluation held at once (MemoryMeter).
   */
  peak_bytes: number;
  /** The same, predicted from the functions' types before running (compiler/plan). */
  peak_bytes_predicted: number;
  history: EpochRecord[];
}

const metricKey = (split: SplitName, metric: MetricName) => `${split}_${metric}`;

/** Between evaluations, losses are still read back (for the progress line) about this often by default. */
const PROGRESS_MS = 1000;


function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

function funcNamed(module: Module, name: string): Func {
  const f = module.funcs.find((g) => g.name === name);
  if (!f) throw new Error(`module \`${module.name}\` has no \`${name}\` function (lower it with lowerTraining first)`);
  return f;
}

/**
 * Train a lowered module (see compiler/train) on bound data with the reference interpreter.
 * Every random draw derives from `seed`: parameters from initParams, dropout from a key per epoch,
 * so the same seed gives the same numbers — also across a resume, which continues the epoch
 * count (and with it the step count, dropout keys and learning-rate schedule) from its state.
 */
export async function train(module: Module, spec: TrainSpec, data: BoundData, options: TrainOptions): Promise<TrainResult> {
  const step = funcNamed(module, TRAIN_STEP_FUNC);
  const predict = funcNamed(module, "predict");
  const epochs = options.epochs ?? spec.epochs;
  const evalEvery = options.evalEvery ?? 1;
  if (!(Number.isInteger(evalEvery) && evalEvery >= 1)) throw new Error(`evalEvery must be an integer ≥ 1, got ${evalEvery}`);
  const symbols = { ...module.symbols, ...data.symbols };
  const resume = options.start;
  const first = resume?.epoch ?? 0;
  if (first >= epochs) throw new Error(`the run starts after epoch ${first}, but it has ${epochs} epochs: nothing to train`);
  const params = resume ? matchParams(module, symbols, resume.tensors, resume.source) : initParams(module, options.seed, symbols);
  const root = keyFromSeed(options.seed);
  const unchanging = unchangingInputs(spec, data);
  const device = options.gpu
    ? await GpuTrainDevice.create(options.gpu, step, predict, unchanging, params, symbols)
    : new ReferenceDevice(step, predict, unchanging, params, symbols);
  try {
    return await epochsOn(device, spec, data, options, { first, epochs, evalEvery, root, resume });
  } finally {
    device.destroy();
  }
}

interface RunPlan {
  first: number;
  epochs: number;
  evalEvery: number;
  root: readonly [number, number];
  resume?: StartState;
}

/** The epochs of a run on a device: steps, evaluation, selection by the best validation metric, early stopping. */
async function epochsOn(device: TrainDevice, spec: TrainSpec, data: BoundData, options: TrainOptions, plan: RunPlan): Promise<TrainResult> {
  const { first, epochs, evalEvery, root, resume } = plan;

  const select = spec.select.kind === "best" ? metricKey(spec.select.split, spec.select.metric) : undefined;
  const measured: { split: SplitName; metric: MetricName }[] = spec.report.map((r) => ({ split: r.split, metric: r.metric }));
  if (spec.select.kind === "best" && !measured.some((m) => metricKey(m.split, m.metric) === select)) {
    measured.push({ split: spec.select.split, metric: spec.select.metric });
  }

  const history: EpochRecord[] = [];
  const epochMs: number[] = [];
  let selected = resume?.metrics ? { epoch: resume.epoch, metrics: resume.metrics } : undefined;
  const resumedBest = select === undefined ? undefined : selected?.metrics[select];
  let best = resumedBest === undefined || Number.isNaN(resumedBest) ? -Infinity : resumedBest;
  let evalsSinceBest = 0;
  const choose = async (epoch: number, metrics: Metrics) => {
    selected = { epoch, metrics };
    if (options.onSelect) options.onSelect(epoch, await device.state());
  };
  if (selected && options.onSelect) options.onSelect(selected.epoch, await device.state());

  // Losses are read back when metrics are (and every progressMs or so, so progress keeps moving):
  // between readbacks the device runs ahead, and the epochs in between share the time measured.
  let flushedAt = performance.now();
  for (let e = first; e < epochs; e++) {
    await device.step(stepInputs(spec, root, e));
    const evaluate = (e + 1) % evalEvery === 0 || e === epochs - 1;
    if (!evaluate && performance.now() - flushedAt < (options.progressMs ?? PROGRESS_MS)) continue;
    const losses = await device.losses();
    const loss = losses[losses.length - 1];
    const record: EpochRecord = { epoch: e + 1, loss };
    let stop = false;
    if (evaluate) {
      const logits = await device.predict({ kind: "rng", key: root });
      const metrics: Metrics = { train_loss: loss };
      for (const m of measured) {
        const split = data.splits[m.split];
        if (!split) throw new Error(`the dataset has no \`${m.split}\` split to report ${m.metric} on`);
        metrics[metricKey(m.split, m.metric)] = metricValue(m.metric, logits, data.labels.data as Int32Array, split.nodes);
      }
      for (const [k, v] of Object.entries(metrics)) if (k !== "train_loss") record[k] = v;
      if (select === undefined) await choose(e + 1, metrics);
      else if (metrics[select] > best) {
        best = metrics[select];
        await choose(e + 1, metrics);
        evalsSinceBest = 0;
      } else {
        if (!selected) await choose(e + 1, metrics); // a NaN metric: keep something to report
        evalsSinceBest++;
        stop = options.patience !== undefined && select !== undefined && evalsSinceBest >= options.patience;
      }
    }
    const now = performance.now();
    const each = (now - flushedAt) / losses.length;
    flushedAt = now;
    losses.forEach((l, j) => {
      const r = j === losses.length - 1 ? record : { epoch: e + 2 - losses.length + j, loss: l };
      history.push(r);
      epochMs.push(each);
      options.onEpoch?.({
        epoch: r.epoch,
        epochs,
        loss: l,
        ...(select !== undefined && r[select] !== undefined ? { metric: { name: select, value: r[select] } } : {}),
        epochMs: each,
      });
    });
    if (stop) break;
  }

  const held = device.heldBytes();
  return {
    run: spec.name,
    dataset: spec.data.name,
    device: device.kind,
    seed: options.seed,
    epochs: first + history.length,
    start_epoch: first,
    metrics: selected?.metrics ?? {},
    selected_epoch: selected?.epoch ?? 0,
    epoch_ms_median: median(epochMs),
    compile_ms: 0,
    peak_bytes: held + device.peakValueBytes,
    peak_bytes_predicted: held + device.predictedValueBytes(),
    history,
  };
}
