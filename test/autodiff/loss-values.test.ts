import { describe, it, expect } from "vitest";
import { BuildError, FuncBuilder } from "../../compiler/ir/builder.js";
import { getOpSpec } from "../../compiler/ir/ops/index.js";
import type { InferError } from "../../compiler/ir/spec.js";
import type { Type } from "../../compiler/ir/types.js";
import { f64, interpret, tensor } from "./loss-helpers.js";
import { f32 } from "../support/tensors.js";
import { runTensorOp } from "../support/one-op.js";

/** Loss values against the PyTorch formulas written out by hand. */

const close = (v: number, expected: number, tol = 1e-6) => expect(Math.abs(v - expected)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(expected)));

/** −log softmax(row)[label], straight from the definition. */
const ceRow = (row: number[], label: number) => -Math.log(Math.exp(row[label]) / row.reduce((s, v) => s + Math.exp(v), 0));

describe("nn.cross_entropy", () => {
  const rows = [
    [1, 2, 3],
    [1, 1, 1],
    [0, 0, 5],
  ];
  const logits = tensor([3, 3], rows.flat());
  const labels = tensor([3], [2, 0, -1], "i32");

  it("is the mean of −log_softmax[label] over labelled rows (−1 ignored)", () => {
    const out = runTensorOp("nn.cross_entropy", [logits, labels]);
    expect(out.shape).toEqual([]);
    close(out.data[0], (ceRow(rows[0], 2) + ceRow(rows[1], 0)) / 2);
    close(out.data[0], 0.7531091);
  });

  it("averages over the masked rows only; a float mask weights them", () => {
    const labels3 = tensor([3], [2, 0, 1], "i32");
    close(runTensorOp("nn.cross_entropy", [logits, labels3, tensor([3], [1, 0, 1], "bool")]).data[0], (ceRow(rows[0], 2) + ceRow(rows[2], 1)) / 2);
    const weights = tensor([3], [0.5, 2, 0]);
    close(runTensorOp("nn.cross_entropy", [logits, labels3, weights]).data[0], (0.5 * ceRow(rows[0], 2) + 2 * ceRow(rows[1], 0)) / 2.5);
  });

  it("is 0, not NaN, when no row is selected", () => {
    expect(runTensorOp("nn.cross_entropy", [logits, labels, tensor([3], [0, 0, 1], "bool")]).data[0]).toBe(0);
    expect(runTensorOp("nn.cross_entropy", [logits, tensor([3], [-1, -1, -1], "i32")]).data[0]).toBe(0);
  });

  it("stays finite for large logits (max-subtracted)", () => {
    const big = runTensorOp("nn.cross_entropy", [tensor([1, 2], [1000, 0]), tensor([1], [1], "i32")]);
    close(big.data[0], 1000);
  });

  it("rejects a label outside [0, C) other than −1 when run", () => {
    expect(() => runTensorOp("nn.cross_entropy", [logits, tensor([3], [0, 3, 1], "i32")])).toThrow(/label 3 of row 1 is out of range/);
  });
});

describe("nn.nll", () => {
  it("is the mean of −logp[label] over masked, labelled rows", () => {
    const logp = tensor([3, 2], [-0.1, -2.3, -1.2, -0.4, -0.7, -0.7]);
    close(runTensorOp("nn.nll", [logp, tensor([3], [1, 0, -1], "i32")]).data[0], (2.3 + 1.2) / 2);
    close(runTensorOp("nn.nll", [logp, tensor([3], [1, 0, 1], "i32"), tensor([3], [0, 1, 1], "bool")]).data[0], (1.2 + 0.7) / 2);
  });

  it("ignores −inf log-probabilities of rows it does not count", () => {
    const logp = tensor([2, 2], [-Infinity, 0, -0.5, -1]);
    close(runTensorOp("nn.nll", [logp, tensor([2], [0, 1], "i32"), tensor([2], [0, 1], "bool")]).data[0], 1);
  });
});

describe("nn.bce_with_logits", () => {
  const bce = (x: number, y: number) => {
    const s = 1 / (1 + Math.exp(-x));
    return -(y * Math.log(s) + (1 - y) * Math.log(1 - s));
  };
  const xs = [0.3, -1.2, 2.0, 0, -0.4, 1.5];
  const ys = [1, 0, 0.25, 1, 0, 1];

  it("matches −[y·log σ(x) + (1−y)·log(1−σ(x))] averaged over elements", () => {
    const out = runTensorOp("nn.bce_with_logits", [tensor([3, 2], xs), tensor([3, 2], ys)]);
    close(out.data[0], xs.reduce((s, x, k) => s + bce(x, ys[k]), 0) / 6);
  });

  it("takes a per-row or a per-element mask", () => {
    const perRow = runTensorOp("nn.bce_with_logits", [tensor([3, 2], xs), tensor([3, 2], ys), tensor([3], [1, 0, 1], "bool")]);
    close(perRow.data[0], (bce(xs[0], ys[0]) + bce(xs[1], ys[1]) + bce(xs[4], ys[4]) + bce(xs[5], ys[5])) / 4);
    const perElement = runTensorOp("nn.bce_with_logits", [tensor([3, 2], xs), tensor([3, 2], ys), tensor([3, 2], [0, 1, 0, 0, 1, 0], "bool")]);
    close(perElement.data[0], (bce(xs[1], ys[1]) + bce(xs[4], ys[4])) / 2);
  });

  it("is stable where the naive form overflows", () => {
    const out = runTensorOp("nn.bce_with_logits", [tensor([2], [100, -100]), tensor([2], [0, 1])]);
    close(out.data[0], 100);
  });
});

