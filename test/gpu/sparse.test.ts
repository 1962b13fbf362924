import { describe, expect, it } from "vitest";
import { FuncBuilder } from "../../compiler/ir/builder.js";
import { keyFromSeed } from "../../compiler/ir/rng.js";
import type { Attrs, Func } from "../../compiler/ir/types.js";
import type { TensorValue, Value } from "../../compiler/ir/values.js";
import type { RunnerProgram } from "../../runtime/runner/index.js";
import { typeOf } from "../support/one-op.js";
import { random, randomTensor } from "../support/tensors.js";
import { expectAllClose } from "../support/allclose.js";
import { runOnBoth, tensor, useGpu } from "./helpers.js";

/**
 * The sparse-weight kernels against the interpreter, run the way training runs them (one-op
 * functions on the GPU runner and the reference runner): selections and patterns must agree
 * exactly — masks decide which weights exist — and products to f32 rounding. Cases: ties, counts
 * from a scalar, stacked weights (a slice per layer), slices larger than a workgroup, random
 * regrowth, and operands stored compactly (mostly-zero features given as data).
 */
const gpu = useGpu();

/** `out = op(in0, …)`; inputs named in `data` are fixed data (a mostly-zero one is stored compactly), the rest given per run. */
function opFunc(op: string, inputs: readonly Value[], attrs: Attrs = {}): Func {
  const b = new FuncBuilder("f");
  const ids = inputs.map((v, i) => b.leaf("s.input", typeOf(v), { name: `in${i}` }));
  return b.finish([b.emit(op, ids, attrs)], ["out"]);
}

async function onBoth(ctx: Parameters<typeof gpu>[0], func: Func, inputs: readonly Value[], data: readonly number[] = []): Promise<{ expected: TensorValue; actual: TensorValue }> {
  const named = Object.fromEntries(inputs.map((v, i) => [`in${i}`, v]));
  const program: RunnerProgram = {
    funcs: [func],
    data: Object.fromEntries(data.map((i) => [`in${i}`, inputs[i]])),
    state: {},
    symbols: {},
  };
  const perRun = Object.fromEntries(Object.entries(named).filter(([n]) => !(n in program.data)));
  const [[expected], [actual]] = await runOnBoth(gpu(ctx), program, "f", perRun, ["out"]);
  return { expected: expected as TensorValue, actual: actual as TensorValue };
}

async function sameOnBoth(ctx: Parameters<typeof gpu>[0], op: string, inputs: readonly Value[], attrs: Attrs = {}) {
  const { expected, actual } = await onBoth(ctx, opFunc(op, inputs, attrs), inputs);
  expect([...actual.data]).toEqual([...expected.data]);
  return expected;
}

const scalar = (v: number) => tensor("f32", [], [v]);
const maskOf = (shape: number[], rand: () => number, density: number) => tensor("f32", shape, Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => (rand() < density ? 1 : 0)));
/** Scores with many exact ties: magnitudes on a coarse grid, both signs. */
const tied = (shape: number[], rand: () => number) => tensor("f32", shape, Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => (Math.floor(rand() * 8) - 4) / 4));
const SHAPES = [[5, 7], [3, 16, 17], [300, 70], [1, 1]];

describe("sparse selections agree exactly", () => {
  it("sp.drop: by magnitude among active positions, with and without a fraction, ties included", async (ctx) => {
    for (const [k, shape] of SHAPES.entries()) {
      const rand = random(10 + k);
      const size = shape.slice(-2).reduce((a, b) => a * b, 1);
      const keep = Math.max(1, Math.round(size * 0.3));
      const m = maskOf(shape, rand, 0.5);
      for (const x of [randomTensor(shape, rand), tied(shape, rand)]) {
        await sameOnBoth(ctx, "sp.drop", [x, m], { keep });
        for (const frac of [0, 0.25, 1 / 3, 0.5, 1]) await sameOnBoth(ctx, "sp.drop", [x, m, scalar(frac)], { keep, scale: -keep });
      }
    }
  });

  it("sp.grow: by |score| or by random draws, up to `total` per slice", async (ctx) => {
    for (const [k, shape] of SHAPES.entries()) {
      const rand = random(20 + k);
      const size = shape.slice(-2).reduce((a, b) => a * b, 1);
      const m = maskOf(shape, rand, 0.1);
      for (const total of [0, Math.round(size * 0.2), size]) {
        await sameOnBoth(ctx, "sp.grow", [m, tied(shape, rand)], { total });
        await sameOnBoth(ctx, "sp.grow", [m, randomTensor(shape, rand)], { total });
        const grown = await sameOnBoth(ctx, "sp.grow", [m, { kind: "rng", key: keyFromSeed(k) }], { total });
        for (let at = 0; at < m.data.length; at += size) {
          const ones = (v: TensorValue) => [...v.data.slice(at, at + size)].filter((x) => x !== 0).length;
          expect(ones(grown)).toBe(Math.max(total, ones(m)));
        }
      }
    }
  });

  it("sp.topk: the largest magnitudes per slice keep their values", async (ctx) => {
    for (const [k, shape] of SHAPES.entries()) {
      const rand = random(30 + k);
      const size = shape.slice(-2).reduce((a, b) => a * b, 1);
      for (const x of [randomTensor(shape, rand), tied(shape, rand)]) await sameOnBoth(ctx, "sp.topk", [x], { keep: Math.ceil(size / 7) });
    }
  });
});

