import { keyFromSeed, uniform } from "../../compiler/ir/rng.js";
import type { Dim, TensorType } from "../../compiler/ir/types.js";
import type { TensorValue } from "../../compiler/ir/values.js";

/** The type `f32[...shape]`. */
export const f32 = (...shape: Dim[]): TensorType => ({ kind: "tensor", dtype: "f32", shape });

/** Deterministic uniform numbers in [0, 1): a Philox stream (gnnc's own generator). */
export function random(seed: number): () => number {
  const key = keyFromSeed(seed);
  let counter = 0;
  return () => uniform(key, counter++);
}

/** Where a random tensor's values lie: uniform in [lo, hi), and a share `zeros` of exact zeros. */
export interface Spread {
  lo?: number;
  hi?: number;
  zeros?: number;
}

/** Plain uniform in [-1, 1), no exact zeros: finite differences must not sit on a kink (relu, abs, l1 at 0). */
export const UNIFORM: Spread = { lo: -1, hi: 1, zeros: 0 };

/**
 * An f32 tensor of values drawn from `rand`. By default a share of exact zeros reaches the 0
 * branches of relu, step, sign and the like.
 */
export function randomTensor(shape: readonly number[], rand: () => number, { lo = -2, hi = 2, zeros = 0.05 }: Spread = {}): TensorValue {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = Float32Array.from({ length: n }, () => (zeros > 0 && rand() < zeros ? 0 : lo + (hi - lo) * rand()));
  return { kind: "tensor", dtype: "f32", shape: [...shape], data };
}
