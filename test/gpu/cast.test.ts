import { describe, expect, it } from "vitest";
import type { DType } from "../../compiler/ir/types.js";
import type { TensorValue } from "../../compiler/ir/values.js";
import { runBoth, useGpu } from "./helpers.js";

// t.cast between every pair of f32, i32, u32 and bool, exactly as the interpreter converts:
// truncation toward zero, wrap-around modulo 2³² beyond the integer range (not saturation), 0 for
// NaN and ±Inf, bits kept between i32 and u32, and bool as x ≠ 0. Every result is compared exactly.
const gpu = useGpu();

const DTYPES: DType[] = ["f32", "i32", "u32", "bool"];

/** Values at every boundary a conversion treats differently, for each source dtype. */
const VALUES: Record<string, number[]> = {
  f32: [
    0, -0, 0.5, -0.5, 1.75, -1.75, 2.5, -2.5, 16777216, 2147483520, -2147483520, 2147483648, -2147483648, 3e9, -3e9,
    4294967296, 4294967296 * 2.5, 1e20, -1e20, 3.4e38, NaN, Infinity, -Infinity, 1e-40, -1e-40, 123456.789, -98765.4321,
  ],
  i32: [0, 1, -1, 7, -7, 2147483647, -2147483648, 16777217, -16777217, 123456789, -123456789, 33554435],
  u32: [0, 1, 7, 4294967295, 2147483648, 2147483647, 16777217, 123456789, 3000000000, 33554435],
  bool: [0, 1, 1, 0, 1, 0, 0, 1, 1],
};

function values(dtype: DType): TensorValue {
  const data = VALUES[dtype];
  const arr =
    dtype === "f32" ? Float32Array.from(data) : dtype === "i32" ? Int32Array.from(data) : dtype === "u32" ? Uint32Array.from(data) : Uint8Array.from(data);
  return { kind: "tensor", dtype, shape: [data.length], data: arr };
}

/** Equal element for element, NaN matching NaN and −0 matching −0. */
function expectIdentical(actual: TensorValue, expected: TensorValue): void {
  expect(actual.dtype).toBe(expected.dtype);
  expect(Array.from(actual.data)).toEqual(Array.from(expected.data));
}

describe("t.cast", () => {
  for (const from of DTYPES) {
    it(`from ${from} to every dtype`, async (ctx) => {
      const x = values(from);
      for (const to of DTYPES) {
        const r = await runBoth(gpu(ctx), { op: "t.cast", inputs: [x], attrs: { dtype: to } });
        expectIdentical(r.actual, r.expected);
      }
    });
  }

  it("wraps large floats modulo 2³² into i32 and u32, as the interpreter's typed arrays do", async (ctx) => {
    const r = await runBoth(gpu(ctx), { op: "t.cast", inputs: [values("f32")], attrs: { dtype: "i32" } });
    expectIdentical(r.actual, r.expected);
    // 3e9 → 3e9 − 2³²: saturating conversions would give 2147483647 instead.
    expect(r.actual.data[VALUES.f32.indexOf(3e9)]).toBe(3e9 - 4294967296);
  });

  it("converts a symbolic-length tensor of many workgroups", async (ctx) => {
    const n = 100_003;
    const x: TensorValue = { kind: "tensor", dtype: "f32", shape: [n], data: Float32Array.from({ length: n }, (_, k) => (k - n / 2) * 0.37) };
    const r = await runBoth(gpu(ctx), {
      op: "t.cast",
      inputs: [x],
      attrs: { dtype: "i32" },
      types: [{ kind: "tensor", dtype: "f32", shape: ["N"] }],
      symbols: { N: n },
    });
    expectIdentical(r.actual, r.expected);
  });
});
