import type { TrainSpec } from "../../compiler/train/spec.js";
import { keyFromSeed } from "../../compiler/ir/rng.js";
import type { Module } from "../../compiler/ir/types.js";
import { funcAt, LOSS_RESULT, PREDICT_AND_STEP_FUNC, scalarsAt, selectableAt, stepPlanOf, TRAIN_STEP_FUNC } from "../../compiler/train/index.js";
import type { Runner, StateSnapshot } from "../runner/runner.js";
import type { BoundData } from "./bind.js";
import { measuredMetrics, queueEvaluation, queueScores } from "./evaluate.js";
import type { Metrics } from "./metrics-keys.js";
import { runRecord } from "./run-record.js";
import { Selection, type Selected } from "./selection.js";
import { scalarInputs, stepInputs } from "./step-inputs.js";
import type { EpochRecord, TrainOptions, TrainResult } from "./trainer.js";

/**
 * The epoch loop of a run (runtime/train/trainer.ts opens the runner and calls it): steps,
 * evaluations and their readbacks, the selection and early stopping.
 */

/** Between evaluations, losses are still read back (for the progress line) about this often by default. */
const PROGRESS_MS = 1000;

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

export interface EpochPlan {
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
export async function trainEpochs(runner: Runner, spec: TrainSpec, data: BoundData, options: TrainOptions, plan: EpochPlan): Promise<TrainResult> {
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

  return { ...runRecord(spec, data, runner, options.seed, selection, { first, done: history.length, ms: epochMs }), history };
}
