import { describe, expect, it } from "vitest";
import { getOpSpec } from "../../../compiler/ir/ops/index.js";
import type { TensorValue } from "../../../compiler/ir/values.js";

// The interpreter's matmul skips exact zeros (sparse features); the answer must equal the plain
// triple loop in every transpose variant, and Inf/NaN must still propagate through zeros.
const matmul = getOpSpec("t.matmul")!;
const ctx = { runRegion: () => [] };

function rand(rows: number, cols: number, density: number, seed: number): TensorValue {
  const data = new Float32Array(rows * cols);
  let s = seed;
  const next = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
  for (let i = 0; i < data.length; i++) if (next() < density) data[i] = next() * 2 - 1;
  return { kind: "tensor", dtype: "f32", shape: [rows, cols], data };
}

function naive(a: TensorValue, b: TensorValue, tA: boolean, tB: boolean): number[] {
  const at = (t: TensorValue, r: number, c: number, tr: boolean) => (tr ? t.data[c * t.shape[1] + r] : t.data[r * t.shape[1] + c]);
  const [m, k] = tA ? [a.shape[1], a.shape[0]] : a.shape;
  const n = tB ? b.shape[0] : b.shape[1];
  const out: number[] = [];
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let acc = 0;
      for (let p = 0; p < k; p++) acc += at(a, i, p, tA) * at(b, p, j, tB);
      out.push(Math.fround(acc));
    }
  return out;
}

describe("t.matmul on sparse operands", () => {
  for (const [tA, tB] of [[false, false], [false, true], [true, false], [true, true]] as const) {
    it(`equals the plain loop (transA=${tA}, transB=${tB})`, () => {
      const a = tA ? rand(37, 23, 0.05, 1) : rand(23, 37, 0.05, 1);
      const b = tB ? rand(19, 37, 0.1, 2) : rand(37, 19, 0.1, 2);
      const got = matmul.interpret([a, b], { transA: tA, transB: tB }, ctx) as TensorValue;
      expect([...got.data].map((v) => v + 0)).toEqual(naive(a, b, tA, tB).map((v) => v + 0));
    });
  }

  it("still propagates NaN and Inf through zero terms", () => {
    const a = rand(4, 5, 0.3, 3);
    const b = rand(5, 3, 0.3, 4);
    a.data[0] = 0;
    b.data[0] = Infinity; // 0·Inf = NaN in row 0, column 0
    const got = matmul.interpret([a, b], {}, ctx) as TensorValue;
    expect(Number.isNaN(got.data[0])).toBe(true);
    const c = rand(4, 5, 0.3, 5);
    c.data[1] = NaN;
    const got2 = matmul.interpret([c, rand(5, 3, 0, 6)], {}, ctx) as TensorValue;
    expect(Number.isNaN(got2.data[0])).toBe(true);
  });
});
