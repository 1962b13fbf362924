/**
 * The one selection rule behind the sparse-weight ops that pick positions (sp.drop, sp.grow,
 * sp.topk), written once so that the interpreter and the WGSL kernels agree bit for bit:
 *
 *  - A tensor of rank ≥ 2 is a stack of slices, each its last two dims (a stacked [L, out, in]
 *    weight has L); a selection picks within each slice. Rank < 2 is one slice.
 *  - Positions are ranked by the magnitude of their score: the f32 bits of the score with the sign
 *    bit cleared, read as a u32 (monotone in |score|; NaN ranks above ∞). Equal magnitudes rank the
 *    lower flat index first. The K best eligible positions are chosen.
 *  - A count K computed from a scalar input is `base + floor(f32(scale · frac))`, the product
 *    rounded to f32 first (one correctly rounded multiply on the GPU too), then clamped to
 *    [0, eligible positions in the slice].
 */

const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);

/** The ranking key of a score: its f32 bits without the sign bit. */
export function magnitudeKey(score: number): number {
  F32[0] = score;
  return U32[0] & 0x7fffffff;
}

/** Slices of a shape and the elements in each (the last two dims; rank < 2: one slice). */
export function sliceLayout(shape: readonly number[]): { slices: number; size: number } {
  if (shape.length < 2) return { slices: 1, size: shape.reduce((a, b) => a * b, 1) };
  const size = shape[shape.length - 1] * shape[shape.length - 2];
  const total = shape.reduce((a, b) => a * b, 1);
  return { slices: size === 0 ? 0 : total / size, size };
}

/** base + floor(f32(scale · frac)), before clamping. */
export function selectionCount(base: number, scale: number, frac: number): number {
  return base + Math.floor(Math.fround(scale * Math.fround(frac)));
}

/**
 * Flat indices (within [offset, offset + size)) of the `count` best eligible positions of one
 * slice, `count` clamped to the eligible positions there.
 */
export function selectBest(keys: ArrayLike<number>, eligible: (k: number) => boolean, offset: number, size: number, count: number): number[] {
  const candidates: number[] = [];
  for (let k = offset; k < offset + size; k++) if (eligible(k)) candidates.push(k);
  candidates.sort((a, b) => keys[b] - keys[a] || a - b);
  return candidates.slice(0, Math.max(0, Math.min(count, candidates.length)));
}
