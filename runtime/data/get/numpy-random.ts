/**
 * NumPy's legacy `numpy.random.RandomState(seed)` — the Mersenne Twister MT19937 seeded with
 * `init_genrand`, and `permutation` as its Fisher–Yates `shuffle` draws (`random_interval`, masked
 * rejection on 32-bit words) — bit for bit, so that splits published as "numpy RandomState(0)
 * permutations" can be recomputed from the data instead of downloaded.
 */
export class NumpyRandomState {
  private readonly mt = new Uint32Array(624);
  private index = 624;

  constructor(seed: number) {
    if (!Number.isSafeInteger(seed) || seed < 0 || seed > 0xffffffff) throw new RangeError(`RandomState seed must be an integer in [0, 2^32), got ${seed}`);
    this.mt[0] = seed >>> 0;
    for (let i = 1; i < 624; i++) {
      const prev = this.mt[i - 1] ^ (this.mt[i - 1] >>> 30);
      // 1812433253 · prev + i, mod 2^32, in 16-bit halves (exact in doubles).
      this.mt[i] = ((((prev & 0xffff0000) >>> 16) * 1812433253) << 16) + (prev & 0x0000ffff) * 1812433253 + i;
    }
  }

  /** The next 32-bit output (genrand_int32). */
  nextUint32(): number {
    if (this.index >= 624) this.twist();
    let y = this.mt[this.index++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  private twist(): void {
    const mt = this.mt;
    for (let i = 0; i < 624; i++) {
      const y = (mt[i] & 0x80000000) | (mt[(i + 1) % 624] & 0x7fffffff);
      mt[i] = mt[(i + 397) % 624] ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
    }
    this.index = 0;
  }

  /** A uniform integer in [0, max] (numpy's random_interval, for max < 2^32). */
  interval(max: number): number {
    if (max === 0) return 0;
    let mask = max;
    for (const shift of [1, 2, 4, 8, 16]) mask |= mask >>> shift;
    for (;;) {
      const value = (this.nextUint32() & mask) >>> 0;
      if (value <= max) return value;
    }
  }

  /** `permutation(a)`: a shuffled copy, as numpy's shuffle draws it (i from the last down to 1). */
  permutation(a: ArrayLike<number>): Int32Array {
    const out = Int32Array.from(a);
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.interval(i);
      [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
  }
}
