import { describe, expect, it } from "vitest";
import { CodegenError, emitKernel, hasKernel, resolveKernelSizes, type EmitOptions } from "../../compiler/codegen/index.js";
import { MAX_NORM_OPERANDS, globalNormLaunches } from "../../compiler/codegen/optimizer-clip.js";
import { allOpSpecs } from "../../compiler/ir/ops/index.js";
import type { Attrs, Dim, DType, Type } from "../../compiler/ir/types.js";
import { oneOpNode } from "../support/one-op.js";

// Codegen of the optimizer updates, t.cast and t.argmax_onehot without a GPU: coverage of the op
// table, pipeline sharing, the launch contract of chained global norms, and refusals.

const tensor = (shape: Dim[], dtype: DType = "f32"): Type => ({ kind: "tensor", dtype, shape });
const scalar = tensor([]);

const emit = (op: string, types: Type[], attrs: Attrs = {}, options: EmitOptions = {}) => emitKernel(oneOpNode(op, types, attrs), types, options);

const inputsOf = (k: { bindings: readonly { source: { kind: string; input?: number } }[] }) =>
  k.bindings.flatMap((b) => (b.source.kind === "input" ? [b.source.input] : []));
const storageBuffers = (k: { bindings: readonly { access: string }[] }) => k.bindings.filter((b) => b.access !== "uniform").length;

describe("kernel coverage", () => {
  it("every op of the table has a kernel but structural and graph-structure ops (computed on the host)", () => {
    const hostOnly = new Set(["g.add_self_loops", "g.degree", "g.gcn_norm"]);
    const missing = allOpSpecs()
      .map((s) => s.name)
      .filter((op) => !op.startsWith("s.") && !hostOnly.has(op) && !hasKernel(op));
    expect(missing).toEqual([]);
  });
});

describe("optimizer updates", () => {
  const adam = (shape: Dim[], attrs: Attrs = {}, options: EmitOptions = {}) =>
    emit("opt.adam_step", [tensor(shape), tensor(shape), tensor(shape), scalar, scalar], attrs, options);

  it("share one WGSL text across parameter shapes; attributes change it", () => {
    const base = adam([3]);
    expect(adam([300, 70]).wgsl).toBe(base.wgsl);
    expect(adam(["N", 8]).wgsl).toBe(base.wgsl);
    expect(adam([300, 70], {}, { symbols: { N: 4 } }).wgsl).toBe(base.wgsl);
    expect(adam([3], { beta1: 0.8 }).wgsl).not.toBe(base.wgsl);
    expect(base.uniforms).toEqual(["total"]);
    expect(inputsOf(base)).toEqual([0, 1, 2, 3, 4]);
  });

  it("launch one vec4 per work item and fold the grid past 65,535 workgroups", () => {
    const k = adam([7]);
    expect(k.dispatch({ total: 7 })).toEqual({ x: 1, y: 1, z: 1 });
    const big = k.dispatch({ total: 400_000_000 });
    expect(big.y).toBeGreaterThan(1);
    expect(big.x).toBeLessThanOrEqual(65_535);
    expect(big.x * big.y * k.workgroupSize[0] * 4 * 4).toBeGreaterThanOrEqual(400_000_000);
  });

  it("bind only the operands the form reads (momentum SGD does not read the gradient)", () => {
    const t = tensor([10]);
    expect(inputsOf(emit("opt.sgd_step", [t, t, scalar]))).toEqual([0, 1, 2]);
    expect(inputsOf(emit("opt.sgd_step", [t, t, t, scalar], { momentum: 0.9 }))).toEqual([0, 2, 3]);
    expect(inputsOf(emit("opt.sgd_step", [t, t, t, scalar], { momentum: 0.9, nesterov: true }))).toEqual([0, 1, 2, 3]);
  });

  it("refuse f16, attributes that are not finite f32, and in-place updates", () => {
    const h = tensor([4], "f16");
    expect(() => emit("opt.adam_m", [h, h])).toThrow(CodegenError);
    expect(() => emit("opt.l2", [tensor([4]), tensor([4])], { weight_decay: 1e39 })).toThrow(/not a finite f32/);
    expect(() => emit("opt.l2", [tensor([4]), tensor([4])], { weight_decay: 0.1 }, { inPlace: true })).toThrow(/in-place/);
  });
});

describe("opt.global_norm launches", () => {
  const grads = (n: number) => Array.from({ length: n }, (_, i) => tensor([i + 1, 3]));

  it("fit in one launch up to 7 operands; emitKernel refuses more and names the alternative", () => {
    const one = emit("opt.global_norm", grads(MAX_NORM_OPERANDS));
    expect(storageBuffers(one)).toBe(8);
    expect(one.dispatch(resolveKernelSizes(one, {}))).toEqual({ x: 1, y: 1, z: 1 });
    expect(resolveKernelSizes(one, {})).toMatchObject({ resume: 0, finish: 1 });
    expect(() => emit("opt.global_norm", grads(8))).toThrow(/globalNormLaunches/);
  });

  it("chain over chunks of 7 operands: every operand once, in order, one output, flags in the uniform", () => {
    const types = grads(20);
    const launches = globalNormLaunches(oneOpNode("opt.global_norm", types), types);
    expect(launches).toHaveLength(3);
    expect(launches.flatMap(inputsOf)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    for (const k of launches) {
      expect(storageBuffers(k)).toBeLessThanOrEqual(8);
      expect(k.bindings.filter((b) => b.source.kind === "output")).toHaveLength(1);
    }
    const flags = launches.map((k) => {
      const s = resolveKernelSizes(k, {});
      return [s.resume, s.finish];
    });
    expect(flags).toEqual([
      [0, 0],
      [1, 0],
      [1, 1],
    ]);
    // Full chunks share one pipeline whatever their shapes; the 6-operand tail has its own.
    expect(launches[1].wgsl).toBe(launches[0].wgsl);
    expect(launches[2].wgsl).not.toBe(launches[0].wgsl);
  });
});

describe("t.cast and t.argmax_onehot", () => {
  it("name each dtype pair and refuse f16", () => {
    expect(emit("t.cast", [tensor([5])], { dtype: "i32" }).name).toBe("t_cast_f32_i32");
    expect(emit("t.cast", [tensor([5], "bool")], { dtype: "f32" }).name).toBe("t_cast_bool_f32");
    expect(() => emit("t.cast", [tensor([5])], { dtype: "f16" })).toThrow(CodegenError);
    expect(() => emit("t.cast", [tensor([5], "f16")], { dtype: "f32" })).toThrow(CodegenError);
    expect(() => emit("t.argmax_onehot", [tensor([5, 2], "f16")], { axes: [0] })).toThrow(CodegenError);
  });

  it("one t.cast pipeline serves every length", () => {
    const a = emit("t.cast", [tensor([5])], { dtype: "u32" });
    expect(emit("t.cast", [tensor(["N", 3])], { dtype: "u32" }).wgsl).toBe(a.wgsl);
  });

  it("gives one team per line of t.argmax_onehot", () => {
    const k = emit("t.argmax_onehot", [tensor([10, 1000])], { axes: [1] });
    // Teams of 8 (128 elements each), 8 teams per 64-invocation workgroup: 2 workgroups for 10 lines.
    expect(k.wgsl).toContain("lid % 8u");
    expect(k.dispatch(resolveKernelSizes(k, {}))).toEqual({ x: 2, y: 1, z: 1 });
  });
});
