import type { TrainSpec } from "../../compiler/train/spec.js";
import { keyFromSeed } from "../../compiler/ir/rng.js";
import type { Func, Module } from "../../compiler/ir/types.js";
import type { TensorValue } from "../../compiler/ir/values.js";
import { funcAt, LOSS_RESULT, PREDICT_AND_STEP_FUNC, PREDICT_FUNC, scalarsAt, selectableAt, stepCounts, stepPlanOf, TRAIN_STEP_FUNC } from "../../compiler/train/index.js";
import { matchParams } from "../checkpoint/match.js";
import type { SafeTensor } from "../checkpoint/safetensors.js";
import { initParams } from "../reference/index.js";
import type { GpuDevice } from "../gpu/index.js";
import { openRunner } from "../runner/open.js";
import type { Runner, StateSnapshot } from "../runner/runner.js";
import type { BoundData } from "./bind.js";
import { measuredMetrics, queueEvaluation, queueScores } from "./evaluate.js";
import type { Metrics } from "./metrics-keys.js";
import type { EpochProgress } from "./progress.js";
import { Selection, type Selected } from "./selection.js";
import { scalarInputs, stepInputs, unchangingInputs } from "./step-inputs.js";
import { median } from "./median.js";

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

/** Between evaluations, losses are still read back (for the progress line) about this often by default. */
const PROGRESS_MS = 1000;


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
  // The step plan's functions that this run trains (and initialises with), and `predict`.
  const plan = stepPlanOf(module);
  const init = resume ? [] : plan.init;
  const names = new Set([...init, ...stepCounts(plan, planned, first, epochs).keys(), PREDICT_FUNC]);
  // Evaluations ride on the next plain step where the module has both as one (compiler/passes/evaluate-ahead.ts).
  const ahead = names.has(TRAIN_STEP_FUNC) && module.funcs.some((f) => f.name === PREDICT_AND_STEP_FUNC);
  if (ahead) names.add(PREDICT_AND_STEP_FUNC);
  const funcs = [...names].map((name) => funcNamed(module, name));
  const runner = await openRunner({ funcs, data: unchangingInputs(spec, data), state, symbols }, options.gpu);
  try {
    const root = keyFromSeed(options.seed);
    for (const name of init) await runner.run(name, stepInputs(spec, root, first));
    return await trainEpochs(runner, spec, data, options, { first, epochs, planned, evalEvery, module, ahead });
  } finally {
    runner.destroy();
  }
}

/** An evaluation: of the state after `epoch`, whether it is offered for selection, and that state while it may be chosen (a caller that keeps the selected state). */
interface Evaluation {
  epoch: number;
  offered: boolean;
  state?: StateSnapshot;
}

/**
 * A readback queued after epoch `epoch`'s step: the losses logged since the last, and the
 * metrics of the evaluations it carries, in epoch order. `holds`: the evaluation of `epoch`
 * itself rides on the next step, so its record waits for it.
 */
interface Readback {
  epoch: number;
  values: Promise<[number[], Metrics[]]>;
  evaluations: Evaluation[];
  holds: boolean;
}

interface EpochPlan {
  first: number;
  epochs: number;
  /** The block's epochs, which the step plan's points resolve against. */
  planned: number;
  evalEvery: number;
  /** Its step plan says which function trains each step. */
  module: Module;
  /** `predict_and_step` is loaded: an evaluation before a plain step runs with it. */
  ahead: boolean;
}

/** A record read back, not reported yet, and its share of the time measured. */
interface Read {
  record: EpochRecord;
  ms: number;
}

/**
 * The epochs of a run on a runner: a training step each, an evaluation every `evalEvery`, the
 * selection and early stopping. Losses are read back when metrics are (and every progressMs or
 * so, so progress keeps moving); between readbacks the device runs ahead, and the epochs in
 * between share the time measured. A readback is queued with its epoch and awaited one readback
 * later, after the next epoch's runs are queued: the device works on while the host waits and
 * scores. The state for `onSelect` is snapshotted with each evaluation offered for selection,
 * since whether it is chosen is known only when the metrics are back, and read only if it is. A
 * run that stops early has queued an epoch or two more than it reports; nothing of them is kept.
 *
 * An evaluation after epoch t reads the weights step t + 1 reads: where step t + 1 is the plain
 * `train_step` and the module has `predict_and_step` (compiler/passes/evaluate-ahead.ts), that
 * runs instead of the step and its output is epoch t's evaluation; the state is snapshotted
 * before it, and epoch t's record is reported when its metrics are back. After the run's first
 * and last steps, and before a step of another function, `predict` runs as before. The metrics
 * are the same.
 */
