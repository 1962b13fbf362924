/**
 * Philox4x32-10 (Salmon et al., SC'11), the counter-based generator behind every random draw in gnnc.
 * Counter-based means a draw is a pure function of (key, counter): recomputation, the reference
 * interpreter and the WGSL kernels all see the same numbers. The WGSL backend reimplements exactly
 * the functions in this file, so their bit-level contracts are spelled out below.
 */

export type RngKey = readonly [number, number];
export type PhiloxBlock = [number, number, number, number];

const M0 = 0xd2511f53;
const M1 = 0xcd9e8d57;
const W0 = 0x9e3779b9;
const W1 = 0xbb67ae85;

/** High 32 bits of the 64-bit product of two u32s, via 16-bit limbs (doubles cannot hold 64 bits). */
function mulHi(a: number, b: number): number {
  const aHi = a >>> 16;
  const aLo = a & 0xffff;
  const bHi = b >>> 16;
  const bLo = b & 0xffff;
  const loLo = aLo * bLo;
  const loHi = aLo * bHi;
  const hiLo = aHi * bLo;
  const carry = ((loLo >>> 16) + (loHi & 0xffff) + (hiLo & 0xffff)) >>> 16;
  return (aHi * bHi + (loHi >>> 16) + (hiLo >>> 16) + carry) >>> 0;
}

/** The Philox4x32 bijection with `rounds` rounds (10 is the standard, crush-resistant choice). */
export function philox4x32(counter: readonly number[], key: RngKey, rounds = 10): PhiloxBlock {
  let c0 = counter[0] >>> 0;
  let c1 = counter[1] >>> 0;
  let c2 = counter[2] >>> 0;
  let c3 = counter[3] >>> 0;
  let k0 = key[0] >>> 0;
  let k1 = key[1] >>> 0;
  for (let r = 0; r < rounds; r++) {
    if (r > 0) {
      k0 = (k0 + W0) >>> 0;
      k1 = (k1 + W1) >>> 0;
    }
    const hi0 = mulHi(M0, c0);
    const lo0 = Math.imul(M0, c0) >>> 0;
    const hi1 = mulHi(M1, c2);
    const lo1 = Math.imul(M1, c2) >>> 0;
    c0 = (hi1 ^ c1 ^ k0) >>> 0;
    c1 = lo1;
    c2 = (hi0 ^ c3 ^ k1) >>> 0;
    c3 = lo0;
  }
  return [c0, c1, c2, c3];
}

const TWO_POW_32 = 0x1_0000_0000;

/**
 * Draw number `counter` (an integer in [0, 2^53)) of the stream `key`, uniform in [0, 1).
 * Contract: block b = floor(counter / 4) is encrypted as the counter words [lo32(b), hi32(b), 0, 0];
 * lane counter % 4 of the output is used, and its top 24 bits become the float (exact in f32).
 * Four consecutive draws share one Philox call, so a GPU thread can take a whole vec4.
 */
export function uniform(key: RngKey, counter: number): number {
  const block = Math.floor(counter / 4);
  const out = philox4x32([block % TWO_POW_32, Math.floor(block / TWO_POW_32), 0, 0], key);
  return (out[counter % 4] >>> 8) / 16777216;
}

/** Fill `out[k] = uniform(key, start + k)`, computing each Philox block once. */
export function uniformFill(key: RngKey, out: Float64Array | Float32Array, start = 0): void {
  let cachedBlock = -1;
  let words: PhiloxBlock = [0, 0, 0, 0];
  for (let k = 0; k < out.length; k++) {
    const c = start + k;
    const block = Math.floor(c / 4);
    if (block !== cachedBlock) {
      words = philox4x32([block % TWO_POW_32, Math.floor(block / TWO_POW_32), 0, 0], key);
      cachedBlock = block;
    }
    out[k] = (words[c % 4] >>> 8) / 16777216;
  }
}

/**
 * Derive an independent key from `key` and a u32 `salt`: the first two words of Philox applied to
 * the counter [salt, 0, 0, 1]. The last counter word is 1 here and 0 in every `uniform` draw (for
 * counters below 2^66), so derived keys never coincide with a stream's own draws.
 */
export function foldKey(key: RngKey, salt: number): [number, number] {
  const out = philox4x32([salt >>> 0, 0, 0, 1], key);
  return [out[0], out[1]];
}

/** The root key of a run from a user seed (a non-negative integer below 2^53). */
export function keyFromSeed(seed: number): [number, number] {
  return [seed % TWO_POW_32 >>> 0, Math.floor(seed / TWO_POW_32) >>> 0];
}

/** FNV-1a over UTF-16 code units: a stable u32 salt for a name (parameter initialisation). */
export function hashName(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}
