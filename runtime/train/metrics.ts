import type { TensorValue } from "../../compiler/ir/values.js";

/**
 * Evaluation metrics, computed on the host from a model's output (`logits`, one row per node) at
 * a split's node ids. Conventions:
 * - A node labelled −1 (unlabelled) is skipped, as the loss skips it.
 * - The predicted class is the first index of the row's maximum (torch.argmax's tie rule).
 * - A metric with nothing to measure (no labelled node; for ROC-AUC no task with both classes)
 *   is NaN rather than a made-up 0 or 1.
 */

export type NodeIds = Int32Array | readonly number[];

function rowsOf(logits: TensorValue): { rows: number; cols: number } {
  if (logits.shape.length !== 2) throw new Error(`expected logits of shape [N,C], got [${logits.shape.join(",")}]`);
  return { rows: logits.shape[0], cols: logits.shape[1] };
}

function checkNode(node: number, rows: number): void {
  if (!(Number.isInteger(node) && node >= 0 && node < rows)) throw new Error(`node id ${node} is out of range for ${rows} rows`);
}

/** argmax of one row: the first index holding the maximum. */
function argmaxRow(data: ArrayLike<number>, at: number, cols: number): number {
  let best = 0;
  for (let k = 1; k < cols; k++) if (data[at + k] > data[at + best]) best = k;
  return best;
}

/** (truth, prediction) for every labelled node of `nodes`. */
function labelledPairs(logits: TensorValue, labels: ArrayLike<number>, nodes: NodeIds): { truth: number[]; pred: number[] } {
  const { rows, cols } = rowsOf(logits);
  if (labels.length !== rows) throw new Error(`labels has ${labels.length} entries but logits has ${rows} rows`);
  const truth: number[] = [];
  const pred: number[] = [];
  for (const node of nodes) {
    checkNode(node, rows);
    const label = labels[node];
    if (label === -1) continue;
    if (!(Number.isInteger(label) && label >= 0 && label < cols)) throw new Error(`label ${label} of node ${node} is not a class in [0, ${cols})`);
    truth.push(label);
    pred.push(argmaxRow(logits.data, node * cols, cols));
  }
  return { truth, pred };
}

/** Fraction of the labelled nodes whose argmax is their label. */
export function accuracy(logits: TensorValue, labels: ArrayLike<number>, nodes: NodeIds): number {
  const { truth, pred } = labelledPairs(logits, labels, nodes);
  if (truth.length === 0) return NaN;
  let correct = 0;
  for (let i = 0; i < truth.length; i++) if (truth[i] === pred[i]) correct++;
  return correct / truth.length;
}

/**
 * The unweighted mean over classes of F1 = 2·TP/(2·TP + FP + FN), as sklearn's
 * f1_score(average="macro"): the classes averaged are those present in the truth or the
 * prediction of these nodes (a class absent from both is excluded, not counted as 0 or 1); a
 * class never predicted, or never true, has F1 0 — sklearn's zero_division=0 (its default "warn"
 * also yields 0).
 */
export function macroF1(logits: TensorValue, labels: ArrayLike<number>, nodes: NodeIds): number {
  const { truth, pred } = labelledPairs(logits, labels, nodes);
  if (truth.length === 0) return NaN;
  const tp = new Map<number, number>();
  const fp = new Map<number, number>();
  const fn = new Map<number, number>();
  const bump = (m: Map<number, number>, c: number) => m.set(c, (m.get(c) ?? 0) + 1);
  for (let i = 0; i < truth.length; i++) {
    if (truth[i] === pred[i]) bump(tp, truth[i]);
    else {
      bump(fn, truth[i]);
      bump(fp, pred[i]);
    }
  }
  const classes = new Set([...truth, ...pred]);
  let sum = 0;
  for (const c of classes) {
    const t = tp.get(c) ?? 0;
    sum += (2 * t) / (2 * t + (fp.get(c) ?? 0) + (fn.get(c) ?? 0));
  }
  return sum / classes.size;
}

/**
 * ROC-AUC of one task: the probability that a random positive scores above a random negative,
 * ties counting one half — computed as the Mann–Whitney statistic with average ranks for ties.
 * NaN when either class is absent or a score is NaN.
 */
export function binaryAuc(scores: readonly number[], positive: readonly boolean[]): number {
  const n = scores.length;
  if (scores.some(Number.isNaN)) return NaN; // a diverged model: no ordering to measure
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a] - scores[b]);
  let positives = 0;
  let rankSum = 0;
  for (let start = 0; start < n; ) {
    let end = start;
    while (end + 1 < n && scores[order[end + 1]] === scores[order[start]]) end++;
    const rank = (start + end) / 2 + 1; // average of the 1-based ranks start+1 … end+1
    for (let k = start; k <= end; k++) {
      if (positive[order[k]]) {
        positives++;
        rankSum += rank;
      }
    }
    start = end + 1;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return NaN;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/**
 * Multi-label ROC-AUC (as OGB's evaluator for ogbn-proteins): per task (column) over `nodes`, the
 * AUC of the scores against targets 0/1; a target NaN is missing and skipped; a task with one
 * class only among these nodes is skipped; the mean over the remaining tasks.
 */
export function rocAuc(scores: TensorValue, targets: TensorValue, nodes: NodeIds): number {
  const { rows, cols } = rowsOf(scores);
  if (targets.shape.length !== 2 || targets.shape[0] !== rows || targets.shape[1] !== cols) {
    throw new Error(`targets must have shape [${rows},${cols}] like the scores, got [${targets.shape.join(",")}]`);
  }
  let sum = 0;
  let tasks = 0;
  for (let task = 0; task < cols; task++) {
    const s: number[] = [];
    const pos: boolean[] = [];
    for (const node of nodes) {
      checkNode(node, rows);
      const y = targets.data[node * cols + task];
      if (Number.isNaN(y)) continue;
      if (y !== 0 && y !== 1) throw new Error(`target ${y} of node ${node}, task ${task} is not 0, 1 or NaN (missing)`);
      s.push(scores.data[node * cols + task]);
      pos.push(y === 1);
    }
    const auc = binaryAuc(s, pos);
    if (Number.isNaN(auc)) continue;
    sum += auc;
    tasks++;
  }
  return tasks === 0 ? NaN : sum / tasks;
}
