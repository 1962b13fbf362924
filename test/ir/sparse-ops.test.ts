import { describe, expect, it } from "vitest";
import { keyFromSeed } from "../../compiler/ir/rng.js";
import { selectionCount } from "../../compiler/ir/ops/sparse-select.js";
import { patternArrays } from "../../compiler/ir/ops/sparse-matmul.js";
import type { TensorValue } from "../../compiler/ir/values.js";
import { runTensorOp } from "../support/one-op.js";
import { random, randomTensor } from "../support/tensors.js";
import { expectAllClose } from "../support/allclose.js";

/**
 * The reference semantics of the sparse-weight ops (sp.*): which positions a selection picks
 * (ranked by |score|, ties to the lower index, per slice, counts in f32), the compressed pattern's
 * layout, and the pattern products against dense products of masked weights.
 */

const t = (shape: number[], data: number[]): TensorValue => ({ kind: "tensor", dtype: "f32", shape, data: Float32Array.from(data) });
const scalar = (v: number) => t([], [v]);
const ones = (shape: number[]) => t(shape, new Array(shape.reduce((a, b) => a * b, 1)).fill(1));
const nonZeros = (v: TensorValue) => [...v.data].flatMap((x, k) => (x !== 0 ? [k] : []));

describe("sp.drop", () => {
  it("keeps the largest magnitudes among the active positions, ties to the lower index", () => {
    const x = t([2, 3], [3, -1, 2, 0.5, -4, -3]);
    const m = t([2, 3], [1, 1, 1, 1, 1, 0]); // -3 at 5 is inactive
    expect(nonZeros(runTensorOp("sp.drop", [x, m], { keep: 2 }))).toEqual([0, 4]);
    // |3| at 0 and |-3| at 5 tie once both are active: the lower index stays.
    expect(nonZeros(runTensorOp("sp.drop", [x, ones([2, 3])], { keep: 2 }))).toEqual([0, 4]);
    expect(nonZeros(runTensorOp("sp.drop", [x, ones([2, 3])], { keep: 3 }))).toEqual([0, 4, 5]);
  });

  it("counts keep + floor(f32(scale · frac)), clamped to the active positions", () => {
    expect(selectionCount(10, -10, 0.25)).toBe(7);
    // f32(1/3)·(−3) is −1.00000003 in f64 but rounds to −1 in f32: one goes, not two.
    expect(selectionCount(3, -3, 1 / 3)).toBe(2);
    expect(selectionCount(10, -10, 0.3)).toBe(7);
    const x = randomTensor([4, 5], random(1));
    const m = t([4, 5], [...new Array(20)].map((_, k) => (k % 2 ? 1 : 0)));
    expect(nonZeros(runTensorOp("sp.drop", [x, m, scalar(0.25)], { keep: 10, scale: -10 }))).toHaveLength(7);
    expect(nonZeros(runTensorOp("sp.drop", [x, m], { keep: 50 }))).toEqual(nonZeros(m));
    expect(nonZeros(runTensorOp("sp.drop", [x, m, scalar(2)], { keep: 0, scale: -10 }))).toEqual([]);
  });

  it("selects within each layer of a stacked weight", () => {
    const x = t([2, 2, 2], [1, 5, 2, 3, 9, 8, 7, 6]);
    expect(nonZeros(runTensorOp("sp.drop", [x, ones([2, 2, 2])], { keep: 1 }))).toEqual([1, 4]);
  });
});

describe("sp.grow", () => {
  it("adds the inactive positions of largest |score| until each slice has `total`", () => {
    const m = t([2, 3], [1, 0, 0, 0, 1, 0]);
    const g = t([2, 3], [100, -0.5, 0.1, 7, 50, -0.2]);
    expect([...runTensorOp("sp.grow", [m, g], { total: 4 }).data]).toEqual([1, 1, 0, 1, 1, 0]);
    // Already full enough: nothing is added (and nothing removed).
    expect([...runTensorOp("sp.grow", [m, g], { total: 1 }).data]).toEqual([...m.data]);
  });

  it("grows at random from an rng key: exactly `total` per slice, the same draws for the same key", () => {
    const empty = t([3, 10, 10], new Array(300).fill(0));
    const a = runTensorOp("sp.grow", [empty, { kind: "rng", key: keyFromSeed(4) }], { total: 17 });
    const b = runTensorOp("sp.grow", [empty, { kind: "rng", key: keyFromSeed(4) }], { total: 17 });
    const c = runTensorOp("sp.grow", [empty, { kind: "rng", key: keyFromSeed(5) }], { total: 17 });
    for (let s = 0; s < 3; s++) expect(nonZeros(t([100], [...a.data.slice(s * 100, s * 100 + 100)]))).toHaveLength(17);
    expect([...a.data]).toEqual([...b.data]);
    expect([...a.data]).not.toEqual([...c.data]);
  });
});

describe("sp.topk and sp.mask", () => {
  it("projects onto the largest magnitudes per slice, keeping their values", () => {
    expect([...runTensorOp("sp.topk", [t([2, 3], [0.5, -2, 1, 3, 0, -1])], { keep: 2 }).data]).toEqual([0, -2, 0, 3, 0, 0]);
    expect([...runTensorOp("sp.mask", [t([3], [1, 2, 3]), t([3], [1, 0, 1])]).data]).toEqual([1, 0, 3]);
  });
});

describe("sp.pattern and the pattern products", () => {
  const mask = t([3, 4], [1, 0, 0, 1, 0, 0, 0, 0, 0, 1, 1, 0]);

  it("lays out CSR then CSC, ascending, padded to the capacity", () => {
    const p = runTensorOp("sp.pattern", [mask], { nnz: 5 });
    expect(p.dtype).toBe("i32");
    const a = patternArrays(p.data, 3, 4, 5);
    expect([...a.rowptr]).toEqual([0, 2, 2, 4]);
    expect([...a.cols]).toEqual([0, 3, 1, 2, 0]);
    expect([...a.colptr]).toEqual([0, 1, 2, 3, 4]);
    expect([...a.rows]).toEqual([0, 2, 2, 0, 0]);
    expect(() => runTensorOp("sp.pattern", [mask], { nnz: 3 })).toThrow(/4 non-zeros, more than its capacity 3/);
  });

  it("multiply like dense products of the masked weight", () => {
    const rand = random(7);
    const [rows, cols, n] = [6, 9, 5];
    const m = t([rows, cols], [...new Array(rows * cols)].map(() => (rand() < 0.3 ? 1 : 0)));
    const nnz = nonZeros(m).length;
    const w = randomTensor([rows, cols], rand);
    const wm = runTensorOp("sp.mask", [w, m]);
    const p = runTensorOp("sp.pattern", [m], { nnz });
    const a = randomTensor([n, cols], rand);
    const y = randomTensor([n, rows], rand);
    expectAllClose(runTensorOp("sp.matmul", [a, w, p], { nnz, transB: true }), runTensorOp("t.matmul", [a, wm], { transB: true }));
    expectAllClose(runTensorOp("sp.matmul", [y, w, p], { nnz, transB: false }), runTensorOp("t.matmul", [y, wm]));
    const dense = runTensorOp("t.matmul", [y, a], { transA: true });
    expectAllClose(runTensorOp("sp.sddmm", [y, a, p], { nnz }), runTensorOp("sp.mask", [dense, m]));
  });
});
