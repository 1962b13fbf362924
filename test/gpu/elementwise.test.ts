import { describe, expect, it } from "vitest";
import { checkOp, randomInts, tensor, useGpu } from "./helpers.js";
import { random, randomTensor } from "../support/tensors.js";

// Elementwise kernels against the interpreter: every unary op, binary ops with the common
// broadcasts, integer dtypes, symbolic sizes, empty tensors and a grid over 65,535 workgroups.
const gpu = useGpu();

const UNARY_F32: Array<[string, Record<string, number>?]> = [
  ["t.neg"],
  ["t.abs"],
  ["t.relu"],
  ["t.exp"],
  ["t.tanh"],
  ["t.sigmoid"],
  ["t.gelu"],
  ["t.erf"],
  ["t.step"],
  ["t.step", { at_zero: 0.5 }],
  ["t.round"],
  ["t.leaky_relu", { slope: 0.2 }],
  ["t.elu", { alpha: 1.5 }],
];

describe("unary kernels", () => {
  for (const [op, attrs] of UNARY_F32) {
    it(`${op}${attrs ? JSON.stringify(attrs) : ""} on f32[37,13]`, async (ctx) => {
      await checkOp(gpu(ctx), { op, attrs, inputs: [randomTensor([37, 13], random(op.length), { lo: -6, hi: 6 })] });
    });
  }

  it("log, sqrt and rsqrt on positive values, and their 0 (±Inf) and negative (NaN) edges", async (ctx) => {
    const x = randomTensor([300], random(5), { lo: 0.01, hi: 50, zeros: 0 });
    x.data.set([0, -1, 1e-30, 1], 0);
    for (const op of ["t.log", "t.sqrt", "t.rsqrt"]) await checkOp(gpu(ctx), { op, inputs: [x] });
  });

  it("saturates tanh and sigmoid without overflow, and keeps NaN and Inf where the interpreter does", async (ctx) => {
    const x = tensor("f32", [8], [-100, -20, 20, 100, NaN, Infinity, -Infinity, 0]);
    for (const op of ["t.tanh", "t.sigmoid", "t.relu", "t.abs", "t.neg"]) await checkOp(gpu(ctx), { op, inputs: [x] });
  });

  it("round takes ties to the even neighbour, as WGSL's round() does", async (ctx) => {
    const x = tensor("f32", [12], [0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 0.49999997, 126.5, -127.5, 3.7, NaN, -0]);
    const { expected } = await checkOp(gpu(ctx), { op: "t.round", inputs: [x] });
    expect([...expected.data].slice(0, 10)).toEqual([0, 2, 2, -0, -2, -2, 0, 126, -128, 4]);
  });

  it("neg, abs and relu on i32 and u32", async (ctx) => {
    for (const op of ["t.neg", "t.abs", "t.relu"]) {
      await checkOp(gpu(ctx), { op, inputs: [randomInts("i32", [301], random(1), -1000, 1000)] });
      await checkOp(gpu(ctx), { op, inputs: [randomInts("u32", [301], random(2), 0, 5000)] });
    }
  });
});

describe("binary kernels", () => {
  const rand = random(11);
  const shapes: Array<[string, number[], number[]]> = [
    ["equal shapes", [41, 7], [41, 7]],
    ["a row vector (bias)", [41, 7], [7]],
    ["a column [N,1]", [41, 7], [41, 1]],
    ["a scalar", [41, 7], []],
    ["a scalar on the left", [], [41, 7]],
    ["an outer product [1,C] by [N,1]", [1, 9], [23, 1]],
    ["rank 3 against rank 2", [2, 1, 5], [3, 1]],
    ["per-head scales [N,H,1]", [10, 3, 4], [10, 3, 1]],
  ];
  for (const op of ["t.add", "t.sub", "t.mul", "t.div", "t.maximum"]) {
    for (const [what, sa, sb] of shapes) {
      it(`${op} with ${what}`, async (ctx) => {
        await checkOp(gpu(ctx), { op, inputs: [randomTensor(sa, rand), randomTensor(sb, rand, { lo: 0.5, hi: 3 })] });
      });
    }
  }

  it("integer arithmetic, division truncating toward zero and by zero giving 0", async (ctx) => {
    const a = randomInts("i32", [97], random(3), -500, 500);
    const b = randomInts("i32", [97], random(4), -7, 8); // includes zeros
    for (const op of ["t.add", "t.sub", "t.mul", "t.div", "t.maximum"]) await checkOp(gpu(ctx), { op, inputs: [a, b] });
    const ua = randomInts("u32", [97], random(5), 0, 500);
    const ub = randomInts("u32", [97], random(6), 0, 9);
    for (const op of ["t.add", "t.sub", "t.mul", "t.div", "t.maximum"]) await checkOp(gpu(ctx), { op, inputs: [ua, ub] });
  });

  it("NaN in either operand of maximum gives NaN", async (ctx) => {
    const a = tensor("f32", [4], [NaN, 1, NaN, -2]);
    const b = tensor("f32", [4], [1, NaN, NaN, -3]);
    await checkOp(gpu(ctx), { op: "t.maximum", inputs: [a, b] });
  });
});

describe("sizes", () => {
  it("reads symbolic sizes from the uniform: f32[N,C] + f32[C] with N and C unknown at compile time", async (ctx) => {
    const r = await checkOp(gpu(ctx), {
      op: "t.add",
      inputs: [randomTensor([1000, 19], random(7)), randomTensor([19], random(8))],
      types: [
        { kind: "tensor", dtype: "f32", shape: ["N", "C"] },
        { kind: "tensor", dtype: "f32", shape: ["C"] },
      ],
      symbols: { N: 1000, C: 19 },
    });
    expect(r.kernel.uniforms.length).toBeGreaterThan(0);
  });

  it("bakes in sizes the compiler knows", async (ctx) => {
    const r = await checkOp(gpu(ctx), {
      op: "t.mul",
      inputs: [randomTensor([50, 8], random(9)), randomTensor([50, 1], random(10))],
      types: [
        { kind: "tensor", dtype: "f32", shape: ["N", 8] },
        { kind: "tensor", dtype: "f32", shape: ["N", 1] },
      ],
      symbols: { N: 50 },
      emit: { symbols: { N: 50 } },
    });
    expect(r.kernel.uniforms).toEqual([]);
  });

  it("computes nothing for empty tensors", async (ctx) => {
    const r = await checkOp(gpu(ctx), { op: "t.add", inputs: [randomTensor([0, 5], random(1)), randomTensor([5], random(2))] });
    expect(r.actual.data.length).toBe(0);
  });

  it("splits a grid of more than 65,535 workgroups into two dimensions", async (ctx) => {
    const n = 65_535 * 4 + 77; // 65,555 workgroups of one invocation (4 elements each)
    const r = await checkOp(gpu(ctx), {
      op: "t.add",
      inputs: [randomTensor([n], random(12)), randomTensor([n], random(13))],
      emit: { workgroupSize: 1 },
    });
    expect(r.kernel.dispatch({ total: n, d0: n })).toEqual({ x: 32_778, y: 2, z: 1 });
  });
});
