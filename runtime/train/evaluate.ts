import type { MetricName, SplitName, TrainSpec } from "../../compiler/train/spec.js";
import { OUTPUT_RESULT, PREDICT_FUNC } from "../../compiler/train/names.js";
import type { TensorValue, Value } from "../../compiler/ir/values.js";
import type { Runner } from "../runner/runner.js";
import type { BoundData } from "./bind.js";
import { accuracy, macroF1, rocAuc } from "./metrics.js";
import { metricKey, type Metrics } from "./metrics-keys.js";

/** A metric on a split, as `report = [accuracy(val), …]` and `select = best(val.accuracy)` name them. */
export interface Measured {
  split: SplitName;
  metric: MetricName;
}

/** What a run evaluates: the reported metrics, and the selection metric if it is not among them. */
export function measuredMetrics(spec: TrainSpec): Measured[] {
  const measured: Measured[] = spec.report.map((r) => ({ split: r.split, metric: r.metric }));
  const s = spec.select;
  if (s.kind === "best" && !measured.some((m) => m.split === s.split && m.metric === s.metric)) measured.push({ split: s.split, metric: s.metric });
  return measured;
}

/**
 * Run the model in evaluation mode (`predict`) on the runner and score its output on each
 * measured split. `rng` is the key `predict` takes (eval mode draws nothing with it).
 */
export async function evaluate(runner: Runner, data: BoundData, measured: readonly Measured[], rng: Value): Promise<Metrics> {
  return (await queueEvaluation(runner, data, measured, rng)).metrics;
}

/**
 * `evaluate`, returning as soon as `predict` and the read of its output are queued: the metrics
 * arrive when the device has run them, and the caller may queue more runs meanwhile (the read
 * takes the output as it is now: see Runner). A rejection of `metrics` is the caller's to handle.
 */
export async function queueEvaluation(runner: Runner, data: BoundData, measured: readonly Measured[], rng: Value): Promise<{ metrics: Promise<Metrics> }> {
  checkSplits(data, measured);
  await runner.run(PREDICT_FUNC, { rng });
  return { metrics: queueScores(runner, PREDICT_FUNC, data, measured) };
}

/**
 * The measured metrics of the output `func` returned in its last run (`predict`'s, or the
 * evaluation `predict_and_step` makes before its step), read as it is now: they arrive when the
 * device has run it. A rejection is the caller's to handle.
 */
export function queueScores(runner: Runner, func: string, data: BoundData, measured: readonly Measured[]): Promise<Metrics> {
  checkSplits(data, measured);
  return runner.read(func, OUTPUT_RESULT).then((logits) => {
    const out: Metrics = {};
    for (const m of measured) out[metricKey(m.split, m.metric)] = metricValue(m.metric, logits, data.labels.data as Int32Array, data.splits[m.split]!.nodes);
    return out;
  });
}

function checkSplits(data: BoundData, measured: readonly Measured[]): void {
  for (const m of measured) if (!data.splits[m.split]) throw new Error(`the dataset has no \`${m.split}\` split to report ${m.metric} on`);
}

/** Row-wise softmax, so that per-class scores compare across nodes as probabilities do. */
function softmaxRows(logits: TensorValue): TensorValue {
  const [rows, cols] = logits.shape;
  const data = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    let max = -Infinity;
    for (let c = 0; c < cols; c++) max = Math.max(max, logits.data[r * cols + c]);
    let sum = 0;
    for (let c = 0; c < cols; c++) sum += Math.exp(logits.data[r * cols + c] - max);
    for (let c = 0; c < cols; c++) data[r * cols + c] = Math.exp(logits.data[r * cols + c] - max) / sum;
  }
  return { kind: "tensor", dtype: "f32", shape: [rows, cols], data };
}

/** One-vs-rest targets from class labels; unlabelled nodes (−1) become missing (NaN). */
function oneHot(labels: Int32Array, cols: number): TensorValue {
  const data = new Float32Array(labels.length * cols);
  labels.forEach((label, i) => {
    for (let c = 0; c < cols; c++) data[i * cols + c] = label === -1 ? NaN : label === c ? 1 : 0;
  });
  return { kind: "tensor", dtype: "f32", shape: [labels.length, cols], data };
}

/**
 * A reported metric of a node classifier over `nodes`. roc_auc of single-label classes is the
 * macro one-vs-rest AUC of the softmax probabilities (sklearn's roc_auc_score, multi_class="ovr").
 */
export function metricValue(metric: MetricName, logits: TensorValue, labels: Int32Array, nodes: Int32Array): number {
  switch (metric) {
    case "accuracy":
      return accuracy(logits, labels, nodes);
    case "macro_f1":
      return macroF1(logits, labels, nodes);
    case "roc_auc":
      return rocAuc(softmaxRows(logits), oneHot(labels, logits.shape[1]), nodes);
  }
}
