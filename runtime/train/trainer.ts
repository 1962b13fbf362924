import type { MetricName, SplitName, TrainSpec } from "../../compiler/frontend/train-spec.js";
import { foldKey, keyFromSeed } from "../../compiler/ir/rng.js";
import type { Func, Module } from "../../compiler/ir/types.js";
import type { TensorValue, Value } from "../../compiler/ir/values.js";
import { LABELS_INPUT, lrInputs, MASK_INPUT, STEP_INPUT, TRAIN_STEP_FUNC } from "../../compiler/train/index.js";
import { matchParams } from "../checkpoint/match.js";
import type { SafeTensor } from "../checkpoint/safetensors.js";
import { initParams, runFunc } from "../reference/index.js";
import type { BoundData } from "./bind.js";
import { metricValue } from "./evaluate.js";
import { lrAt } from "./lr-schedule.js";
import { predictPeakBytes } from "../../compiler/plan/peak.js";
import { DataMemo, MemoryMeter } from "../reference/index.js";
import { valueBytes } from "./held-bytes.js";
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
  device: "reference";
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

function scalar(v: number): TensorValue {
  return { kind: "tensor", dtype: "f32", shape: [], data: Float32Array.of(v) };
}

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
export function train(module: Module, spec: TrainSpec, data: BoundData, options: TrainOptions): TrainResult {
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
  const lossMask = data.splits[spec.loss.mask]?.mask;
  if (!lossMask) throw new Error(`the dataset has no \`${spec.loss.mask}\` split for the loss`);

  const select = spec.select.kind === "best" ? metricKey(spec.select.split, spec.select.metric) : undefined;
  const measured: { split: SplitName; metric: MetricName }[] = spec.report.map((r) => ({ split: r.split, metric: r.metric }));
  if (spec.select.kind === "best" && !measured.some((m) => metricKey(m.split, m.metric) === select)) {
    measured.push({ split: spec.select.split, metric: spec.select.metric });
  }

  const history: EpochRecord[] = [];
  const epochMs: number[] = [];
  let measuredPeak = 0;
  // What depends only on the features and the graph (normalisations, propagated features) is computed once.
  const memo = new DataMemo(new Set(Object.keys(data.inputs)));
  let selected = resume?.metrics ? { epoch: resume.epoch, metrics: resume.metrics } : undefined;
  const resumedBest = select === undefined ? undefined : selected?.metrics[select];
  let best = resumedBest === undefined || Number.isNaN(resumedBest) ? -Infinity : resumedBest;
  let evalsSinceBest = 0;
  const choose = (epoch: number, metrics: Metrics) => {
    selected = { epoch, metrics };
    options.onSelect?.(epoch, { ...params });
  };
  if (selected) options.onSelect?.(selected.epoch, { ...params });

  for (let e = first; e < epochs; e++) {
    const start = performance.now();
    const inputs: Record<string, Value> = {
      ...data.inputs,
      rng: { kind: "rng", key: foldKey(root, e) },
      [LABELS_INPUT]: data.labels,
      [MASK_INPUT]: lossMask,
      [STEP_INPUT]: scalar(e + 1),
    };
    for (const lr of lrInputs(spec.optimizer)) inputs[lr.name] = scalar(lrAt(spec.lrSchedule, lr.baseLr, e));
    const stepMeter = new MemoryMeter();
    const outs = runFunc(step, { inputs, params, symbols }, { meter: stepMeter, memo });
    measuredPeak = Math.max(measuredPeak, stepMeter.peakBytes);
    const loss = (outs[0] as TensorValue).data[0];
    step.resultNames.forEach((name, k) => {
      if (k > 0) params[name] = outs[k] as TensorValue;
    });

    const record: EpochRecord = { epoch: e + 1, loss };
    const evaluate = (e + 1) % evalEvery === 0 || e === epochs - 1;
    let stop = false;
    if (evaluate) {
      const evalMeter = new MemoryMeter();
      const logits = runFunc(predict, { inputs: { ...data.inputs, rng: { kind: "rng", key: root } }, params, symbols }, { meter: evalMeter, memo })[0] as TensorValue;
      measuredPeak = Math.max(measuredPeak, evalMeter.peakBytes);
      const metrics: Metrics = { train_loss: loss };
      for (const m of measured) {
        const split = data.splits[m.split];
        if (!split) throw new Error(`the dataset has no \`${m.split}\` split to report ${m.metric} on`);
        metrics[metricKey(m.split, m.metric)] = metricValue(m.metric, logits, data.labels.data as Int32Array, split.nodes);
      }
      for (const [k, v] of Object.entries(metrics)) if (k !== "train_loss") record[k] = v;
      if (select === undefined) choose(e + 1, metrics);
      else if (metrics[select] > best) {
        best = metrics[select];
        choose(e + 1, metrics);
        evalsSinceBest = 0;
      } else {
        if (!selected) choose(e + 1, metrics); // a NaN metric: keep something to report
        evalsSinceBest++;
        stop = options.patience !== undefined && select !== undefined && evalsSinceBest >= options.patience;
      }
    }
    history.push(record);
    epochMs.push(performance.now() - start);
    options.onEpoch?.({
      epoch: e + 1,
      epochs,
      loss,
      ...(select !== undefined && record[select] !== undefined ? { metric: { name: select, value: record[select] } } : {}),
      epochMs: epochMs[epochMs.length - 1],
    });
    if (stop) break;
  }

  const held = valueBytes([...Object.values(params), ...Object.values(data.inputs), data.labels, ...Object.values(data.splits).map((s) => s.mask)]) + memo.heldBytes();
  return {
    run: spec.name,
    dataset: spec.data.name,
    device: "reference",
    seed: options.seed,
    epochs: first + history.length,
    start_epoch: first,
    metrics: selected?.metrics ?? {},
    selected_epoch: selected?.epoch ?? 0,
    epoch_ms_median: median(epochMs),
    compile_ms: 0,
    peak_bytes: held + measuredPeak,
    peak_bytes_predicted: held + Math.max(predictPeakBytes(step, symbols).total, predictPeakBytes(predict, symbols).total),
    history,
  };
}
