import { describe, expect, it } from "vitest";
import { uniform } from "../../compiler/ir/rng.js";
import type { RngValue, TensorValue } from "../../compiler/ir/values.js";
import { tensor, useGpu } from "./helpers.js";
import { firstDifference, runWords } from "./word-launch.js";
import { random, randomTensor } from "../support/tensors.js";

// The RNG ops must draw bit for bit what the interpreter draws (compiler/ir/rng.ts), so that a
// training step on the GPU equals the reference one: derived keys, dropout masks and dropout
// outputs are compared word for word, on tensors of over a million elements with counts that
// are and are not multiples of 4, including p values that f32 cannot represent.
const gpu = useGpu();

const rng = (a: number, b: number): RngValue => ({ kind: "rng", key: [a >>> 0, b >>> 0] });
const KEYS = [rng(0, 0), rng(42, 0), rng(0xdeadbeef, 0x12345678), rng(0xffffffff, 0xffffffff)];

describe("s.rng_fold", () => {
  it("derives the interpreter's keys for every key and salt, with one pipeline for all salts", async (ctx) => {
    const g = gpu(ctx);
    const before = g.pipelineCount;
    for (const key of KEYS) {
      for (const salt of [0, 1, 7, 0x80000000, 0xffffffff]) {
        const r = await runWords(g, { op: "s.rng_fold", inputs: [key], attrs: { salt } });
        expect(Array.from(r.actual), `key ${key.key} salt ${salt}`).toEqual(Array.from(r.expected));
      }
    }
    expect(g.pipelineCount - before).toBe(1);
  });

  it("folds in an i32 index (loop iterations), negative ones by their bits", async (ctx) => {
    for (const key of KEYS) {
      for (const i of [0, 1, 999, -1, -2147483648, 2147483647]) {
        const r = await runWords(gpu(ctx), { op: "s.rng_fold", inputs: [key, tensor("i32", [], [i])], attrs: { salt: 3 } });
        expect(Array.from(r.actual), `key ${key.key} index ${i}`).toEqual(Array.from(r.expected));
      }
    }
  });
});

describe("nn.dropout_mask, nn.dropout", () => {
  const x4 = randomTensor([1 << 20], random(1)); // 1,048,576: whole vec4s
  const xOdd = randomTensor([1_000_003], random(2)); // scalar lanes, a ragged last block
  const P = [0.1, 0.5, 0.7, 1 / 3];

  for (const op of ["nn.dropout_mask", "nn.dropout"]) {
    for (const x of [x4, xOdd]) {
      it(`${op} on ${x.data.length.toLocaleString("en")} elements equals the interpreter bit for bit`, async (ctx) => {
        for (const p of P) {
          const key = KEYS[P.indexOf(p)];
          const r = await runWords(gpu(ctx), { op, inputs: [x, key], attrs: { p } });
          expect(firstDifference(r.actual, r.expected), `p = ${p}`).toBe(-1);
        }
      });
    }
  }

  it("keeps about 1 − p of the elements, and every element at p = 0 and none at p = 1", async (ctx) => {
    for (const [p, low, high] of [[0, 1, 1], [0.25, 0.74, 0.76], [1, 0, 0]]) {
      const r = await runWords(gpu(ctx), { op: "nn.dropout_mask", inputs: [xOdd, KEYS[2]], attrs: { p } });
      expect(firstDifference(r.actual, r.expected)).toBe(-1);
      const kept = r.actual.reduce((n, w) => n + (w !== 0 ? 1 : 0), 0) / r.actual.length;
      expect(kept).toBeGreaterThanOrEqual(low);
      expect(kept).toBeLessThanOrEqual(high);
    }
  });

  it("drops a draw that lies between p and p rounded to f32, as the interpreter does", async (ctx) => {
    // A draw u ≥ 0.5 is a multiple of 2^-24, as are f32 values there: p = u + 2^-30 rounds to u
    // in f32, so comparing in f32 would keep element k, where the interpreter (u < p) drops it.
    const key = KEYS[1];
    let k = 0;
    while (uniform(key.key, k) < 0.5) k++;
    const p = uniform(key.key, k) + 2 ** -30;
    expect(Math.fround(p)).toBe(uniform(key.key, k));
    const r = await runWords(gpu(ctx), { op: "nn.dropout_mask", inputs: [x4, key], attrs: { p } });
    expect(firstDifference(r.actual, r.expected)).toBe(-1);
    expect(r.actual[k]).toBe(0);
  });

  it("reads a symbolic size from the uniform and splits grids over 65,535 workgroups", async (ctx) => {
    const x: TensorValue = randomTensor([70_001, 4], random(3));
    const r = await runWords(gpu(ctx), {
      op: "nn.dropout",
      inputs: [x, KEYS[3]],
      attrs: { p: 0.5 },
      types: [{ kind: "tensor", dtype: "f32", shape: ["N", 4] }, { kind: "rng" }],
      symbols: { N: 70_001 },
      emit: { workgroupSize: 1 },
    });
    expect(r.kernel.uniforms).toEqual(["total"]);
    expect(r.kernel.dispatch({ total: 280_004 }).y).toBeGreaterThan(1);
    expect(firstDifference(r.actual, r.expected)).toBe(-1);
  });
});
