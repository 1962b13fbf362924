import { describe, it, expect } from "vitest";
import { foldKey, hashName, keyFromSeed, philox4x32, uniform, uniformFill } from "../../compiler/ir/rng.js";

// Random123 tests/kat_vectors, the three "philox4x32 10" lines: counter[4] key[2] -> output[4].
const KAT: Array<[number[], [number, number], number[]]> = [
  [[0, 0, 0, 0], [0, 0], [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8]],
  [
    [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff],
    [0xffffffff, 0xffffffff],
    [0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd],
  ],
  [
    [0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344],
    [0xa4093822, 0x299f31d0],
    [0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1],
  ],
];

describe("Philox4x32-10", () => {
  it("matches the Random123 known-answer vectors", () => {
    for (const [ctr, key, expected] of KAT) expect(philox4x32(ctr, key)).toEqual(expected);
  });

  it("uniform draws lie in [0,1), use lane counter%4 of block counter/4, and are 24-bit", () => {
    const key: [number, number] = [1234, 5678];
    const block = philox4x32([1, 0, 0, 0], key);
    for (let lane = 0; lane < 4; lane++) expect(uniform(key, 4 + lane)).toBe((block[lane] >>> 8) / 2 ** 24);
    const big = 4 * 2 ** 33 + 2; // block index above 2^32 uses the high counter word
    expect(uniform(key, big)).toBe((philox4x32([0, 2, 0, 0], key)[2] >>> 8) / 2 ** 24);
    const xs = new Float64Array(20000);
    uniformFill(key, xs);
    for (let k = 0; k < 50; k++) expect(xs[k]).toBe(uniform(key, k));
    let sum = 0;
    let bad = 0;
    for (const x of xs) {
      if (!(x >= 0 && x < 1 && Number.isInteger(x * 2 ** 24))) bad++;
      sum += x;
    }
    expect(bad).toBe(0);
    expect(Math.abs(sum / xs.length - 0.5)).toBeLessThan(0.01);
  });

  it("folded keys are deterministic and differ per salt and parent", () => {
    const k = keyFromSeed(42);
    expect(foldKey(k, 7)).toEqual(foldKey(k, 7));
    expect(foldKey(k, 7)).not.toEqual(foldKey(k, 8));
    expect(foldKey(keyFromSeed(43), 7)).not.toEqual(foldKey(k, 7));
    expect(uniform(foldKey(k, 1), 0)).not.toBe(uniform(k, 0));
  });

  it("seeds above 2^32 use the high key word; names hash stably", () => {
    expect(keyFromSeed(2 ** 32 + 5)).toEqual([5, 1]);
    expect(hashName("conv1.lin.weight")).toBe(hashName("conv1.lin.weight"));
    expect(hashName("a")).not.toBe(hashName("b"));
    expect(hashName("")).toBe(0x811c9dc5);
  });
});