describe("sparse patterns and products", () => {
  it("sp.pattern: CSR and CSC, exactly, with spare capacity zeroed", async (ctx) => {
    for (const [k, shape] of [[5, 7], [64, 300], [1, 1], [9, 1]].entries()) {
      const m = maskOf(shape, random(40 + k), 0.2);
      const nnz = [...m.data].filter((v) => v !== 0).length;
      for (const capacity of [nnz, nnz + 3]) await sameOnBoth(ctx, "sp.pattern", [m], { nnz: capacity });
    }
  });

  /** `op(a, w, sp.pattern(m))` for a random mask m; `compact`: operand `compactAt` is mostly-zero fixed data. */
  async function product(ctx: Parameters<typeof gpu>[0], op: string, a: TensorValue, w: TensorValue, m: TensorValue, attrs: Attrs, data: number[] = []) {
    const nnz = [...m.data].filter((v) => v !== 0).length;
    const b = new FuncBuilder("f");
    const [ia, iw, im] = [a, w, m].map((v, i) => b.leaf("s.input", typeOf(v), { name: `in${i}` }));
    const p = b.emit("sp.pattern", [im], { nnz });
    const func = b.finish([b.emit(op, [ia, iw, p], { nnz, ...attrs })], ["out"]);
    const { expected, actual } = await onBoth(ctx, func, [a, w, m], data);
    expectAllClose(actual, expected);
  }

  it("sp.matmul over the pattern, both orientations, dense operands", async (ctx) => {
    const rand = random(50);
    for (const [n, rows, cols, density] of [[7, 5, 9, 0.3], [130, 33, 70, 0.05], [3, 1, 1, 1]]) {
      const w = randomTensor([rows, cols], rand);
      const m = maskOf([rows, cols], rand, density);
      await product(ctx, "sp.matmul", randomTensor([n, cols], rand), w, m, { transB: true });
      await product(ctx, "sp.matmul", randomTensor([n, rows], rand), w, m, { transB: false });
      await product(ctx, "sp.sddmm", randomTensor([n, rows], rand), randomTensor([n, cols], rand), m, {});
    }
  });

  it("with mostly-zero features stored compactly: the layer's forward and its weight's gradient", async (ctx) => {
    const rand = random(60);
    // 1000 nodes: many per sddmm chunk, and columns with more positions than a team; 5: chunks left empty.
    for (const [n, rows, cols] of [[200, 16, 150], [57, 3, 40], [1000, 120, 60], [5, 4, 30]]) {
      const x = randomTensor([n, cols], rand, { lo: 0, hi: 1, zeros: 0.95 });
      const m = maskOf([rows, cols], rand, 0.1);
      // x is fixed data: it is stored by its pattern, and these products read it so.
      await product(ctx, "sp.matmul", x, randomTensor([rows, cols], rand), m, { transB: true }, [0]);
      const d = randomTensor([n, rows], rand);
      const b = new FuncBuilder("f");
      const [id, ix, im] = [d, x, m].map((v, i) => b.leaf("s.input", typeOf(v), { name: `in${i}` }));
      const nnz = [...m.data].filter((v) => v !== 0).length;
      const p = b.emit("sp.pattern", [im], { nnz });
      const func = b.finish([b.emit("sp.sddmm", [id, ix, p], { nnz })], ["out"]);
      const { expected, actual } = await onBoth(ctx, func, [d, x, m], [1]);
      expectAllClose(actual, expected);
    }
  });
});
