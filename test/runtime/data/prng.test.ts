import { describe, expect, it } from "vitest";
import { Rng, splitmix64Words } from "../../../runtime/data/prng.js";

// Reference outputs computed with the published C implementations of xoshiro128** and splitmix64.
describe("Rng", () => {
  it("matches xoshiro128** from state (1, 2, 3, 4)", () => {
    const rng = new Rng([1, 2, 3, 4]);
    expect(Array.from({ length: 6 }, () => rng.nextU32())).toEqual([11520, 0, 5927040, 70819200, 2031721883, 1637235492]);
  });

  it("seeds through splitmix64", () => {
    const words = splitmix64Words(0n, 6);
    const hex = (lo: number, hi: number) => ((BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0)).toString(16).padStart(16, "0");
    expect([hex(words[0], words[1]), hex(words[2], words[3]), hex(words[4], words[5])]).toEqual([
      "e220a8397b1dcdaf",
      "6e789e6aa1b965f4",
      "06c45d188009454f",
    ]);
    const rng = new Rng(42);
    expect(Array.from({ length: 4 }, () => rng.nextU32())).toEqual([1776835114, 4165204688, 17111135, 2317295270]);
  });

  it("is deterministic per seed and differs across seeds", () => {
    const draw = (seed: number) => {
      const r = new Rng(seed);
      return Array.from({ length: 8 }, () => r.nextU32());
    };
    expect(draw(7)).toEqual(draw(7));
    expect(draw(7)).not.toEqual(draw(8));
  });

  it("draws bounded integers uniformly and normals with mean 0, variance 1", () => {
    const rng = new Rng(3);
    const counts = new Array(6).fill(0);
    for (let i = 0; i < 60_000; i++) counts[rng.nextInt(6)]++;
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(400);
    let sum = 0;
    let sq = 0;
    const n = 50_000;
    for (let i = 0; i < n; i++) {
      const z = rng.nextNormal();
      sum += z;
      sq += z * z;
    }
    expect(Math.abs(sum / n)).toBeLessThan(0.02);
    expect(Math.abs(sq / n - 1)).toBeLessThan(0.03);
    expect(() => rng.nextInt(0)).toThrow(RangeError);
  });

  it("shuffles into a permutation", () => {
    const a = new Rng(1).shuffle(Int32Array.from({ length: 100 }, (_, i) => i));
    expect(Array.from(a).sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(Array.from(a)).not.toEqual(Array.from({ length: 100 }, (_, i) => i));
  });
});
