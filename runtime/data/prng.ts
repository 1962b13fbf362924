/**
 * Deterministic pseudo-random numbers for data generation and splits: xoshiro128** (Blackman &
 * Vigna), its 128-bit state filled from the seed by splitmix64, the seeding its authors recommend.
 * Same seed ⇒ same stream on every platform (only 32-bit integer ops: Math.imul, >>>).
 */
export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spareNormal: number | undefined;

  /** `seed`: any safe integer (expanded by splitmix64), or a raw 4-word state (for reference tests). */
  constructor(seed: number | readonly [number, number, number, number]) {
    let words: readonly number[];
    if (typeof seed === "number") {
      if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be a safe integer, got ${seed}`);
      words = splitmix64Words(BigInt.asUintN(64, BigInt(seed)), 4);
    } else {
      words = seed;
    }
    [this.s0, this.s1, this.s2, this.s3] = words.map((w) => w | 0);
    // An all-zero state is the one fixed point of xoshiro; splitmix64 cannot produce it in practice,
    // but guard anyway so the generator can never get stuck.
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** Next uniform 32-bit unsigned integer. */
  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform float in [0, 1), 32 bits of resolution. */
  nextFloat(): number {
    return this.nextU32() / 4294967296;
  }

  /** Uniform integer in [0, n), unbiased (rejection of the short last bucket); 1 <= n <= 2^32. */
  nextInt(n: number): number {
    if (!(n >= 1 && n <= 4294967296) || !Number.isInteger(n)) throw new RangeError(`nextInt bound must be an integer in [1, 2^32], got ${n}`);
    const limit = 4294967296 - (4294967296 % n);
    let u = this.nextU32();
    while (u >= limit) u = this.nextU32();
    return u % n;
  }

  /** Standard normal variate (Box–Muller; the second value of each pair is kept for the next call). */
  nextNormal(): number {
    if (this.spareNormal !== undefined) {
      const z = this.spareNormal;
      this.spareNormal = undefined;
      return z;
    }
    const u1 = 1 - this.nextFloat(); // (0, 1]: log is finite
    const u2 = this.nextFloat();
    const r = Math.sqrt(-2 * Math.log(u1));
    this.spareNormal = r * Math.sin(2 * Math.PI * u2);
    return r * Math.cos(2 * Math.PI * u2);
  }

  /** Fisher–Yates shuffle in place. */
  shuffle(a: Int32Array): Int32Array {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.nextInt(i + 1);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

const MASK64 = (1n << 64n) - 1n;

/** `count` 32-bit words from splitmix64 (each 64-bit output split low word first). */
export function splitmix64Words(seed: bigint, count: number): number[] {
  const out: number[] = [];
  let state = seed;
  while (out.length < count) {
    state = (state + 0x9e3779b97f4a7c15n) & MASK64;
    let z = state;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
    z = z ^ (z >> 31n);
    out.push(Number(z & 0xffffffffn) | 0, Number(z >> 32n) | 0);
  }
  return out.slice(0, count);
}
