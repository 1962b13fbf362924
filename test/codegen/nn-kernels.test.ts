import { describe, expect, it } from "vitest";
import { CodegenError, emitKernel, kernelOps, type EmitOptions } from "../../compiler/codegen/index.js";
import { storedWord } from "../../compiler/codegen/fill.js";
import { gradientGroups } from "../../compiler/codegen/loss-parts.js";
import { NN_EMITTERS } from "../../compiler/codegen/nn-emitters.js";
import type { Attrs, Dim, DType, Type } from "../../compiler/ir/types.js";
import { oneOpNode } from "../support/one-op.js";

// The reduction, norm, loss, RNG and fill kernels without a GPU: determinism, the launch
// contract (bindings, uniforms, grids), the team choice, pipeline sharing and refusals. The
// numbers themselves are test/gpu's job.

const tensor = (shape: Dim[], dtype: DType = "f32"): Type => ({ kind: "tensor", dtype, shape });
const RNG: Type = { kind: "rng" };

function emit(op: string, types: Type[], attrs: Attrs = {}, options: EmitOptions = {}) {
  return emitKernel(oneOpNode(op, types, attrs), types, options);
}

const x = tensor(["N", 16]);
const labels = tensor(["N"], "i32");
const mask = tensor(["N"], "bool");
const cot = tensor([]);
const vec = tensor([16]);

/** One representative call per op, with its largest operand list. */
const SAMPLES: Record<string, { types: Type[]; attrs?: Attrs }> = {
  "t.sum": { types: [x], attrs: { axes: [0] } },
  "t.mean": { types: [x], attrs: { axes: [-1], keepdims: true } },
  "t.max": { types: [tensor([4, "N", 3])], attrs: { axes: [0, 2] } },
  "t.softmax": { types: [x], attrs: { axis: -1 } },
  "t.log_softmax": { types: [x], attrs: { axis: 0 } },
  "nn.layer_norm": { types: [x, vec, vec], attrs: { mode: "graph" } },
  "nn.batch_norm": { types: [x, vec, vec, vec, vec], attrs: { training: false } },
  "nn.cross_entropy": { types: [x, labels, mask] },
  "nn.cross_entropy_grad": { types: [cot, x, labels, mask] },
  "nn.nll": { types: [x, labels, mask] },
  "nn.nll_grad": { types: [cot, x, labels, mask] },
  "nn.bce_with_logits": { types: [x, x, tensor(["N", 16])] },
  "nn.bce_with_logits_grad": { types: [cot, x, x, mask] },
  "nn.mse": { types: [x, x, mask] },
  "nn.mse_grad": { types: [cot, x, x, tensor(["N", 16])] },
  "s.rng_fold": { types: [RNG, tensor([], "i32")], attrs: { salt: 5 } },
  "nn.dropout": { types: [x, RNG], attrs: { p: 0.5 } },
  "nn.dropout_mask": { types: [x, RNG], attrs: { p: 0.25 } },
  "t.full": { types: [], attrs: { value: 1, shape: ["N", 3] } },
  "t.const": { types: [], attrs: { value: 2.5 } },
  "t.zeros_like": { types: [x] },
  "t.stop_gradient": { types: [tensor(["N", 3], "i32")] },
};

describe("NN_EMITTERS", () => {
  it("registers every op it has a sample for, in emitKernel's table", () => {
    expect(NN_EMITTERS.map(([op]) => op).sort()).toEqual(Object.keys(SAMPLES).sort());
    expect(kernelOps()).toEqual(expect.arrayContaining(Object.keys(SAMPLES)));
  });

  for (const [op, { types, attrs }] of Object.entries(SAMPLES)) {
    it(`${op}: byte-identical WGSL, at most 8 storage buffers, bindings in order with the output`, () => {
      const a = emit(op, types, attrs);
      const b = emit(op, types, attrs);
      expect(a.wgsl).toBe(b.wgsl);
      expect(a.wgsl).toMatch(/^\/\/ gnnc kernel \S+: /);
      expect(a.bindings.map((k) => k.binding)).toEqual(a.bindings.map((_, i) => i));
      expect(a.bindings.filter((k) => k.access !== "uniform").length).toBeLessThanOrEqual(8);
      expect(a.bindings.filter((k) => k.source.kind === "output")).toHaveLength(1);
      for (const k of a.bindings) expect(a.wgsl).toContain(`@binding(${k.binding}) var<`);
      // Symbolic N travels in the uniform, declared last.
      if (a.uniforms.length > 0) expect(a.bindings.at(-1)).toMatchObject({ name: "sizes", source: { kind: "sizes" } });
    });
  }
});

