import { describe, expect, it } from "vitest";
import { concatLaunches } from "../../compiler/codegen/concat.js";
import { emitKernel } from "../../compiler/codegen/index.js";
import type { DType } from "../../compiler/ir/types.js";
import type { TensorValue } from "../../compiler/ir/values.js";
import { randomInts, tensor, useGpu } from "./helpers.js";
import { checkCase, interpretOne, launchAll, type ShapeGraphCase } from "./shape-graph-helpers.js";
import { random, randomTensor } from "../support/tensors.js";

// Shape kernels against the interpreter, bit for bit (they only move words): f32, i32 and bool,
// scalar and vec4 paths, symbolic sizes, concat past the storage-buffer limit, the in-place slice
// updates, out-of-range indices and a grid over 65,535 workgroups.
const gpu = useGpu();

const f32 = (shape: number[], seed: number) => randomTensor(shape, random(seed));
const i32 = (shape: number[], seed: number) => randomInts("i32", shape, random(seed), -1000, 1000);
const bool = (shape: number[], seed: number): TensorValue => {
  const rand = random(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return { kind: "tensor", dtype: "bool", shape, data: Uint8Array.from({ length: n }, () => (rand() < 0.5 ? 1 : 0)) };
};
const index = (i: number, dtype: DType = "i32") => tensor(dtype, [], [i]);

describe("t.reshape", () => {
  it("copies f32, i32 and bool words whatever the count", async (ctx) => {
    await checkCase(gpu(ctx), { op: "t.reshape", inputs: [f32([7, 5], 1)], attrs: { shape: [5, 7] }, exact: true });
    await checkCase(gpu(ctx), { op: "t.reshape", inputs: [i32([4, 6], 2)], attrs: { shape: [24] } });
    await checkCase(gpu(ctx), { op: "t.reshape", inputs: [bool([3, 3], 3)], attrs: { shape: [9, 1] } });
  });

  it("takes a symbolic element count from the sizes uniform", async (ctx) => {
    const r = await checkCase(gpu(ctx), {
      op: "t.reshape",
      inputs: [f32([11, 6], 4)],
      attrs: { shape: ["N*6"] },
      types: [{ kind: "tensor", dtype: "f32", shape: ["N", 6] }],
      symbols: { N: 11 },
      exact: true,
    });
    expect(r.kernels[0].uniforms).toEqual(["total"]);
  });

  it("splits a grid of more than 65,535 workgroups into two dimensions", async (ctx) => {
    const r = await checkCase(gpu(ctx), {
      op: "t.reshape",
      inputs: [f32([1_100_001], 5)],
      attrs: { shape: [1_100_001, 1] },
      emit: { workgroupSize: 1 },
      exact: true,
    });
    expect(r.kernels[0].dispatch({ total: 1_100_001 }).y).toBeGreaterThan(1);
  });
});

describe("t.broadcast_to", () => {
  const cases: [number[], number[]][] = [
    [[5], [3, 5]], // a bias row, scalar lanes
    [[3, 1], [3, 8]], // a column splatted across vec4s
    [[1, 8], [4, 8]], // a row read as vec4s
    [[], [2, 3]], // a scalar
    [[2, 1, 3], [2, 4, 3]], // a middle axis
    [[2, 1, 1], [2, 3, 5]],
  ];
  for (const [from, to] of cases) {
    it(`[${from}] → [${to}]`, async (ctx) => {
      await checkCase(gpu(ctx), { op: "t.broadcast_to", inputs: [f32(from, from.length + to[0])], attrs: { shape: to }, exact: true });
    });
  }

  it("broadcasts i32 and bool", async (ctx) => {
    await checkCase(gpu(ctx), { op: "t.broadcast_to", inputs: [i32([4, 1], 6)], attrs: { shape: [4, 4] } });
    await checkCase(gpu(ctx), { op: "t.broadcast_to", inputs: [bool([3], 7)], attrs: { shape: [5, 3] } });
  });
});

describe("t.transpose", () => {
  it("swaps the axes of f32 and i32 matrices", async (ctx) => {
    await checkCase(gpu(ctx), { op: "t.transpose", inputs: [f32([7, 13], 8)], exact: true });
    await checkCase(gpu(ctx), { op: "t.transpose", inputs: [i32([64, 3], 9)] });
    await checkCase(gpu(ctx), { op: "t.transpose", inputs: [f32([1, 6], 10)], exact: true });
  });
});

describe("t.concat", () => {
  it("joins along the first axis, the last and a middle one", async (ctx) => {
    await checkCase(gpu(ctx), { op: "t.concat", inputs: [f32([3, 5], 11), f32([4, 5], 12)], attrs: { axis: 0 }, exact: true });
    await checkCase(gpu(ctx), {
      op: "t.concat",
      inputs: [f32([6, 2], 13), f32([6, 3], 14), f32([6, 1], 15)],
      attrs: { axis: -1 },
      exact: true,
    });
    await checkCase(gpu(ctx), {
      op: "t.concat",
      inputs: [i32([2, 3, 5], 16), i32([2, 1, 5], 17)],
      attrs: { axis: 1 },
    });
  });

  it("moves vec4s when every operand's run is whole vec4s", async (ctx) => {
    const r = await checkCase(gpu(ctx), { op: "t.concat", inputs: [f32([5, 4], 18), f32([5, 8], 19)], attrs: { axis: 1 }, exact: true });
    expect(r.kernels[0].name).toBe("t_concat2_v4");
    await checkCase(gpu(ctx), { op: "t.concat", inputs: [bool([5, 4], 20), bool([5, 12], 21)], attrs: { axis: 1 } });
  });

  it("concatenates one operand (a copy) and symbolic row counts", async (ctx) => {
    await checkCase(gpu(ctx), { op: "t.concat", inputs: [f32([3, 3], 22)], attrs: { axis: 1 }, exact: true });
    const r = await checkCase(gpu(ctx), {
      op: "t.concat",
      inputs: [f32([9, 3], 23), f32([4, 3], 24)],
      attrs: { axis: 0 },
      types: [
        { kind: "tensor", dtype: "f32", shape: ["N", 3] },
        { kind: "tensor", dtype: "f32", shape: ["M", 3] },
      ],
      symbols: { N: 9, M: 4 },
      exact: true,
    });
    expect(r.kernels[0].uniforms).toEqual(["row", "run0", "run1", "offset1"]);
  });

  it("launches once per operand past seven operands, all sharing one pipeline", async (ctx) => {
    const widths = [1, 2, 3, 1, 4, 2, 1, 5, 3, 2];
    const inputs = widths.map((w, k) => f32([6, w], 30 + k));
    const r = await checkCase(gpu(ctx), { op: "t.concat", inputs, attrs: { axis: 1 }, launches: concatLaunches, exact: true });
    expect(r.kernels).toHaveLength(10);
    expect(new Set(r.kernels.map((k) => k.wgsl)).size).toBe(1);
    expect(r.kernels.map((k) => k.bindings.filter((b) => b.access !== "uniform").length)).toEqual(widths.map(() => 2));
    const { node, types } = interpretOne({ op: "t.concat", inputs, attrs: { axis: 1 } });
    expect(() => emitKernel(node, types)).toThrow(/concatLaunches/);
  });

  it("launches per operand along the first axis with vec4 runs", async (ctx) => {
    const inputs = Array.from({ length: 9 }, (_, k) => i32([k + 1, 4], 50 + k));
    await checkCase(gpu(ctx), { op: "t.concat", inputs, attrs: { axis: 0 }, launches: concatLaunches });
  });
});

describe("t.slice and t.pad", () => {
  it("slices any axis, scalar and vec4", async (ctx) => {
    await checkCase(gpu(ctx), { op: "t.slice", inputs: [f32([6, 10], 60)], attrs: { axis: 1, start: 3, size: 4 }, exact: true });
    const v4 = await checkCase(gpu(ctx), { op: "t.slice", inputs: [f32([9, 8], 61)], attrs: { axis: 0, start: 2, size: 5 }, exact: true });
    expect(v4.kernels[0].name).toBe("t_slice_v4");
    await checkCase(gpu(ctx), { op: "t.slice", inputs: [i32([2, 7, 3], 62)], attrs: { axis: 1, start: 6, size: 1 } });
    await checkCase(gpu(ctx), { op: "t.slice", inputs: [bool([4, 5], 63)], attrs: { axis: -1, start: 0, size: 2 } });
  });

  it("slices at a symbolic start", async (ctx) => {
    const r = await checkCase(gpu(ctx), {
      op: "t.slice",
      inputs: [f32([13, 3], 64)],
      attrs: { axis: 0, start: "N", size: 4 },
      types: [{ kind: "tensor", dtype: "f32", shape: ["N+4", 3] }],
      symbols: { N: 9 },
      exact: true,
    });
    expect(r.kernels[0].uniforms).toEqual(["row", "start"]);
  });

  it("pads any axis with zeros, scalar and vec4", async (ctx) => {
    await checkCase(gpu(ctx), { op: "t.pad", inputs: [f32([6, 4], 65)], attrs: { axis: 1, start: 3, size: 10 }, exact: true });
    await checkCase(gpu(ctx), { op: "t.pad", inputs: [f32([3, 8], 66)], attrs: { axis: 0, start: 2, size: 7 }, exact: true });
    await checkCase(gpu(ctx), { op: "t.pad", inputs: [i32([2, 2, 3], 67)], attrs: { axis: 1, start: 0, size: 5 } });
    await checkCase(gpu(ctx), { op: "t.pad", inputs: [bool([5, 1], 68)], attrs: { axis: 1, start: 1, size: 2 } });
  });
});

describe("t.select", () => {
  it("selects one index of any axis from an i32 or u32 buffer", async (ctx) => {
    await checkCase(gpu(ctx), { op: "t.select", inputs: [f32([5, 6, 3], 70), index(4)], attrs: { axis: 1 }, exact: true });
    await checkCase(gpu(ctx), { op: "t.select", inputs: [f32([4, 8], 71), index(3, "u32")], attrs: { axis: 0 }, exact: true });
    await checkCase(gpu(ctx), { op: "t.select", inputs: [i32([3, 2, 4], 72), index(0)], attrs: { axis: -1 } });
    await checkCase(gpu(ctx), { op: "t.select", inputs: [bool([7], 73), index(6)], attrs: { axis: 0 } });
  });

  it("gives zeros for an index out of range (negative ones too)", async (ctx) => {
    const x = f32([4, 8], 74);
    const { node, types } = interpretOne({ op: "t.select", inputs: [x, index(0)], attrs: { axis: 0 } });
    const k = emitKernel(node, types);
    for (const i of [4, -1]) {
      const out = await launchAll(gpu(ctx), [k], [x, index(i)], { dtype: "f32", shape: [8] });
      expect(Array.from(out.data)).toEqual(new Array(8).fill(0));
    }
  });
});

describe("t.gather_rows and t.scatter_rows", () => {
  const rows = (xs: number[], dtype: DType = "i32") => tensor(dtype, [xs.length], xs);
  it("gathers f32, i32 and bool rows, vec4 and scalar, an index repeated", async (ctx) => {
    await checkCase(gpu(ctx), { op: "t.gather_rows", inputs: [f32([9, 8], 120), rows([8, 0, 3, 3, 5])], exact: true });
    await checkCase(gpu(ctx), { op: "t.gather_rows", inputs: [f32([6, 3, 5], 121), rows([5, 1], "u32")], exact: true });
    await checkCase(gpu(ctx), { op: "t.gather_rows", inputs: [i32([7], 122), rows([6, 6, 0, 2])] });
    await checkCase(gpu(ctx), { op: "t.gather_rows", inputs: [bool([4, 2], 123), rows([3, 1, 2])] });
  });

  it("gathers rows named by a symbolic count from a symbolic table", async (ctx) => {
    await checkCase(gpu(ctx), {
      op: "t.gather_rows",
      inputs: [f32([11, 4], 124), rows([10, 2, 7])],
      types: [{ kind: "tensor", dtype: "f32", shape: ["N", 4] }, { kind: "tensor", dtype: "i32", shape: ["B"] }],
      symbols: { N: 11, B: 3 },
      exact: true,
    });
  });

  it("scatters rows back, summing a repeated index in order, every other row zero", async (ctx) => {
    await checkCase(gpu(ctx), { op: "t.scatter_rows", inputs: [f32([5, 8], 125), rows([2, 0, 2, 6, 2])], attrs: { rows: 7 } });
    await checkCase(gpu(ctx), { op: "t.scatter_rows", inputs: [f32([3, 2, 3], 126), rows([1, 1, 3], "u32")], attrs: { rows: 4 } });
  });

  it("an index out of range reads zeros and adds nothing", async (ctx) => {
    const x = f32([3, 4], 127);
    const { node, types } = interpretOne({ op: "t.gather_rows", inputs: [x, rows([0])] });
    const out = await launchAll(gpu(ctx), [emitKernel(node, types)], [x, rows([3, -1])], { dtype: "f32", shape: [2, 4] });
    expect(Array.from(out.data)).toEqual(new Array(8).fill(0));
    const g = f32([2, 4], 128);
    const scatter = interpretOne({ op: "t.scatter_rows", inputs: [g, rows([0, 1])], attrs: { rows: 3 } });
    const back = await launchAll(gpu(ctx), [emitKernel(scatter.node, scatter.types)], [g, rows([5, 1])], { dtype: "f32", shape: [3, 4] });
    expect(Array.from(back.data)).toEqual([0, 0, 0, 0, ...Array.from(g.data.slice(4)), 0, 0, 0, 0]);
  });
});

describe("t.scatter_slice and t.slice_add", () => {
  const ops = ["t.scatter_slice", "t.slice_add"] as const;
  for (const op of ops) {
    for (const inPlace of [false, true]) {
      const variant = inPlace ? "in place" : "into a new buffer";
      it(`${op} ${variant}: f32 and i32, vec4 and scalar, every axis`, async (ctx) => {
        const emit = inPlace ? { inPlace: true } : {};
        await checkCase(gpu(ctx), { op, inputs: [f32([4, 3, 8], 80), f32([4, 8], 81), index(2)], attrs: { axis: 1 }, emit });
        await checkCase(gpu(ctx), { op, inputs: [f32([5, 7, 3], 82), f32([5, 7], 83), index(2)], attrs: { axis: 2 }, emit });
        await checkCase(gpu(ctx), { op, inputs: [i32([6, 5], 84), i32([5], 85), index(5)], attrs: { axis: 0 }, emit });
        await checkCase(gpu(ctx), { op, inputs: [i32([3, 4], 86), i32([3], 87), index(3, "u32")], attrs: { axis: -1 }, emit });
      });

      it(`${op} ${variant}: an index out of range leaves the base unchanged`, async (ctx) => {
        const base = f32([3, 4], 88);
        const value = f32([4], 89);
        const { node, types } = interpretOne({ op, inputs: [base, value, index(0)], attrs: { axis: 0 }, emit: {} });
        const k = emitKernel(node, types, inPlace ? { inPlace: true } : {});
        for (const i of [3, -2]) {
          const out = await launchAll(gpu(ctx), [k], [base, value, index(i)], { dtype: "f32", shape: [3, 4] });
          expect(Array.from(out.data)).toEqual(Array.from(base.data));
        }
      });
    }
  }

  it("the in-place variant binds the base read_write and has no output", async (ctx) => {
    const r = await checkCase(gpu(ctx), {
      op: "t.slice_add",
      inputs: [f32([6, 4], 90), f32([4], 91), index(1)],
      attrs: { axis: 0 },
      emit: { inPlace: true },
    });
    const k = r.kernels[0];
    expect(k.bindings.map((b) => [b.name, b.access, b.source.kind])).toEqual([
      ["base", "read_write", "input"],
      ["value", "read", "input"],
      ["index", "read", "input"],
    ]);
    expect(k.dispatch({ outer: 1, dim: 6, inner: 1 })).toEqual({ x: 1, y: 1, z: 1 }); // one slice, not the base
  });
});

describe("empty results", () => {
  it("compile and run (no division by a constant zero)", async (ctx) => {
    const cases: ShapeGraphCase[] = [
      { op: "t.reshape", inputs: [f32([0, 3], 100)], attrs: { shape: [3, 0] } },
      { op: "t.broadcast_to", inputs: [f32([2, 1, 3], 101)], attrs: { shape: [2, 0, 3] } },
      { op: "t.transpose", inputs: [f32([0, 3], 102)] },
      { op: "t.concat", inputs: [f32([4, 0], 103), f32([4, 0], 104)], attrs: { axis: 1 } },
      { op: "t.slice", inputs: [f32([4, 5], 105)], attrs: { axis: 1, start: 2, size: 0 } },
      { op: "t.pad", inputs: [f32([0, 2], 106)], attrs: { axis: 1, start: 0, size: 3 } },
      { op: "t.select", inputs: [f32([3, 0], 107), index(1)], attrs: { axis: 0 } },
      { op: "t.slice_add", inputs: [f32([3, 0], 108), f32([0], 109), index(1)], attrs: { axis: 0 } },
      { op: "t.gather_rows", inputs: [f32([3, 2], 112), tensor("i32", [0], [])] },
      { op: "t.scatter_rows", inputs: [f32([0, 2], 113), tensor("i32", [0], [])], attrs: { rows: 0 } },
    ];
    for (const c of cases) {
      const r = await checkCase(gpu(ctx), c);
      expect(r.actual.data.length, c.op).toBe(0);
    }
  });

  it("an operand without elements keeps its place in a concat", async (ctx) => {
    await checkCase(gpu(ctx), { op: "t.concat", inputs: [f32([4, 0], 110), f32([4, 3], 111)], attrs: { axis: 1 }, exact: true });
  });
});
