import { describe, it, expect } from "vitest";
import type { TensorValue } from "../../../compiler/ir/values.js";
import { accuracy, binaryAuc, macroF1, rocAuc } from "../../../runtime/train/index.js";

/** Metrics against hand-worked examples (the F1 and AUC ones checked with sklearn's definitions). */

const matrix = (rows: number[][]): TensorValue => ({
  kind: "tensor",
  dtype: "f32",
  shape: [rows.length, rows[0].length],
  data: Float32Array.from(rows.flat()),
});

// argmax per row: 1, 0, 2, 0 (a tie: the first index wins), 1, 0
const logits = matrix([
  [0.1, 0.9, 0.0],
  [2, 1, 0],
  [0, 0, 1],
  [1, 1, 0],
  [0, 3, 1],
  [5, 0, 0],
]);
const labels = Int32Array.from([1, 1, 2, 1, -1, 0]);

describe("accuracy", () => {
  it("is the fraction of labelled nodes whose argmax is their label", () => {
    expect(accuracy(logits, labels, [0, 1, 2, 3, 4])).toBe(0.5); // node 4 is unlabelled
    expect(accuracy(logits, labels, Int32Array.from([0, 2, 5]))).toBe(1);
    expect(accuracy(logits, labels, [1, 3])).toBe(0);
  });

  it("is NaN with no labelled node, and rejects bad node ids", () => {
    expect(accuracy(logits, labels, [4])).toBeNaN();
    expect(() => accuracy(logits, labels, [6])).toThrow("node id 6 is out of range for 6 rows");
  });
});

describe("macroF1", () => {
  it("averages per-class F1 over classes seen in truth or prediction", () => {
    // truth 1,1,2,1,0 / pred 1,0,2,0,0: F1 class 0 = 2/4, class 1 = 2/4, class 2 = 1
    expect(macroF1(logits, labels, [0, 1, 2, 3, 4, 5])).toBeCloseTo(2 / 3, 12);
  });

  it("excludes a class absent from both truth and prediction", () => {
    const wider = matrix([
      [0.1, 0.9, 0.0, -9],
      [2, 1, 0, -9],
      [0, 0, 1, -9],
      [1, 1, 0, -9],
      [0, 3, 1, -9],
      [5, 0, 0, -9],
    ]);
    expect(macroF1(wider, labels, [0, 1, 2, 3, 4, 5])).toBeCloseTo(2 / 3, 12);
  });

  it("counts a true class that is never predicted as F1 0 (zero_division = 0)", () => {
    // truth 0, 1 / pred 0, 0: class 0 has F1 2/3, class 1 has 0
    const l = matrix([
      [1, 0],
      [1, 0],
    ]);
    expect(macroF1(l, Int32Array.from([0, 1]), [0, 1])).toBeCloseTo(1 / 3, 12);
  });
});

describe("rocAuc", () => {
  it("averages per-task AUC, ties at half weight, skipping one-class tasks and missing targets", () => {
    const scores = matrix([
      [0.1, 0.5, 0.3, 0.3],
      [0.4, 0.5, 0.2, 100],
      [0.35, 0.2, 0.9, 0.2],
      [0.8, 0.9, 0.4, 0.9],
    ]);
    const targets = matrix([
      [0, 1, 1, 0],
      [0, 0, 1, NaN],
      [1, 0, 1, 1],
      [1, 1, 1, 1],
    ]);
    // task 0: 0.75 (sklearn's doc example); task 1: 3.5/4; task 2: one class, skipped; task 3: 1/2
    expect(rocAuc(scores, targets, [0, 1, 2, 3])).toBeCloseTo((0.75 + 0.875 + 0.5) / 3, 12);
    expect(rocAuc(scores, targets, [2])).toBeNaN(); // no task has both classes among these nodes
  });

  it("binaryAuc equals the pair-counting definition on data with many ties", () => {
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const scores = Array.from({ length: 60 }, () => Math.floor(next() * 8));
    const positive = scores.map((s) => next() < 0.2 + s / 10);
    let wins = 0;
    let pairs = 0;
    scores.forEach((sp, i) => {
      if (!positive[i]) return;
      scores.forEach((sn, j) => {
        if (positive[j]) return;
        pairs++;
        wins += sp > sn ? 1 : sp === sn ? 0.5 : 0;
      });
    });
    expect(binaryAuc(scores, positive)).toBeCloseTo(wins / pairs, 12);
  });

  it("rejects targets that are not 0, 1 or NaN", () => {
    expect(() => rocAuc(matrix([[0.5], [0.2]]), matrix([[2], [0]]), [0, 1])).toThrow(/target 2 of node 0, task 0/);
  });
});
