import { describe, it, expect } from "vitest";
import { erf, gelu } from "../../../compiler/ir/ops/math.js";
import { scalarI32, tensor } from "./helpers.js";
import { runTensorOp } from "../../support/one-op.js";
import { expectAllClose, ROUNDING } from "../../support/allclose.js";

const x23 = tensor([2, 3], [1, 2, 3, 4, 5, 6]);

describe("elementwise binary ops broadcast like NumPy", () => {
  it("adds a row vector to every row", () => {
    const out = runTensorOp("t.add", [x23, tensor([3], [10, 20, 30])]);
    expect(out.shape).toEqual([2, 3]);
    expectAllClose(out.data, [11, 22, 33, 14, 25, 36], ROUNDING);
  });

  it("multiplies a column by a row into an outer product", () => {
    const out = runTensorOp("t.mul", [tensor([2, 1], [2, 3]), tensor([1, 3], [1, 10, 100])]);
    expect(out.shape).toEqual([2, 3]);
    expectAllClose(out.data, [2, 20, 200, 3, 30, 300], ROUNDING);
  });

  it("broadcasts a scalar, and computes sub, div and maximum", () => {
    const s = tensor([], [2]);
    expectAllClose(runTensorOp("t.sub", [x23, s]).data, [-1, 0, 1, 2, 3, 4], ROUNDING);
    expectAllClose(runTensorOp("t.sub", [s, x23]).data, [1, 0, -1, -2, -3, -4], ROUNDING);
    expectAllClose(runTensorOp("t.div", [x23, s]).data, [0.5, 1, 1.5, 2, 2.5, 3], ROUNDING);
    expectAllClose(runTensorOp("t.maximum", [x23, tensor([3], [2, 2, 7])]).data, [2, 2, 7, 4, 5, 7], ROUNDING);
  });

  it("keeps integer dtypes", () => {
    const out = runTensorOp("t.add", [tensor([2], [1, -2], "i32"), tensor([2], [3, 4], "i32")]);
    expect(out.dtype).toBe("i32");
    expect(Array.from(out.data)).toEqual([4, 2]);
  });
});

describe("unary ops", () => {
  const xs = [-2, -0.5, 0, 0.5, 2];
  const x = tensor([5], xs);
  const cases: Array<[string, (v: number) => number, Record<string, number>?]> = [
    ["t.neg", (v) => -v],
    ["t.abs", Math.abs],
    ["t.relu", (v) => Math.max(v, 0)],
    ["t.exp", Math.exp],
    ["t.tanh", Math.tanh],
    ["t.sigmoid", (v) => 1 / (1 + Math.exp(-v))],
    ["t.leaky_relu", (v) => (v > 0 ? v : 0.01 * v)],
    ["t.leaky_relu", (v) => (v > 0 ? v : 0.2 * v), { slope: 0.2 }],
    ["t.elu", (v) => (v > 0 ? v : Math.exp(v) - 1)],
    ["t.elu", (v) => (v > 0 ? v : 0.5 * (Math.exp(v) - 1)), { alpha: 0.5 }],
  ];
  for (const [op, f, attrs] of cases) {
    it(`${op}${attrs ? JSON.stringify(attrs) : ""}`, () => {
      expectAllClose(runTensorOp(op, [x], attrs).data, xs.map(f), ROUNDING);
    });
  }

  it("log, sqrt and rsqrt on positive inputs (and log 0 = −∞)", () => {
    const p = tensor([3], [0.25, 1, 4]);
    expectAllClose(runTensorOp("t.log", [p]).data, [Math.log(0.25), 0, Math.log(4)], ROUNDING);
    expectAllClose(runTensorOp("t.sqrt", [p]).data, [0.5, 1, 2], ROUNDING);
    expectAllClose(runTensorOp("t.rsqrt", [p]).data, [2, 1, 0.5], ROUNDING);
    expect(runTensorOp("t.log", [tensor([1], [0])]).data[0]).toBe(-Infinity);
  });

  it("erf matches tabulated values and gelu is the exact erf form", () => {
    expect(erf(0)).toBe(0);
    expect(erf(0.5)).toBeCloseTo(0.5204998778130465, 14);
    expect(erf(1)).toBeCloseTo(0.8427007929497149, 14);
    expect(erf(-2)).toBeCloseTo(-0.9953222650189527, 14);
    expect(erf(3)).toBeCloseTo(0.9999779095030014, 14);
    expect(erf(7)).toBe(1);
    expect(gelu(1)).toBeCloseTo(0.8413447460685429, 12);
    expect(gelu(-1)).toBeCloseTo(-0.15865525393145707, 12);
    expectAllClose(runTensorOp("t.gelu", [tensor([3], [-1, 0, 1])]).data, [-0.15865525393145707, 0, 0.8413447460685429], ROUNDING);
  });
});

