import { describe, expect, it } from "vitest";
import { checkOp, useGpu } from "./helpers.js";
import { random, randomTensor } from "../support/tensors.js";

// t.matmul against the interpreter: every transpose variant of both tilings, sizes that are and
// are not multiples of the tiles and of 4 (the vec4 paths), degenerate sizes and symbolic M.
const gpu = useGpu();

/** op(A) is m×k and op(B) k×n; the stored operands are transposed as the flags say. */
function operands(m: number, k: number, n: number, transA: boolean, transB: boolean, seed: number) {
  const rand = random(seed);
  const a = randomTensor(transA ? [k, m] : [m, k], rand, { lo: -1, hi: 1 });
  const b = randomTensor(transB ? [n, k] : [k, n], rand, { lo: -1, hi: 1 });
  return [a, b];
}

const VARIANTS: Array<[boolean, boolean]> = [
  [false, false],
  [false, true],
  [true, false],
  [true, true],
];

const SIZES: Array<[string, number, number, number]> = [
  ["ragged sizes (no vec4, partial tiles)", 70, 45, 37],
  ["multiples of 4 (vec4 loads and stores), partial tiles", 68, 44, 28],
  ["mixed alignment", 65, 20, 33],
  ["several tiles in each direction, K over many steps", 130, 100, 129],
  ["narrow output (4×16 workgroup shape), K with a single-step tail", 75, 30, 16],
  ["one row and one column", 1, 7, 1],
];

describe("t.matmul", () => {
  for (const [transA, transB] of VARIANTS) {
    for (const [what, m, k, n] of SIZES) {
      it(`transA=${transA} transB=${transB}: ${what} (${m}×${k}·${k}×${n})`, async (ctx) => {
        const r = await checkOp(gpu(ctx), { op: "t.matmul", attrs: { transA, transB }, inputs: operands(m, k, n, transA, transB, m + k + n) });
        expect(r.kernel.name).toBe(`t_matmul_${transA ? "t" : "n"}${transB ? "t" : "n"}`);
      });
    }
  }

  // The workgroup-memory variant (for hardware GPUs): every transpose, ragged or aligned (each
  // distinct kernel costs a pipeline compilation of about a second on lavapipe).
  VARIANTS.forEach(([transA, transB], v) => {
    const [m, k, n] = v % 3 === 0 ? [70, 45, 37] : [68, 44, 36];
    it(`workgroup tiling, transA=${transA} transB=${transB}: ${m}×${k}·${k}×${n}`, async (ctx) => {
      const r = await checkOp(gpu(ctx), {
        op: "t.matmul",
        attrs: { transA, transB },
        inputs: operands(m, k, n, transA, transB, m * k),
        emit: { matmulTiling: "workgroup" },
      });
      expect(r.kernel.name).toMatch(/_wg$/);
    });
  });

  // A small C over a long K (a weight's gradient over every node): teams share each 4×4 block.
  const TEAMS: Array<[string, number, number, number]> = [
    ["aligned (vec4 loads of A's rows and B's columns)", 64, 3001, 16],
    ["ragged (scalar loads, partial blocks)", 13, 2708, 7],
  ];
  VARIANTS.forEach(([transA, transB], v) => {
    const [what, m, k, n] = TEAMS[v % 2];
    it(`teams over K, transA=${transA} transB=${transB}: ${what} (${m}×${k}·${k}×${n})`, async (ctx) => {
      const r = await checkOp(gpu(ctx), { op: "t.matmul", attrs: { transA, transB }, inputs: operands(m, k, n, transA, transB, m + n) });
      expect(r.kernel.name).toBe(`t_matmul_${transA ? "t" : "n"}${transB ? "t" : "n"}_teams`);
    });
  });

  // A wide C (N ≥ 32, B not transposed): rows shared by a workgroup, a vec4 of columns per invocation.
  const WIDE: Array<[string, number, number, number]> = [
    ["rows not a multiple of the block, K ragged (scalar A)", 61, 45, 160],
    ["the narrowest (8 lanes)", 37, 12, 32],
    ["K a multiple of 4 (A read as vec4s)", 30, 44, 128],
    ["more vec4s than lanes: a second, partial column tile", 25, 9, 292],
  ];
  for (const transA of [false, true]) {
    for (const [what, m, k, n] of WIDE) {
      it(`wide output, transA=${transA}: ${what} (${m}×${k}·${k}×${n})`, async (ctx) => {
        const r = await checkOp(gpu(ctx), { op: "t.matmul", attrs: { transA }, inputs: operands(m, k, n, transA, false, m * n + k) });
        expect(r.kernel.name).toBe(`t_matmul_${transA ? "t" : "n"}n_wide`);
      });
    }
  }

  it("gives zeros when the inner dimension is 0", async (ctx) => {
    const r = await checkOp(gpu(ctx), { op: "t.matmul", inputs: operands(5, 0, 6, false, false, 1) });
    expect(Array.from(r.actual.data)).toEqual(new Array(30).fill(0));
  });

  it("computes nothing for an empty result", async (ctx) => {
    await checkOp(gpu(ctx), { op: "t.matmul", inputs: operands(0, 8, 6, false, false, 2) });
  });

  /** X[N, 24]·W[24, h] with N symbolic (bound to `rows`), checked against the interpreter. */
  const symbolicRows = (g: Parameters<typeof checkOp>[0], rows: number, h: number, seed: number) => {
    const [x, w] = operands(rows, 24, h, false, false, seed);
    const types = [
      { kind: "tensor", dtype: "f32", shape: ["N", 24] },
      { kind: "tensor", dtype: "f32", shape: [24, h] },
    ] as const;
    return checkOp(g, { op: "t.matmul", inputs: [x, w], types: [...types], symbols: { N: rows } });
  };

  it("takes a symbolic row count (X[N,F]·W[F,H]) from the sizes uniform", async (ctx) => {
    const r = await symbolicRows(gpu(ctx), 300, 16, 3);
    expect(r.kernel.uniforms).toEqual(["m", "n", "k"]);
    expect(r.kernel.bindings.map((b) => b.wgslType)).toEqual(["array<vec4<f32>>", "array<vec4<f32>>", "array<vec4<f32>>", "Sizes"]);
  });

  it("takes a symbolic row count in the wide kernel too", async (ctx) => {
    const r = await symbolicRows(gpu(ctx), 100, 136, 5);
    expect(r.kernel.name).toBe("t_matmul_nn_wide");
  });

  it("keeps sparse (mostly zero) features exact where the interpreter skips zeros", async (ctx) => {
    const rand = random(4);
    const x = randomTensor([90, 120], rand, { lo: -1, hi: 1, zeros: 0.95 });
    const w = randomTensor([120, 16], rand, { lo: -1, hi: 1, zeros: 0 });
    await checkOp(gpu(ctx), { op: "t.matmul", inputs: [x, w] });
  });
});
