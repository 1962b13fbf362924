import { expect } from "vitest";
import type { TensorValue } from "../../compiler/ir/values.js";

export interface Tolerance {
  atol?: number;
  rtol?: number;
}

/** A few f32 roundings: the interpreter's results against values worked out in double precision. */
export const ROUNDING: Tolerance = { atol: 1e-6, rtol: 1e-6 };

type Numbers = ArrayLike<number> | TensorValue;

const dataOf = (x: Numbers): ArrayLike<number> => ("kind" in x ? x.data : x);

/**
 * |actual − expected| ≤ atol + rtol·|expected| everywhere; NaN matches NaN and ±Inf only itself;
 * two tensors must also agree in shape. The defaults suit f32 kernels against the interpreter.
 * A failure names how many elements differ and the first of them.
 */
export function expectAllClose(actual: Numbers, expected: Numbers, { atol = 1e-5, rtol = 1e-4 }: Tolerance = {}): void {
  if ("kind" in actual && "kind" in expected) expect(actual.shape).toEqual(expected.shape);
  const a = dataOf(actual);
  const e = dataOf(expected);
  expect(a.length).toBe(e.length);
  let bad = 0;
  let first = "";
  for (let k = 0; k < e.length; k++) {
    const ok = Number.isNaN(e[k]) ? Number.isNaN(a[k]) : !Number.isFinite(e[k]) ? a[k] === e[k] : Math.abs(a[k] - e[k]) <= atol + rtol * Math.abs(e[k]);
    if (!ok && bad++ === 0) first = `element ${k}: got ${a[k]}, expected ${e[k]}`;
  }
  if (bad > 0) expect.fail(`${bad} of ${e.length} elements differ (atol ${atol}, rtol ${rtol}); first: ${first}`);
}