async function trainEpochs(runner: Runner, spec: TrainSpec, data: BoundData, options: TrainOptions, plan: EpochPlan): Promise<TrainResult> {
  const { first, epochs, planned, evalEvery } = plan;
  const steps = stepPlanOf(plan.module);
  const root = keyFromSeed(options.seed);
  const measured = measuredMetrics(spec);
  const resumed: Selected | undefined = options.start?.metrics ? { epoch: options.start.epoch, metrics: options.start.metrics } : undefined;
  const selection = new Selection(spec.select, options.patience, resumed);
  const select = selection.metric;
  if (resumed && options.onSelect) options.onSelect(resumed.epoch, await runner.state());

  const history: EpochRecord[] = [];
  const epochMs: number[] = [];
  let flushedAt = performance.now();
  /** When the last readback was queued: progress asks for the next one progressMs after it. */
  let queuedAt = flushedAt;
  /** Read back, not reported: an epoch whose evaluation is still to come. */
  let waiting: Read[] = [];

  /** The evaluation of the state after epoch `t`, its state snapshotted now if it may be kept. */
  const evaluationAt = (t: number): Evaluation => {
    const offered = selectableAt(steps, t, planned);
    return { epoch: t, offered, ...(offered && options.onSelect ? { state: runner.snapshot() } : {}) };
  };

  /** Queue the readback after epoch `t`'s step: its losses, the output of `riding`'s run, and `predict` of epoch t's state when `evaluating`. */
  const queueReadback = async (t: number, riding: Evaluation | undefined, evaluating: boolean, holds: boolean): Promise<Readback> => {
    const evaluations: Evaluation[] = [];
    const metrics: Promise<Metrics>[] = [];
    if (riding) {
      evaluations.push(riding);
      metrics.push(queueScores(runner, PREDICT_AND_STEP_FUNC, data, measured));
    }
    if (evaluating) {
      metrics.push((await queueEvaluation(runner, data, measured, { kind: "rng", key: root })).metrics);
      evaluations.push(evaluationAt(t));
    }
    const back: Readback = { epoch: t, values: Promise.all([runner.logged(), Promise.all(metrics)]), evaluations, holds };
    back.values.catch(() => {}); // awaited later; a readback left behind by an early stop is dropped
    return back;
  };

  /** Record a readback's epochs, offer its evaluations for selection; whether the run stops. */
  const consume = async (back: Readback): Promise<boolean> => {
    const [losses, metrics] = await back.values;
    const now = performance.now();
    const each = (now - flushedAt) / losses.length;
    flushedAt = now;
    waiting.push(...losses.map((loss, j) => ({ record: { epoch: back.epoch + 1 - losses.length + j, loss }, ms: each })));
    let through = back.holds ? back.epoch - 1 : back.epoch;
    let stop = false;
    for (const [k, evaluation] of back.evaluations.entries()) {
      if (stop) {
        evaluation.state?.release();
        continue;
      }
      const record = waiting.find((w) => w.record.epoch === evaluation.epoch)?.record;
      if (!record) throw new Error(`internal: epoch ${evaluation.epoch}'s evaluation came back without its loss`);
      Object.assign(record, metrics[k]);
      // Before the step plan's result exists (a model still to be pruned), evaluations are history only.
      if (evaluation.offered) {
        const offer = selection.offer(evaluation.epoch, { train_loss: record.loss, ...metrics[k] });
        if (offer.chosen && options.onSelect) options.onSelect(evaluation.epoch, await evaluation.state!.read());
        stop = offer.stop;
        if (stop) through = evaluation.epoch;
      }
      evaluation.state?.release();
    }
    const reported = waiting.filter((w) => w.record.epoch <= through);
    waiting = stop ? [] : waiting.filter((w) => w.record.epoch > through);
    for (const { record: r, ms } of reported) {
      history.push(r);
      epochMs.push(ms);
      options.onEpoch?.({
        epoch: r.epoch,
        epochs,
        loss: r.loss,
        ...(select !== undefined && r[select] !== undefined ? { metric: { name: select, value: r[select] } } : {}),
        epochMs: ms,
      });
    }
    return stop;
  };

  let pending: Readback | undefined;
  /** The evaluation the next step carries (predict_and_step). */
  let ahead: Evaluation | undefined;
  for (let e = first; e < epochs; e++) {
    const t = e + 1;
    options.onQueue?.(t);
    const riding = ahead;
    ahead = undefined;
    await runner.run(riding ? PREDICT_AND_STEP_FUNC : funcAt(steps, t, planned), { ...stepInputs(spec, root, e), ...scalarInputs(scalarsAt(steps, t, planned)) }, { log: LOSS_RESULT });
    const evaluating = t % evalEvery === 0 || e === epochs - 1;
    // Not the run's first epoch: it is reported on its own, as soon as it is done (its time is the
    // compile of the step's and predict's kernels; predict_and_step's, compiled in the next, is apart).
    if (evaluating && plan.ahead && e > first && t < epochs && funcAt(steps, t + 1, planned) === TRAIN_STEP_FUNC) ahead = evaluationAt(t);
    if (!riding && (ahead || (!evaluating && performance.now() - queuedAt < (options.progressMs ?? PROGRESS_MS)))) continue;
    queuedAt = performance.now();
    const next = await queueReadback(t, riding, evaluating && !ahead, ahead !== undefined);
    if (pending && (await consume(pending))) {
      pending = undefined;
      for (const left of [...next.evaluations, ...(ahead ? [ahead] : [])]) left.state?.release();
      break;
    }
    pending = next;
  }
  if (pending) await consume(pending);

  const memory = runner.memory();
  return {
    run: spec.name,
    dataset: spec.data.name,
    graph: { nodes: data.symbols.N, edges: data.symbols.E },
    device: runner.kind,
    seed: options.seed,
    epochs: first + history.length,
    start_epoch: first,
    metrics: selection.selected?.metrics ?? {},
    selected_epoch: selection.selected?.epoch ?? 0,
    epoch_ms_median: median(epochMs),
    compile_ms: 0,
    peak_bytes: memory.heldBytes + memory.peakBytes,
    peak_bytes_predicted: memory.heldBytes + memory.predictedBytes,
    history,
  };
}
