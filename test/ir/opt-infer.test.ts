import { describe, it, expect } from "vitest";
import { withDefaults } from "../../compiler/ir/builder.js";
import { allOpSpecs, getOpSpec } from "../../compiler/ir/ops/index.js";
import type { InferError } from "../../compiler/ir/spec.js";
import type { Attrs, TensorType, Type } from "../../compiler/ir/types.js";
import type { TensorValue } from "../../compiler/ir/values.js";
import { f32 } from "../support/tensors.js";

/** The opt.* ops' type inference, attr checks, storage types and cost. */
const f16 = (...shape: (number | string)[]): TensorType => ({ kind: "tensor", dtype: "f16", shape });
const infer = (op: string, inputs: Type[], attrs: Attrs = {}) => getOpSpec(op)!.infer(inputs, withDefaults(op, attrs));
const error = (op: string, inputs: Type[], attrs: Attrs = {}) => (infer(op, inputs, attrs) as InferError).error;
const W = f32("F", 16);
const S = f32();

describe("opt.* type inference", () => {
  it("returns the parameter's type for update steps and a scalar for norms", () => {
    expect(infer("opt.sgd_buf", [W, W, S], { momentum: 0.9 })).toEqual(W);
    expect(infer("opt.sgd_step", [W, W, S])).toEqual(W);
    expect(infer("opt.sgd_step", [W, W, W, S], { momentum: 0.9, nesterov: true })).toEqual(W);
    expect(infer("opt.adam_m", [W, W])).toEqual(W);
    expect(infer("opt.adam_v", [W, W])).toEqual(W);
    expect(infer("opt.adam_step", [W, W, W, S, S])).toEqual(W);
    expect(infer("opt.l2", [W, W], { weight_decay: 5e-4 })).toEqual(W);
    expect(infer("opt.decay", [W, S], { weight_decay: 0.01 })).toEqual(W);
    expect(infer("opt.global_norm", [W, f32(16), f32(3, 3, 3)])).toEqual(S);
    expect(infer("opt.clip_factor", [S], { max_norm: 1 })).toEqual(S);
  });

  it("names the mismatched operand", () => {
    expect(error("opt.adam_m", [W, f32("F", 8)])).toBe("g must be f32[F,16] to match m, got f32[F,8]");
    expect(error("opt.adam_step", [W, W, W, f32(1), S])).toBe("lr must be a float scalar (f32[]), got f32[1]");
    expect(error("opt.l2", [W, f16("F", 16)], { weight_decay: 0.1 })).toBe("param must be f32[F,16] to match grad, got f16[F,16]");
    expect(error("opt.sgd_step", [{ kind: "tensor", dtype: "i32", shape: [3] }, W, S])).toBe("param must be a float tensor, got i32[3]");
    expect(error("opt.global_norm", [W, f16(3)])).toBe("gradient 1 is f16[3] but gradient 0 is f32[F,16]: dtypes differ");
    expect(error("opt.clip_factor", [f32(2)], { max_norm: 1 })).toBe("norm must be a scalar, got f32[2]");
  });

  it("checks the operand form against the attrs", () => {
    expect(error("opt.sgd_step", [W, W, S], { momentum: 0.9 })).toBe("opt.sgd_step: momentum 0.9 needs the buffer: operands (param, grad, buf, lr)");
    expect(error("opt.sgd_step", [W, W, W, S])).toBe("opt.sgd_step: momentum 0 uses no buffer: operands (param, grad, lr)");
    expect(error("opt.sgd_step", [W, W])).toBe("opt.sgd_step takes (param, grad, lr) or (param, grad, buf, lr), got 2 operand(s)");
  });

  it("rejects out-of-range hyper-parameters", () => {
    expect(error("opt.adam_m", [W, W], { beta1: 1 })).toBe("opt.adam_m: beta1 must lie in [0, 1), got 1");
    expect(error("opt.adam_step", [W, W, W, S, S], { eps: -1 })).toBe("opt.adam_step: eps must lie in [0, ∞), got -1");
    expect(error("opt.l2", [W, W], { weight_decay: -0.1 })).toBe("opt.l2: weight_decay must lie in [0, ∞), got -0.1");
    expect(error("opt.clip_factor", [S], { max_norm: 0 })).toBe("opt.clip_factor: max_norm must be > 0, got 0");
  });
});

describe("opt.* ops", () => {
  it("are all non-differentiable and single-result", () => {
    const opt = allOpSpecs().filter((s) => s.name.startsWith("opt."));
    expect(opt.map((s) => s.name).sort()).toEqual(
      ["opt.adam_m", "opt.adam_step", "opt.adam_v", "opt.clip_factor", "opt.decay", "opt.global_norm", "opt.l2", "opt.sgd_buf", "opt.sgd_step"],
    );
    for (const s of opt) {
      expect(s.nondifferentiable, s.name).toBe(true);
      expect(s.vjp, s.name).toBeUndefined();
    }
  });

  it("write results in the parameter's storage type (f64 stays f64)", () => {
    const wide = (data: number[]): TensorValue => ({ kind: "tensor", dtype: "f32", shape: [data.length], data: Float64Array.from(data) });
    const one = (v: number): TensorValue => ({ kind: "tensor", dtype: "f32", shape: [], data: Float32Array.of(v) });
    const spec = getOpSpec("opt.adam_step")!;
    const out = spec.interpret([wide([1, 2]), wide([0.1, 0.2]), wide([0.001, 0.004]), one(0.1), one(1)], withDefaults("opt.adam_step", {}), { runRegion: () => [] });
    expect((out as TensorValue).data).toBeInstanceOf(Float64Array);
    // First step from g = [1, 2]: m = 0.1·g, v = 0.001·g², so the bias-corrected m/√v is 1 and each element moves by lr.
    expect(Array.from((out as TensorValue).data)).toEqual([expect.closeTo(0.9, 6), expect.closeTo(1.9, 6)]);
  });

  it("count one read of every operand and one write in their cost", () => {
    const cost = getOpSpec("opt.adam_step")!.cost([W, W, W, S, S], W, withDefaults("opt.adam_step", {}), { F: 10 });
    expect(cost.bytes).toBe(4 * (4 * 160 + 2));
    expect(cost.flops).toBeGreaterThan(0);
  });
});
