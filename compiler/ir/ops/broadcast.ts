import type { VjpBuilder } from "../spec.js";
import type { Dim } from "../types.js";
import { numel, reshapeTo, stridesOf, tensorTypeOf } from "./common.js";

/**
 * NumPy broadcasting. Shapes align on the right; two dims are compatible when equal or when one is 1.
 * Symbolic dims compare by identity, so `N` broadcasts with `N` or `1` but not with `M`.
 */

export type BroadcastResult = { shape: Dim[] } | { conflict: { a: Dim; b: Dim } };

export function broadcastShapes(a: readonly Dim[], b: readonly Dim[]): BroadcastResult {
  const rank = Math.max(a.length, b.length);
  const shape: Dim[] = new Array(rank);
  for (let k = 1; k <= rank; k++) {
    const da = k <= a.length ? a[a.length - k] : 1;
    const db = k <= b.length ? b[b.length - k] : 1;
    if (da === db || db === 1) shape[rank - k] = da;
    else if (da === 1) shape[rank - k] = db;
    else return { conflict: { a: da, b: db } };
  }
  return { shape };
}

/** Concrete broadcast; throws on incompatible sizes (infer has already checked the symbolic form). */
export function broadcastConcrete(a: readonly number[], b: readonly number[]): number[] {
  const r = broadcastShapes(a, b);
  if ("conflict" in r) throw new Error(`cannot broadcast [${a.join(",")}] with [${b.join(",")}]`);
  return r.shape as number[];
}

/**
 * For each element of `outShape` (row-major), the flat index of the element of an operand of
 * shape `inShape` that broadcasts onto it. Undefined when no broadcasting happens (identity map).
 */
export function broadcastIndex(inShape: readonly number[], outShape: readonly number[]): Int32Array | undefined {
  const n = numel(outShape);
  if (inShape.length === outShape.length && inShape.every((d, i) => d === outShape[i])) return undefined;
  const rank = outShape.length;
  const inStrides = stridesOf(inShape);
  // Stride of each output axis in the input: 0 where the input is broadcast (missing or size 1).
  const strides = new Array<number>(rank).fill(0);
  for (let k = 1; k <= inShape.length; k++) {
    if (inShape[inShape.length - k] !== 1) strides[rank - k] = inStrides[inShape.length - k];
  }
  const map = new Int32Array(n);
  const idx = new Array<number>(rank).fill(0);
  let offset = 0;
  for (let e = 0; e < n; e++) {
    map[e] = offset;
    // Increment the multi-index, carrying from the last axis.
    for (let ax = rank - 1; ax >= 0; ax--) {
      idx[ax]++;
      offset += strides[ax];
      if (idx[ax] < outShape[ax]) break;
      offset -= strides[ax] * idx[ax];
      idx[ax] = 0;
    }
  }
  return map;
}

/**
 * The gradient of a broadcast: sum `grad` (of the broadcast shape) over every axis along which an
 * operand of shape `target` was broadcast — the leading axes it lacks and its size-1 axes — and
 * reshape the sum back to `target`.
 */
export function sumToShape(b: VjpBuilder, grad: number, target: readonly Dim[]): number {
  const shape = tensorTypeOf(b, grad).shape;
  const lead = shape.length - target.length;
  const axes: number[] = [];
  shape.forEach((d, k) => {
    if (k < lead || (target[k - lead] === 1 && d !== 1)) axes.push(k);
  });
  const summed = axes.length > 0 ? b.emit("t.sum", [grad], { axes, keepdims: false }) : grad;
  return reshapeTo(b, summed, target);
}
