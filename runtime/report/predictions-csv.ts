import type { TensorValue } from "../../compiler/ir/values.js";

/**
 * Per-node predictions as CSV: `node,prediction,p_0,…,p_{C-1}`, the class with the highest score
 * (the first one on a tie, as torch.argmax and the accuracy metric) and the softmax probabilities
 * to 6 significant digits.
 */

/** Shortest decimal text of `x` rounded to 6 significant digits (`0.25`, not `0.250000`). */
export function sixDigits(x: number): string {
  return Number.isFinite(x) ? String(Number(x.toPrecision(6))) : String(x);
}

/** The predicted class of every row of [N, C] scores. */
export function argmaxRows(scores: TensorValue): Int32Array {
  const [rows, cols] = scores.shape;
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let c = 1; c < cols; c++) if (scores.data[r * cols + c] > scores.data[r * cols + best]) best = c;
    out[r] = best;
  }
  return out;
}

/** Softmax of one row, in f64 and shifted by the row maximum so large logits do not overflow. */
function softmaxRow(data: ArrayLike<number>, at: number, cols: number): number[] {
  let max = -Infinity;
  for (let c = 0; c < cols; c++) max = Math.max(max, data[at + c]);
  const e: number[] = [];
  let sum = 0;
  for (let c = 0; c < cols; c++) sum += e[c] = Math.exp(data[at + c] - max);
  return e.map((v) => v / sum);
}

export function predictionsCsv(scores: TensorValue): string {
  if (scores.shape.length !== 2) throw new Error(`predictions need [N, C] scores, got shape [${scores.shape.join(", ")}]`);
  const [rows, cols] = scores.shape;
  const predicted = argmaxRows(scores);
  const lines = [["node", "prediction", ...Array.from({ length: cols }, (_, c) => `p_${c}`)].join(",")];
  for (let r = 0; r < rows; r++) lines.push([r, predicted[r], ...softmaxRow(scores.data, r * cols, cols).map(sixDigits)].join(","));
  return lines.join("\n") + "\n";
}
