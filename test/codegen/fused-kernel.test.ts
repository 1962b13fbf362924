import { describe, expect, it } from "vitest";
import { CodegenError, emitKernel, type EmitOptions } from "../../compiler/codegen/index.js";
import { BINARY, UNARY } from "../../compiler/codegen/elementwise-ops.js";
import { FuncBuilder } from "../../compiler/ir/builder.js";
import { FUSABLE_OPS } from "../../compiler/ir/ops/fused.js";
import type { DType, Dim, Func, Node, Type } from "../../compiler/ir/types.js";
import { runPipeline } from "../../compiler/passes/index.js";

// The t.fused kernel without a GPU: determinism across builds, the launch contract and refusals.
// Whether it computes the right numbers is test/gpu/fused.test.ts's job.

const tensor = (shape: Dim[], dtype: DType = "f32"): Type => ({ kind: "tensor", dtype, shape });
const RNG: Type = { kind: "rng" };

/** Build `chain` over leaves of `types` (after `pad` unrelated leaves, to shift every id) and fuse it. */
function fusedOf(types: Type[], chain: (b: FuncBuilder, ids: number[]) => number, pad = 0): { node: Node; types: Type[] } {
  const b = new FuncBuilder("f");
  for (let k = 0; k < pad; k++) b.leaf("s.input", tensor([1]), { name: `pad${k}` });
  const ids = types.map((t, i) => b.leaf("s.input", t, { name: `in${i}` }));
  const f: Func = b.finish([chain(b, ids)], ["out"]);
  const r = runPipeline({ name: "m", symbols: {}, params: [], funcs: [f] }, "fuse-elementwise");
  expect(r.diagnostics).toEqual([]);
  const node = r.module.funcs[0].body.find((n) => n.op === "t.fused");
  if (!node) throw new Error("the chain did not fuse");
  return { node, types: node.inputs.map((id) => r.module.funcs[0].body.find((n) => n.id === id)!.type) };
}

function emitFusedOf(types: Type[], chain: (b: FuncBuilder, ids: number[]) => number, options: EmitOptions = {}, pad = 0) {
  const { node, types: operandTypes } = fusedOf(types, chain, pad);
  return emitKernel(node, operandTypes, options);
}

const biasRelu = (b: FuncBuilder, [x, bias, s]: number[]) => b.emit("t.mul", [b.emit("t.relu", [b.emit("t.add", [x, bias])]), s]);

