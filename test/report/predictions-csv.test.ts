import { describe, expect, it } from "vitest";
import type { TensorValue } from "../../compiler/ir/values.js";
import { argmaxRows, predictionsCsv, sixDigits } from "../../runtime/report/index.js";

const scores = (rows: number[][]): TensorValue => ({ kind: "tensor", dtype: "f32", shape: [rows.length, rows[0].length], data: Float32Array.from(rows.flat()) });

describe("prediction CSVs", () => {
  it("write node, predicted class and softmax probabilities to 6 significant digits", () => {
    const csv = predictionsCsv(scores([[0, Math.log(3)], [2, 2], [1000, 0]]));
    expect(csv).toBe("node,prediction,p_0,p_1\n0,1,0.25,0.75\n1,0,0.5,0.5\n2,0,1,0\n");
  });

  it("round to 6 significant digits and keep probabilities summing to 1", () => {
    expect(sixDigits(1 / 3)).toBe("0.333333");
    expect(sixDigits(2 / 3)).toBe("0.666667");
    expect(sixDigits(1.23456789e-9)).toBe("1.23457e-9");
    expect(sixDigits(NaN)).toBe("NaN");
    const csv = predictionsCsv(scores([[0.1, 0.2, 0.3, -5]]));
    const probs = csv.trim().split("\n")[1].split(",").slice(2).map(Number);
    expect(probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
  });

  it("break ties towards the first class, as torch.argmax and the accuracy metric do", () => {
    expect([...argmaxRows(scores([[1, 1, 0], [0, 2, 2]]))]).toEqual([0, 1]);
    expect(() => predictionsCsv({ kind: "tensor", dtype: "f32", shape: [3], data: new Float32Array(3) })).toThrow("[N, C]");
  });
});
