import type { MetricName } from "../../compiler/frontend/train-spec.js";
import type { TensorValue } from "../../compiler/ir/values.js";
import { accuracy, macroF1, rocAuc } from "./metrics.js";

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
