import { describe, expect, it } from "vitest";
import { checkOp, randomInts, runBoth, tensor, useGpu } from "./helpers.js";
import { random, randomTensor } from "../support/tensors.js";
import { expectAllClose } from "../support/allclose.js";

// t.sum / t.mean / t.max against the interpreter: every kind of axis set (merged runs, strided
// and contiguous lines, whole tensors), integers, keepdims, long lines and columns (teams of 256),
// empty lines, symbolic sizes and a grid over 65,535 workgroups.
const gpu = useGpu();

const KINDS = ["t.sum", "t.mean", "t.max"] as const;
/** Strided lines (0), lines inside a row (1), contiguous ones (-1), two runs apart (0, 2), everything. */
const AXES: number[][] = [[0], [1], [-1], [0, 2], [0, 1, 2]];

describe("t.sum, t.mean, t.max", () => {
  const x = randomTensor([6, 7, 9], random(1));
  const quads = randomTensor([5, 6, 3, 8], random(10));
  quads.data[8 * 7 + 5] = NaN; // one column's max is NaN, its neighbours' are not

  for (const op of KINDS) {
    it(`${op} over every axis set of a [6,7,9] tensor`, async (ctx) => {
      for (const axes of AXES) {
        await checkOp(gpu(ctx), { op, inputs: [x], attrs: { axes, keepdims: axes.length === 1 } });
      }
    });

    it(`${op} four side-by-side columns at a time (vec4 lines)`, async (ctx) => {
      for (const axes of [[0], [0, 2], [1, 2]]) {
        const r = await checkOp(gpu(ctx), { op, inputs: [quads], attrs: { axes } });
        expect(r.kernel.name).toMatch(/_across4$/);
      }
    });

    // Sums wrap modulo 2³² as the interpreter's stores do; means are exact while the sum fits in 32 bits.
    it(`${op} over i32 and u32 exactly`, async (ctx) => {
      const big = op === "t.mean" ? 400_000_000 : 2_000_000_000;
      const ints = randomInts("i32", [5, 33], random(2), -big, big);
      const uints = randomInts("u32", [5, 8], random(3), 0, 2 * big);
      const rows = randomInts("i32", [3, 16], random(12), -big, big);
      // Strided scalar lines, side-by-side columns (across4) and vec4 rows (along4).
      for (const [v, axes] of [[ints, [0]], [uints, [0]], [rows, [1]]] as const) {
        const r = await runBoth(gpu(ctx), { op, inputs: [v], attrs: { axes: [...axes] } });
        expect(Array.from(r.actual.data), v.dtype).toEqual(Array.from(r.expected.data));
      }
    });

    it(`${op} along rows in vec4s`, async (ctx) => {
      for (const [shape, axes] of [[[7, 12], [1]], [[3, 5, 8], [1, 2]]]) {
        const r = await checkOp(gpu(ctx), { op, inputs: [randomTensor(shape, random(11))], attrs: { axes } });
        expect(r.kernel.name).toMatch(/_along4$/);
      }
    });

    it(`${op} down a column of 200,000 rows and along a row of 100,000`, async (ctx) => {
      const tall = randomTensor([200_000, 4], random(4));
      const r = await runBoth(gpu(ctx), { op, inputs: [tall], attrs: { axes: [0] } });
      // f32 folding of 200k terms: about √n·ε relative to the terms' scale.
      expectAllClose(r.actual, r.expected, { atol: 1e-3, rtol: 1e-4 });
      const wide = randomTensor([3, 100_000], random(5));
      const w = await runBoth(gpu(ctx), { op, inputs: [wide], attrs: { axes: [1] } });
      expectAllClose(w.actual, w.expected, { atol: 1e-3, rtol: 1e-4 });
    });
  }

  it("gives 0 (sum), NaN (mean) and −Inf (max) for empty lines", async (ctx) => {
    const empty = tensor("f32", [0, 4], []);
    const want = { "t.sum": 0, "t.mean": NaN, "t.max": -Infinity };
    for (const op of KINDS) {
      const r = await checkOp(gpu(ctx), { op, inputs: [empty], attrs: { axes: [0] } });
      expect(Array.from(r.actual.data)).toEqual([want[op], want[op], want[op], want[op]]);
    }
  });

  it("propagates NaN through t.max wherever it sits in a line", async (ctx) => {
    const v = randomTensor([4, 300], random(6));
    v.data[5] = NaN;
    v.data[300 + 299] = NaN;
    const r = await checkOp(gpu(ctx), { op: "t.max", inputs: [v], attrs: { axes: [1] } });
    expect(Number.isNaN(r.actual.data[0]) && Number.isNaN(r.actual.data[1])).toBe(true);
  });

  it("takes symbolic sizes from the uniform", async (ctx) => {
    const v = randomTensor([1000, 12], random(7));
    const r = await checkOp(gpu(ctx), {
      op: "t.sum",
      inputs: [v],
      attrs: { axes: [0] },
      types: [{ kind: "tensor", dtype: "f32", shape: ["N", 12] }],
      symbols: { N: 1000 },
    });
    expect(r.kernel.uniforms).toEqual(["d0", "len"]); // the column's length; the 12 lines are baked in
  });

  it("caps teams at the requested workgroup size, and splits grids over 65,535 workgroups", async (ctx) => {
    const v = randomTensor([40, 1000], random(8));
    const small = await checkOp(gpu(ctx), { op: "t.mean", inputs: [v], attrs: { axes: [1] }, emit: { workgroupSize: 4 } });
    expect(small.kernel.workgroupSize[0]).toBe(4);
    const many = randomTensor([65_600, 3], random(9));
    const r = await checkOp(gpu(ctx), { op: "t.sum", inputs: [many], attrs: { axes: [1] }, emit: { workgroupSize: 1 } });
    expect(r.kernel.dispatch({ d0: 65_600, d1: 3, lines: 65_600, len: 3 })).toEqual({ x: 32_800, y: 2, z: 1 });
  });
});
