import type { Dim } from "../types.js";
import type { FloatPrecision, TensorValue } from "../values.js";
import { alloc, numel } from "./common.js";

/**
 * Helpers of the loss and optimizer ops: shape equality, and float results allocated in the run's
 * precision, so that the interpreter's f64 mode stays f64 end to end.
 */

/** Same-shaped dims, compared as the verifier does (symbols by identity). */
export function sameShape(a: readonly Dim[], b: readonly Dim[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * A fresh float tensor of `like`'s dtype: stored as the run's `precision` asks when it says, else
 * with the same array type as `like`'s data (so f64 inputs give f64 results either way).
 */
export function floatLike(like: TensorValue, shape: readonly number[], precision?: FloatPrecision): TensorValue {
  if (precision) return alloc(like.dtype, shape, precision);
  const Ctor = like.data.constructor as new (n: number) => TensorValue["data"];
  return { kind: "tensor", dtype: like.dtype, shape: [...shape], data: new Ctor(numel(shape)) };
}