describe("t.matmul", () => {
  const a = tensor([2, 3], [1, 2, 3, 4, 5, 6]);
  const b = tensor([3, 2], [7, 8, 9, 10, 11, 12]);
  const ab = [58, 64, 139, 154];

  it("multiplies 2-D matrices", () => {
    const out = runTensorOp("t.matmul", [a, b]);
    expect(out.shape).toEqual([2, 2]);
    expectAllClose(out.data, ab, ROUNDING);
  });

  it("honours transA and transB", () => {
    const aT = tensor([3, 2], [1, 4, 2, 5, 3, 6]);
    const bT = tensor([2, 3], [7, 9, 11, 8, 10, 12]);
    expectAllClose(runTensorOp("t.matmul", [aT, b], { transA: true }).data, ab, ROUNDING);
    expectAllClose(runTensorOp("t.matmul", [a, bT], { transB: true }).data, ab, ROUNDING);
    expectAllClose(runTensorOp("t.matmul", [aT, bT], { transA: true, transB: true }).data, ab, ROUNDING);
  });

  it("handles an empty inner dimension (all zeros)", () => {
    const out = runTensorOp("t.matmul", [tensor([2, 0], []), tensor([0, 3], [])]);
    expect(Array.from(out.data)).toEqual([0, 0, 0, 0, 0, 0]);
  });
});

describe("reductions and softmax", () => {
  it("sum, mean and max over one or several axes, with keepdims", () => {
    expectAllClose(runTensorOp("t.sum", [x23], { axes: [0] }).data, [5, 7, 9], ROUNDING);
    expectAllClose(runTensorOp("t.sum", [x23], { axes: [-1] }).data, [6, 15], ROUNDING);
    const all = runTensorOp("t.sum", [x23], { axes: [0, 1] });
    expect(all.shape).toEqual([]);
    expectAllClose(all.data, [21], ROUNDING);
    const kept = runTensorOp("t.mean", [x23], { axes: [1], keepdims: true });
    expect(kept.shape).toEqual([2, 1]);
    expectAllClose(kept.data, [2, 5], ROUNDING);
    expectAllClose(runTensorOp("t.max", [tensor([2, 3], [1, 9, 3, -4, -5, -6])], { axes: [1] }).data, [9, -4], ROUNDING);
  });

  it("softmax and log_softmax along the last and the first axis", () => {
    const x = tensor([2, 2], [0, Math.log(3), 1000, 1000]);
    expectAllClose(runTensorOp("t.softmax", [x]).data, [0.25, 0.75, 0.5, 0.5], ROUNDING);
    expectAllClose(runTensorOp("t.log_softmax", [x]).data, [Math.log(0.25), Math.log(0.75), Math.log(0.5), Math.log(0.5)], ROUNDING);
    const col = runTensorOp("t.softmax", [tensor([2, 1], [0, Math.log(3)])], { axis: 0 });
    expectAllClose(col.data, [0.25, 0.75], ROUNDING);
  });
});

describe("data movement", () => {
  it("reshape keeps row-major order; transpose swaps axes", () => {
    const r = runTensorOp("t.reshape", [x23], { shape: [3, 2] });
    expect(r.shape).toEqual([3, 2]);
    expectAllClose(r.data, [1, 2, 3, 4, 5, 6], ROUNDING);
    const t = runTensorOp("t.transpose", [x23]);
    expect(t.shape).toEqual([3, 2]);
    expectAllClose(t.data, [1, 4, 2, 5, 3, 6], ROUNDING);
  });

  it("concat along axis 0 and 1, with three operands", () => {
    const y = tensor([2, 1], [7, 8]);
    const c1 = runTensorOp("t.concat", [x23, y, y], { axis: 1 });
    expect(c1.shape).toEqual([2, 5]);
    expectAllClose(c1.data, [1, 2, 3, 7, 7, 4, 5, 6, 8, 8], ROUNDING);
    const c0 = runTensorOp("t.concat", [x23, tensor([1, 3], [0, 0, 0])], { axis: 0 });
    expectAllClose(c0.data, [1, 2, 3, 4, 5, 6, 0, 0, 0], ROUNDING);
  });

  it("slice and select", () => {
    const s = runTensorOp("t.slice", [x23], { axis: 1, start: 1, size: 2 });
    expect(s.shape).toEqual([2, 2]);
    expectAllClose(s.data, [2, 3, 5, 6], ROUNDING);
    const row = runTensorOp("t.select", [x23, scalarI32(1)]);
    expect(row.shape).toEqual([3]);
    expectAllClose(row.data, [4, 5, 6], ROUNDING);
    const col = runTensorOp("t.select", [x23, scalarI32(2)], { axis: 1 });
    expectAllClose(col.data, [3, 6], ROUNDING);
    expect(() => runTensorOp("t.select", [x23, scalarI32(2)])).toThrow(/index 2 is out of range for axis 0/);
  });

  it("cast truncates toward zero and makes booleans of non-zeros", () => {
    const x = tensor([4], [1.7, -1.7, 0, 3]);
    const i = runTensorOp("t.cast", [x], { dtype: "i32" });
    expect(i.data).toBeInstanceOf(Int32Array);
    expect(Array.from(i.data)).toEqual([1, -1, 0, 3]);
    expect(Array.from(runTensorOp("t.cast", [x], { dtype: "bool" }).data)).toEqual([1, 1, 0, 1]);
    expectAllClose(runTensorOp("t.cast", [i], { dtype: "f32" }).data, [1, -1, 0, 3], ROUNDING);
  });

  it("full and const create constants", () => {
    const f = runTensorOp("t.full", [], { value: 2.5, shape: [2, 2] });
    expect(f.shape).toEqual([2, 2]);
    expectAllClose(f.data, [2.5, 2.5, 2.5, 2.5], ROUNDING);
    const c = runTensorOp("t.const", [], { value: -3, dtype: "i32" });
    expect(c.shape).toEqual([]);
    expect(Array.from(c.data)).toEqual([-3]);
  });
});
