import type { InferError } from "../spec.js";
import { formatType, isFloatDType } from "../type-utils.js";
import type { Dim, TensorType, Type } from "../types.js";
import type { TensorValue } from "../values.js";
import { fail, tensorAt } from "./common.js";
import { sameShape } from "./float-like.js";

/**
 * Helpers shared by the loss ops: operand checks for `infer` and the weights of a masked mean.
 */

/**
 * Operand `i` as a mask: bool (0/1) or float (a weight per node or element), of one of the
 * `allowed` shapes (listed in the message when it matches none).
 */
export function maskAt(inputs: readonly Type[], i: number, allowed: readonly (readonly Dim[])[]): TensorType | InferError {
  const m = tensorAt(inputs, i, "mask");
  if ("error" in m) return m;
  if (m.dtype !== "bool" && !isFloatDType(m.dtype)) return fail(`mask must be bool or float, got ${formatType(m)}`, [i]);
  if (!allowed.some((s) => sameShape(s, m.shape))) {
    const shapes = allowed.map((s) => `[${s.join(",")}]`).join(" or ");
    return fail(`mask must have shape ${shapes}, got ${formatType(m)}`, [0, i]);
  }
  return m;
}

/** Operand `i` must be a scalar of the given float dtype (the cotangent of a loss, say). */
export function scalarAt(inputs: readonly Type[], i: number, role: string, dtype: string): TensorType | InferError {
  const t = tensorAt(inputs, i, role);
  if ("error" in t) return t;
  if (t.dtype !== dtype || t.shape.length !== 0) return fail(`${role} must be a scalar ${dtype}[], got ${formatType(t)}`, [i]);
  return t;
}

/** The weights of a masked mean and their sum: weight k multiplies term k, the mean divides by `total`. */
export interface MeanWeights {
  weights: Float64Array;
  total: number;
}

/**
 * One weight per term (`terms` of them, `perRow` per leading index): the mask's value (bool → 0/1,
 * float as given; a per-row mask is shared by that row's terms), times `keep(row)` (0 for ignored
 * labels). No mask means weight 1.
 */
export function meanWeights(terms: number, perRow: number, mask?: TensorValue, keep?: (row: number) => boolean): MeanWeights {
  const weights = new Float64Array(terms);
  const perRowMask = mask !== undefined && mask.data.length * perRow === terms && perRow !== 1;
  let total = 0;
  for (let k = 0; k < terms; k++) {
    const row = Math.floor(k / perRow);
    if (keep && !keep(row)) continue;
    const w = mask === undefined ? 1 : mask.data[perRowMask ? row : k];
    weights[k] = w;
    total += w;
  }
  return { weights, total };
}

/**
 * Labels as class ids in [0, classes) or −1 (ignored, as PyTorch's ignore_index); anything else is
 * an error here rather than a silent out-of-bounds read.
 */
export function checkLabels(labels: TensorValue, classes: number): void {
  for (let i = 0; i < labels.data.length; i++) {
    const l = labels.data[i];
    if (l !== -1 && !(l >= 0 && l < classes)) {
      throw new Error(`label ${l} of row ${i} is out of range: expected a class in [0, ${classes}) or −1 (ignored)`);
    }
  }
}