describe("teams", () => {
  it("folds short lines alone (no barrier) and long or symbolic ones with teams of up to 256", () => {
    const short = emit("t.sum", [tensor([100, 12])], { axes: [1] });
    expect(short.wgsl).not.toContain("workgroupBarrier");
    expect(short.workgroupSize).toEqual([64, 1, 1]);
    expect(short.dispatch({ d0: 100, d1: 12, lines: 100, len: 12 })).toEqual({ x: 2, y: 1, z: 1 });
    const column = emit("t.sum", [tensor(["N", 12])], { axes: [0] });
    expect(column.workgroupSize).toEqual([256, 1, 1]);
    expect(column.wgsl).toContain("workgroupBarrier");
    // Four side-by-side columns per team: 3 workgroups for 12 columns.
    expect(column.dispatch({ d0: 200_000, d1: 12, lines: 12, len: 200_000 })).toEqual({ x: 3, y: 1, z: 1 });
    expect(column.name).toBe("t_sum_f32_across4");
    expect(short.name).toBe("t_sum_f32_along4");
    expect(emit("t.sum", [tensor([100, 7])], { axes: [1] }).name).toBe("t_sum_f32");
    const row = emit("t.softmax", [tensor([10, 1000])], { axis: 1 });
    expect(row.workgroupSize).toEqual([64, 1, 1]);
    expect(row.wgsl).toContain("lid % 8u"); // a team of 8 per 1,000-element row (128 elements each)
  });

  it("walks columns by a stride and rows contiguously, merging neighbouring axes", () => {
    expect(emit("t.sum", [tensor([7, 5])], { axes: [0] }).wgsl).toContain("return j * 5u;");
    expect(emit("t.sum", [tensor([7, 5])], { axes: [1] }).wgsl).toContain("return o * 5u;");
    const merged = emit("t.mean", [tensor([2, 3, 4, 5])], { axes: [2, 3] }).wgsl;
    expect(merged).toContain("return o * 20u;");
    expect(merged).toContain("return j;");
  });

  it("normalises the whole tensor in one workgroup in graph mode", () => {
    const k = emit("nn.layer_norm", [x], { mode: "graph" });
    expect(k.dispatch({ d0: 1000, c: 16, lines: 1, len: 16_000, d1: 16 })).toEqual({ x: 1, y: 1, z: 1 });
  });
});

describe("pipeline sharing", () => {
  it("gives every rng_fold salt the same WGSL (the salt is a uniform)", () => {
    const a = emit("s.rng_fold", [RNG], { salt: 1 });
    const b = emit("s.rng_fold", [RNG], { salt: 0xffffffff });
    expect(a.wgsl).toBe(b.wgsl);
    expect(a.uniforms).toEqual(["salt"]);
    expect(b.sizes.salt).toBe(0xffffffff);
  });

  it("gives every fill the same WGSL whatever its value, dtype and shape", () => {
    const a = emit("t.full", [], { value: 1, shape: [3, 4] });
    const b = emit("t.full", [], { value: -Infinity, shape: ["N"], dtype: "f32" });
    const c = emit("t.const", [], { value: 7, dtype: "i32" });
    expect(b.wgsl).toBe(a.wgsl);
    expect(c.wgsl).toBe(a.wgsl);
    expect(b.sizes.word).toBe(0xff800000);
  });

  it("bakes dropout's p as an integer threshold, and p = 1 without an infinite scale", () => {
    expect(emit("nn.dropout", [x, RNG], { p: 0.5 }).wgsl).toContain(`${2 ** 23}u`);
    expect(emit("nn.dropout", [x, RNG], { p: 0.5 }).wgsl).not.toBe(emit("nn.dropout", [x, RNG], { p: 0.25 }).wgsl);
    expect(emit("nn.dropout_mask", [x, RNG], { p: 1 }).wgsl).toContain(`${2 ** 24}u`);
    // Shapes only reach the uniform.
    expect(emit("nn.dropout", [tensor([3, 3]), RNG], { p: 0.5 }).wgsl).toBe(emit("nn.dropout", [x, RNG], { p: 0.5 }).wgsl);
  });
});

describe("losses", () => {
  it("spread gradients over a bounded number of workgroups", () => {
    expect(gradientGroups(0, 0, 10, 256)).toBe(0);
    expect(gradientGroups(100, 700, 100, 256)).toBe(1);
    expect(gradientGroups(200_000, 8_000_000, 200_000, 256)).toBe(64);
    expect(gradientGroups(200_000, 1_400_000, 200_000, 256)).toBe(28); // 4 × 7 classes
    expect(gradientGroups(1_000_000, 1_000_000, 1_000_000, 256)).toBe(4); // per-element mask
    expect(gradientGroups(30_000_000, 30_000_000, 0, 256)).toBe(65_535); // no fold: invocations stride
  });

  it("binds only what a loss reads (nll's gradient reads no x)", () => {
    expect(emit("nn.nll_grad", [cot, x, labels]).bindings.map((b) => b.name)).toEqual(["cotangent", "labels", "out", "sizes"]);
    expect(emit("nn.mse_grad", [cot, tensor([5, 3]), tensor([5, 3])]).bindings.map((b) => b.name)).toEqual([
      "cotangent",
      "x",
      "y",
      "out",
      "sizes",
    ]);
  });
});

describe("storedWord", () => {
  it("converts fill values as the interpreter stores them", () => {
    expect(storedWord(1, "f32")).toBe(0x3f800000);
    expect(storedWord(-0, "f32")).toBe(0x80000000);
    expect(storedWord(NaN, "f32")).toBe(0x7fc00000);
    expect(storedWord(-3.7, "i32")).toBe(0xfffffffd);
    expect(storedWord(3e9, "i32")).toBe(3_000_000_000);
    expect(storedWord(-1, "u32")).toBe(0xffffffff);
    expect(storedWord(NaN, "i32")).toBe(0);
    expect(storedWord(0.2, "bool")).toBe(1);
    expect(storedWord(NaN, "bool")).toBe(0);
  });
});

describe("refusals", () => {
  it("throws CodegenError for f16, in-place requests and eps without an f32 constant", () => {
    expect(() => emit("t.sum", [tensor([4], "f16")], { axes: [0] })).toThrow(CodegenError);
    expect(() => emit("t.softmax", [tensor([4], "f16")], { axis: 0 })).toThrow(CodegenError);
    expect(() => emit("t.full", [], { value: 1, shape: [2], dtype: "f16" })).toThrow(CodegenError);
    expect(() => emit("t.sum", [x], { axes: [0] }, { inPlace: true })).toThrow(/no in-place variant/);
    expect(() => emit("nn.layer_norm", [x], { eps: Infinity })).toThrow(CodegenError);
    expect(() => emit("nn.batch_norm", SAMPLES["nn.batch_norm"].types, { eps: NaN })).toThrow(/eps = NaN/);
  });
});
