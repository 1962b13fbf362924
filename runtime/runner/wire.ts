import type { TensorValue } from "../../compiler/ir/values.js";

/**
 * How a state entry travels between devices: f32 as it is, or — for a tensor that lies on a
 * level set (pdADMM-G-Q) — as each value's index in the set, packed at ⌈log2 |levels|⌉ bits.
 * Decoding reads the same f32 table, so a quantised tensor arrives bit for bit; a value that is
 * not on the set is an error, never rounded.
 */

export type Wire = { kind: "f32"; shape: number[]; data: Float32Array } | { kind: "levels"; shape: number[]; count: number; bits: number; packed: Uint8Array };

export function wireBytes(w: Wire): number {
  return w.kind === "f32" ? w.data.byteLength : w.packed.byteLength;
}

export function levelBits(levels: Float32Array): number {
  return Math.max(1, Math.ceil(Math.log2(levels.length)));
}

export function encode(name: string, t: TensorValue, levels?: Float32Array): Wire {
  if (t.dtype !== "f32") throw new Error(`state entry ${name} is ${t.dtype}: only f32 entries move between devices`);
  const data = t.data as Float32Array;
  if (!levels) return { kind: "f32", shape: [...t.shape], data };
  const index = new Map<number, number>();
  const bitsOf = new Uint32Array(levels.buffer, levels.byteOffset, levels.length);
  bitsOf.forEach((b, k) => index.set(b, k));
  const words = new Uint32Array(data.buffer, data.byteOffset, data.length);
  const bits = levelBits(levels);
  const packed = new Uint8Array(Math.ceil((data.length * bits) / 8));
  let at = 0;
  for (let e = 0; e < words.length; e++) {
    const k = index.get(words[e]);
    if (k === undefined) throw new Error(`state entry ${name} holds ${data[e]} at element ${e}, which is not on its level set`);
    for (let b = 0; b < bits; b++, at++) if ((k >>> b) & 1) packed[at >>> 3] |= 1 << (at & 7);
  }
  return { kind: "levels", shape: [...t.shape], count: data.length, bits, packed };
}

export function decode(w: Wire, levels?: Float32Array): TensorValue {
  if (w.kind === "f32") return { kind: "tensor", dtype: "f32", shape: w.shape, data: w.data };
  if (!levels) throw new Error("a quantised tensor arrived without its level set");
  const data = new Float32Array(w.count);
  let at = 0;
  for (let e = 0; e < w.count; e++) {
    let k = 0;
    for (let b = 0; b < w.bits; b++, at++) k |= ((w.packed[at >>> 3] >>> (at & 7)) & 1) << b;
    data[e] = levels[k];
  }
  return { kind: "tensor", dtype: "f32", shape: w.shape, data };
}