describe("t.fused kernel", () => {
  it("has WGSL for every op a fused region may hold", () => {
    const special = new Set(["t.broadcast_to", "nn.dropout"]);
    for (const op of FUSABLE_OPS) expect(op in UNARY || op in BINARY || special.has(op), op).toBe(true);
  });

  it("gives byte-identical WGSL for equal chains whatever their ids, and different text when an op changes", () => {
    const types = [tensor(["N", 16]), tensor([16]), tensor([])];
    const a = emitFusedOf(types, biasRelu);
    const b = emitFusedOf(types, biasRelu, {}, 5);
    expect(b.wgsl).toBe(a.wgsl);
    expect(a.wgsl).toMatch(/^\/\/ gnnc kernel t_fused_f32_v4: t\.add · t\.relu · t\.mul over f32, 3 operand\(s\)/);
    const sub = emitFusedOf(types, (bb, [x, bias, s]) => bb.emit("t.mul", [bb.emit("t.relu", [bb.emit("t.sub", [x, bias])]), s]));
    expect(sub.wgsl).not.toBe(a.wgsl);
  });

  it("binds each operand once, the output, and the sizes uniform only for unknown sizes", () => {
    const types = [tensor(["N", 16]), tensor([16]), tensor([])];
    const symbolic = emitFusedOf(types, biasRelu);
    expect(symbolic.bindings.map((b) => [b.name, b.wgslType, b.source])).toEqual([
      ["p0", "array<vec4<f32>>", { kind: "input", input: 0 }],
      ["p1", "array<vec4<f32>>", { kind: "input", input: 1 }],
      ["p2", "array<f32>", { kind: "input", input: 2 }], // a scalar, splat across the lanes
      ["out", "array<vec4<f32>>", { kind: "output" }],
      ["sizes", "Sizes", { kind: "sizes" }],
    ]);
    expect(symbolic.uniforms).toEqual(["total", "d0"]);
    const known = emitFusedOf(types, biasRelu, { symbols: { N: 10 } });
    expect(known.uniforms).toEqual([]);
    expect(known.dispatch({ total: 160, d0: 10 })).toEqual({ x: 1, y: 1, z: 1 });
  });

  it("falls back to scalars when a row is not a multiple of 4, and reads a column by its row", () => {
    const k = emitFusedOf([tensor(["N", 6]), tensor(["N", 1])], (b, [x, col]) => b.emit("t.exp", [b.emit("t.mul", [x, col])]));
    expect(k.name).toBe("t_fused_f32");
    expect(k.wgsl).toContain("let p1i = c0;");
    expect(k.wgsl).toContain("fn gnnc_fused(p0: f32, p1: f32) -> f32 {\n  let v0 = (p0 * p1);\n  let v1 = exp(v0);\n  return v1;\n}");
  });

  it("draws dropout masks per unit with the key bound as words, and passes them to the element function", () => {
    const k = emitFusedOf([tensor(["N", 8]), RNG, tensor(["N", 8])], (b, [x, key, h]) =>
      b.emit("t.neg", [b.emit("t.mul", [b.emit("nn.dropout", [x, key], { p: 0.5 }), b.emit("t.step", [h])])]),
      { symbols: { N: 10 } }, // a known row count: the flat size is a multiple of 4, so vec4
    );
    expect(k.bindings[1]).toMatchObject({ name: "p1", wgslType: "array<u32>", source: { kind: "input", input: 1 } });
    expect(k.wgsl).toContain("fn gnnc_philox(");
    expect(k.wgsl).toContain(`(w0 >> vec4<u32>(8u)) >= vec4<u32>(${2 ** 23}u)`);
    expect(k.wgsl).toContain("fn gnnc_fused(p0: f32, p2: f32, m0: f32) -> f32 {\n  let v0 = (p0 * m0);");
  });

  it("computes integer chains in their own scalar type", () => {
    const k = emitFusedOf([tensor([9], "i32"), tensor([9], "i32")], (b, [x, y]) => b.emit("t.abs", [b.emit("t.div", [x, y])]));
    expect(k.wgsl).toContain("fn gnnc_fused(p0: i32, p1: i32) -> i32 {");
    expect(k.wgsl).toContain("select(p0 / p1, 0i, p1 == 0i)");
  });

  it("refuses dtypes without kernels, attributes WGSL cannot write, and more operands than 8 storage buffers hold", () => {
    const f16 = [tensor([4], "f16"), tensor([4], "f16")];
    expect(() => emitFusedOf(f16, (b, [x, y]) => b.emit("t.relu", [b.emit("t.add", [x, y])]))).toThrow(CodegenError);
    expect(() => emitFusedOf([tensor([4])], (b, [x]) => b.emit("t.exp", [b.emit("t.leaky_relu", [x], { slope: Infinity })]))).toThrow(
      /t\.leaky_relu \(%\d+\) in the fused region: WGSL has no f32 constant for Infinity/,
    );
    // Eight operands: only a hand-built node has that many (the pass stops at seven).
    const b = new FuncBuilder("f");
    const types = Array.from({ length: 8 }, () => tensor([4]));
    const ids = types.map((t, i) => b.leaf("s.input", t, { name: `in${i}` }));
    const region = b.region(types, (ps) => [ps.slice(1).reduce((acc, p) => b.emit("t.add", [acc, p]), ps[0])]);
    const node = b.finish([b.emit("t.fused", ids, {}, undefined, [region])], ["out"]).body.at(-1)!;
    expect(() => emitKernel(node, types)).toThrow(/8 operands and the output exceed the 8 storage buffers/);
  });
});
