import { describe, expect, it } from "vitest";
import type { TensorValue } from "../../compiler/ir/values.js";
import { randomInts, useGpu } from "./helpers.js";
import { runWords } from "./word-launch.js";
import { random, randomTensor } from "../support/tensors.js";

// Fills and copies word for word against the interpreter: every dtype's conversion of the fill
// value (truncation, wrap-around, bool, ±Inf, NaN, −0), counts that are not whole vec4s, and
// symbolic shapes.
const gpu = useGpu();

async function expectSameWords(ctx: Parameters<typeof gpu>[0], c: Parameters<typeof runWords>[1]): Promise<Uint32Array> {
  const r = await runWords(gpu(ctx), c);
  expect(Array.from(r.actual), `${c.op} ${JSON.stringify(c.attrs)}`).toEqual(Array.from(r.expected));
  return r.actual;
}

describe("t.full, t.const", () => {
  const CASES: [string, number[]][] = [
    ["f32", [0.1, -0, Infinity, -Infinity, NaN, 3.5e38]],
    ["i32", [-3.7, 3e9, -1, NaN]],
    ["u32", [-1, 7.9, 5e9]],
    ["bool", [0.5, 0, NaN]],
  ];
  for (const [dtype, values] of CASES) {
    it(`fills ${dtype} with ${values.join(", ")} as the interpreter converts them`, async (ctx) => {
      for (const value of values) {
        await expectSameWords(ctx, { op: "t.full", inputs: [], attrs: { value, dtype, shape: [3, 5] } });
        await expectSameWords(ctx, { op: "t.const", inputs: [], attrs: { value, dtype } });
      }
    });
  }

  it("fills 1,000,001 elements and a shape with a symbolic dimension", async (ctx) => {
    const big = await expectSameWords(ctx, { op: "t.full", inputs: [], attrs: { value: 2, shape: [1_000_001] } });
    expect(big.length).toBe(1_000_001);
    const r = await runWords(gpu(ctx), { op: "t.full", inputs: [], attrs: { value: -1.5, shape: ["N", 3] }, symbols: { N: 11 } });
    expect(r.kernel.uniforms).toEqual(["total", "word"]);
    expect(Array.from(new Float32Array(r.actual.buffer))).toEqual(new Array(33).fill(-1.5));
  });
});

describe("t.zeros_like, t.stop_gradient", () => {
  const operands: TensorValue[] = [
    randomTensor([7, 3], random(1)),
    randomInts("i32", [9], random(2), -100, 100),
    { kind: "tensor", dtype: "bool", shape: [6], data: Uint8Array.of(1, 0, 1, 1, 0, 1) },
  ];
  it("zeros_like gives zeros of the operand's dtype without reading it", async (ctx) => {
    for (const x of operands) {
      const words = await expectSameWords(ctx, { op: "t.zeros_like", inputs: [x] });
      expect(words.every((w) => w === 0)).toBe(true);
    }
  });

  it("stop_gradient copies f32, i32 and bool words exactly, and a tensor of 250,003 elements", async (ctx) => {
    for (const x of [...operands, randomTensor([250_003], random(3))]) {
      await expectSameWords(ctx, { op: "t.stop_gradient", inputs: [x] });
    }
  });
});
