import { describe, expect, it } from "vitest";
import type { TensorValue } from "../../compiler/ir/values.js";
import { expectAllClose, ROUNDING } from "./allclose.js";

const t = (shape: number[], data: number[]): TensorValue => ({ kind: "tensor", dtype: "f32", shape, data: Float32Array.from(data) });

describe("expectAllClose", () => {
  it("accepts values within atol + rtol·|expected|, NaN for NaN and an infinity for itself", () => {
    expectAllClose([1 + 1e-6, 100 + 5e-3, NaN, Infinity], [1, 100, NaN, Infinity]);
    expectAllClose([2 + 1.9e-6], [2], ROUNDING);
  });

  it("fails past the tolerance, naming how many elements differ and the first", () => {
    expect(() => expectAllClose([1, 2.1, 3.1], [1, 2, 3])).toThrow(/2 of 3 elements differ .*first: element 1: got 2.1, expected 2/);
    expect(() => expectAllClose([2 + 4e-6], [2], ROUNDING)).toThrow(/1 of 1/);
    expect(() => expectAllClose([1], [NaN])).toThrow(/element 0/);
    expect(() => expectAllClose([1e38], [Infinity])).toThrow(/element 0/);
  });

  it("fails on a different length, and on tensors of a different shape", () => {
    expect(() => expectAllClose([1, 2], [1, 2, 3])).toThrow();
    expect(() => expectAllClose(t([2, 3], [1, 2, 3, 4, 5, 6]), t([3, 2], [1, 2, 3, 4, 5, 6]))).toThrow();
    expectAllClose(t([2, 3], [1, 2, 3, 4, 5, 6]), t([2, 3], [1, 2, 3, 4, 5, 6]));
  });
});
