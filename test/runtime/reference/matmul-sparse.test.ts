import { describe, expect, it } from "vitest";
import { getOpSpec } from "../../../compiler/ir/ops/index.js";
import type { TensorValue } from "../../../compiler/ir/values.js";
import { random, randomTensor } from "../../support/tensors.js";

// The interpreter's matmul skips exact zeros (sparse features); the answer must equal the plain
// triple loop in every transpose variant, and Inf/NaN must still propagate through zeros.
const matmul = getOpSpec("t.matmul")!;
const ctx = { runRegion: () => [] };

/** A rows × cols matrix with about `density` of its entries nonzero. */
const sparse = (rows: number, cols: number, density: number, seed: number) => randomTensor([rows, cols], random(seed), { lo: -1, hi: 1, zeros: 1 - density });

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
      const a = tA ? sparse(37, 23, 0.05, 1) : sparse(23, 37, 0.05, 1);
      const b = tB ? sparse(19, 37, 0.1, 2) : sparse(37, 19, 0.1, 2);
      const got = matmul.interpret([a, b], { transA: tA, transB: tB }, ctx) as TensorValue;
      expect([...got.data].map((v) => v + 0)).toEqual(naive(a, b, tA, tB).map((v) => v + 0));
    });
  }

  it("still propagates NaN and Inf through zero terms", () => {
    const a = sparse(4, 5, 0.3, 3);
    const b = sparse(5, 3, 0.3, 4);
    a.data[0] = 0;
    b.data[0] = Infinity; // 0·Inf = NaN in row 0, column 0
    const got = matmul.interpret([a, b], {}, ctx) as TensorValue;
    expect(Number.isNaN(got.data[0])).toBe(true);
    const c = sparse(4, 5, 0.3, 5);
    c.data[1] = NaN;
    const got2 = matmul.interpret([c, sparse(5, 3, 0, 6)], {}, ctx) as TensorValue;
    expect(Number.isNaN(got2.data[0])).toBe(true);
  });
});