describe("nn.mse", () => {
  it("is the mean squared difference, masked by rows or elements", () => {
    const a = tensor([2, 2], [1, 2, 3, 4]);
    const b = tensor([2, 2], [0, 0, 1, 1]);
    close(runTensorOp("nn.mse", [a, b]).data[0], (1 + 4 + 4 + 9) / 4);
    close(runTensorOp("nn.mse", [a, b, tensor([2], [0, 1], "bool")]).data[0], (4 + 9) / 2);
    close(runTensorOp("nn.mse", [a, b, tensor([2, 2], [1, 0, 0, 1])]).data[0], (1 + 9) / 2);
    expect(runTensorOp("nn.mse", [a, b, tensor([2], [0, 0], "bool")]).data[0]).toBe(0);
  });
});

describe("loss results follow the float inputs' storage", () => {
  it("writes f64 results from f64 inputs and f32 from f32", () => {
    const x = tensor([2, 2], [0.1, 0.2, 0.3, 0.4]);
    const labels = tensor([2], [0, 1], "i32");
    expect(interpret("nn.cross_entropy", [x, labels]).data).toBeInstanceOf(Float32Array);
    expect(interpret("nn.cross_entropy", [f64(x), labels]).data).toBeInstanceOf(Float64Array);
    expect(interpret("nn.mse_grad", [f64(tensor([], [1])), f64(x), f64(x)]).data).toBeInstanceOf(Float64Array);
  });
});

describe("loss type inference", () => {
  const i32 = (...shape: (number | string)[]): Type => ({ kind: "tensor", dtype: "i32", shape });
  const bool = (...shape: (number | string)[]): Type => ({ kind: "tensor", dtype: "bool", shape });
  const infer = (op: string, inputs: Type[]) => getOpSpec(op)!.infer(inputs, {});
  const error = (op: string, inputs: Type[]) => (infer(op, inputs) as InferError).error;

  it("gives scalars of the logits' dtype and gradients of the logits' type", () => {
    expect(infer("nn.cross_entropy", [f32("N", "C"), i32("N"), bool("N")])).toEqual(f32());
    expect(infer("nn.bce_with_logits", [f32("N", "T"), f32("N", "T"), f32("N", "T")])).toEqual(f32());
    expect(infer("nn.cross_entropy_grad", [f32(), f32("N", "C"), i32("N")])).toEqual(f32("N", "C"));
  });

  it("says what is wrong with each operand", () => {
    expect(error("nn.cross_entropy", [f32("N"), i32("N")])).toBe("nn.cross_entropy needs x of shape [N,C], got f32[N]");
    expect(error("nn.cross_entropy", [f32("N", "C"), i32("M")])).toBe("labels must be i32[N] to match x f32[N,C], got i32[M]");
    expect(error("nn.nll", [f32("N", "C"), f32("N")])).toMatch(/labels must be i32\[N\]/);
    expect(error("nn.cross_entropy", [f32("N", "C"), i32("N"), i32("N")])).toBe("mask must be bool or float, got i32[N]");
    expect(error("nn.mse", [f32("N", 4), f32("N", 4), bool(4)])).toBe("mask must have shape [N] or [N,4], got bool[4]");
    expect(error("nn.mse", [f32("N", 4), f32("N", 3)])).toBe("b must be f32[N,4] to match a, got f32[N,3]");
    expect(error("nn.bce_with_logits", [f32("N"), i32("N")])).toBe("targets must be a float tensor, got i32[N]");
    expect(error("nn.mse_grad", [f32(1), f32(3), f32(3)])).toBe("cotangent must be a scalar f32[], got f32[1]");
  });

  it("surfaces through the builder as a BuildError naming the op", () => {
    const b = new FuncBuilder("f");
    const x = b.leaf("s.input", f32("N", 3), { name: "x" });
    const y = b.leaf("s.input", f32("N", 3), { name: "y" });
    expect(() => b.emit("nn.cross_entropy", [x, y])).toThrow(BuildError);
  });
});
