import { describe, expect, it } from "vitest";
import type { Module, ParamInfo } from "../../compiler/ir/types.js";
import { CheckpointError, isOptimizerState, matchParams, type SafeTensor } from "../../runtime/checkpoint/index.js";

const param = (name: string, shape: (number | string)[], dtype: "f32" | "i32" = "f32"): ParamInfo => ({
  name,
  type: { kind: "tensor", dtype, shape },
  init: { kind: "zeros" },
  trainable: !name.startsWith("opt."),
});

const MODULE: Module = {
  name: "small",
  symbols: { "syn.num_features": 3 },
  params: [param("lin.weight", [4, "syn.num_features"]), param("lin.bias", [4]), param("steps", [], "i32"), param("opt.m.lin.weight", [4, "syn.num_features"])],
  funcs: [],
};

const f32 = (shape: number[], fill = 1): SafeTensor => ({ dtype: "F32", shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(fill) });

function good(): Record<string, SafeTensor> {
  return { "lin.weight": f32([4, 3]), "lin.bias": f32([4]), steps: { dtype: "I32", shape: [], data: new Int32Array([5]) }, "opt.m.lin.weight": f32([4, 3], 0) };
}

function errorOf(tensors: Record<string, SafeTensor>, ignore?: (n: string) => boolean): string {
  try {
    matchParams(MODULE, {}, tensors, "ckpt.safetensors", { ignore });
  } catch (e) {
    expect(e).toBeInstanceOf(CheckpointError);
    return (e as Error).message;
  }
  throw new Error("expected a mismatch");
}

describe("matching a checkpoint to a module", () => {
  it("takes every parameter by name with the shapes the symbols give, converting F64 to f32", () => {
    const tensors: Record<string, SafeTensor> = { ...good(), "lin.bias": { dtype: "F64", shape: [4], data: new Float64Array([0.1, 0.2, 0.3, 0.4]) } };
    const params = matchParams(MODULE, {}, tensors, "ckpt.safetensors");
    expect(Object.keys(params)).toEqual(MODULE.params.map((p) => p.name));
    expect(params["lin.weight"]).toEqual({ kind: "tensor", dtype: "f32", shape: [4, 3], data: tensors["lin.weight"].data });
    expect(params["lin.bias"].data).toEqual(Float32Array.from([0.1, 0.2, 0.3, 0.4]));
    expect(params.steps.data).toEqual(new Int32Array([5]));
  });

  it("names the tensor and both shapes of a mismatch, and counts the others", () => {
    expect(errorOf({ ...good(), "lin.weight": f32([4, 5]) })).toBe("ckpt.safetensors: tensor `lin.weight` has shape [4, 5], but the model expects [4, 3]");
    expect(errorOf({ ...good(), "lin.weight": f32([4, 5]), "lin.bias": f32([2]) })).toBe(
      "ckpt.safetensors: tensor `lin.weight` has shape [4, 5], but the model expects [4, 3] (and 1 more mismatch)",
    );
  });

  it("reports missing tensors, unknown tensors and dtypes it cannot hold", () => {
    const { "opt.m.lin.weight": _, ...noState } = good();
    expect(errorOf(noState)).toContain("no tensor `opt.m.lin.weight`, which the model needs with shape [4, 3] (saved with another optimizer");
    expect(errorOf({ ...good(), "conv3.weight": f32([1]) })).toBe("ckpt.safetensors: the checkpoint has tensor `conv3.weight`, which the model does not have");
    expect(errorOf({ ...good(), steps: { dtype: "I64", shape: [], data: new BigInt64Array(1) } })).toContain(
      "tensor `steps` has dtype I64, but the model holds it as i32 (accepted: I32)",
    );
  });

  it("ignores tensors the caller does not need (optimizer state when predicting)", () => {
    const predictModule = { ...MODULE, params: MODULE.params.filter((p) => !isOptimizerState(p.name)) };
    const params = matchParams(predictModule, {}, { ...good(), "opt.v.lin.weight": f32([4, 3]) }, "ckpt", { ignore: isOptimizerState });
    expect(Object.keys(params)).toEqual(["lin.weight", "lin.bias", "steps"]);
  });
});
