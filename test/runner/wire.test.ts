import { describe, expect, it } from "vitest";
import type { TensorValue } from "../../compiler/ir/values.js";
import { decode, encode, levelBits, wireBytes } from "../../runtime/runner/wire.js";

/** The wire between devices: f32 as is; a tensor on a level set as packed indices, decoded bit for bit. */

const tensor = (data: number[], shape = [data.length]): TensorValue => ({ kind: "tensor", dtype: "f32", shape, data: Float32Array.from(data) });

describe("the wire of a state entry", () => {
  it("sends f32 at 4 bytes a value", () => {
    const w = encode("x", tensor([1.5, -2, 3e-8], [3, 1]));
    expect(wireBytes(w)).toBe(12);
    expect(decode(w)).toEqual(tensor([1.5, -2, 3e-8], [3, 1]));
  });

  it("sends a quantised tensor as ⌈log2 |levels|⌉-bit indices and decodes it exactly", () => {
    const levels = Float32Array.from({ length: 22 }, (_, k) => k - 1); // {−1, 0, …, 20}
    expect(levelBits(levels)).toBe(5);
    const values = Array.from({ length: 1001 }, (_, k) => ((k * 7) % 22) - 1);
    const w = encode("p", tensor(values, [7, 143]), levels);
    expect(wireBytes(w)).toBe(Math.ceil((1001 * 5) / 8));
    expect(decode(w, levels)).toEqual(tensor(values, [7, 143]));
    // Levels that are not integers, one bit each, and the last level of a full code.
    const fine = Float32Array.from([0.1, 0.3]);
    const two = encode("q", tensor([0.1, 0.3, 0.3, 0.1].map(Math.fround)), fine);
    expect(wireBytes(two)).toBe(1);
    expect(decode(two, fine).data).toEqual(Float32Array.from([0.1, 0.3, 0.3, 0.1]));
  });

  it("refuses a value that is not on the level set, naming the entry and the element", () => {
    expect(() => encode("admm.l2.p", tensor([0, 1, 0.5]), Float32Array.from([0, 1, 2]))).toThrow("state entry admm.l2.p holds 0.5 at element 2, which is not on its level set");
  });
});
