/// <reference types="@webgpu/types" />
import { describe, expect, it } from "vitest";
import { CodegenError, emitKernel, type EmitOptions, type KernelSpec } from "../../compiler/codegen/index.js";
import { FuncBuilder } from "../../compiler/ir/builder.js";
import type { Func, Node, Type } from "../../compiler/ir/types.js";
import type { RngValue, TensorValue, Value } from "../../compiler/ir/values.js";
import { runPipeline } from "../../compiler/passes/index.js";
import { runFunc } from "../../runtime/reference/index.js";
import type { GpuDevice } from "../../runtime/gpu/index.js";
import { randomGraph, tensor, useGpu } from "./helpers.js";
import { firstDifference, launchWords, wordsOf } from "./word-launch.js";
import { f32, random, randomTensor } from "../support/tensors.js";
import { typeOf } from "../support/one-op.js";
import { expectAllClose } from "../support/allclose.js";

// Matmul and SpMM kernels with fused epilogues (bias, activations, masks, dropout) against the
// interpreter running the unfused ops: every transpose variant, vec4 and scalar stores, ragged
// sizes, empty rows, per-head weights, views through reshapes, symbolic sizes, dropout bit for bit.
const gpu = useGpu();

type Build = (b: FuncBuilder, ids: number[]) => number;

interface EpilogueCase {
  inputs: Value[];
  build: Build;
  /** Leaf types (default: the values' own); symbolic dims go through the sizes uniform. */
  types?: Type[];
  symbols?: Record<string, number>;
  emit?: EmitOptions;
  /** Compare words exactly (integer-valued data, where f32 and the interpreter's f64 sums agree). */
  exact?: boolean;
}

/** The case before and after fuse-elementwise,fuse-epilogue; the function's result must be one epilogue node. */
function build(c: EpilogueCase): { before: Func; after: Func; node: Node } {
  const b = new FuncBuilder("case");
  const ids = (c.types ?? c.inputs.map(typeOf)).map((t, i) => b.leaf("s.input", t, { name: `in${i}` }));
  const before = b.finish([c.build(b, ids)], ["out"]);
  const r = runPipeline({ name: "m", symbols: {}, params: [], funcs: [before] }, "fuse-elementwise,fuse-epilogue");
  expect(r.diagnostics).toEqual([]);
  const after = r.module.funcs[0];
  const node = after.body[after.body.length - 1];
  expect(node.op).toMatch(/_epilogue$/);
  expect(after.body.filter((n) => n.op.endsWith("_epilogue") || n.op === "t.fused")).toEqual([node]);
  return { before, after, node };
}

/** Run the epilogue node's kernel on its operands' values (`env` runs `after` up to them); returns the kernel and the result's words. */
async function runEpilogue(g: GpuDevice, c: EpilogueCase, after: Func, node: Node, env: Parameters<typeof runFunc>[1], bytes: number) {
  const types = node.inputs.map((id) => after.body.find((n) => n.id === id)!.type);
  const kernel = emitKernel(node, types, c.emit ?? {});
  const upTo = { ...after, body: after.body.slice(0, -1), results: node.inputs, resultNames: node.inputs.map((id) => `%${id}`) };
  const operands = runFunc(upTo, env);
  return { kernel, words: await launchWords(g, kernel, (input) => operands[input], c.symbols ?? {}, bytes) };
}

/** Fuse, check the fused interpretation word for word, run on the GPU, compare with the unfused ops. */
async function check(g: GpuDevice, c: EpilogueCase): Promise<KernelSpec> {
  const { before, after, node } = build(c);
  const env = { inputs: Object.fromEntries(c.inputs.map((v, i) => [`in${i}`, v])), params: {}, symbols: c.symbols };
  const expected = runFunc(before, env)[0] as TensorValue;
  expect(wordsOf(runFunc(after, env)[0])).toEqual(wordsOf(expected));
  const { kernel, words } = await runEpilogue(g, c, after, node, env, expected.data.length * 4);
  if (c.exact) expect(firstDifference(words, wordsOf(expected))).toBe(-1);
  else expectAllClose({ ...expected, data: new Float32Array(words.buffer) }, expected);
  return kernel;
}

const key = (a: number, b: number): RngValue => ({ kind: "rng", key: [a, b] });
/** Integer values in [lo, hi] as f32: products and sums of a few stay exact in f32. */
const ints = (shape: number[], seed: number, lo = -3, hi = 3): TensorValue => {
  const r = random(seed);
  return tensor("f32", shape, Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => lo + Math.floor((hi - lo + 1) * r())));
};
/** A matmul of computed operands (a matmul of function inputs is left to the patterned path). */
const matmulOf = (b: FuncBuilder, x: number, w: number, transA = false, transB = false) =>
  b.emit("t.matmul", [b.emit("t.neg", [x]), b.emit("t.neg", [w])], { transA, transB });

describe("t.matmul_epilogue", () => {
  // C[M,N] = op(A)·op(B): M ragged, N = 16 (vec4 stores), 7 (scalar stores) and, for a layer's
  // own product X·Wᵀ, 36 (a ragged column tile). Shader compilation dominates: few variants each.
  const variants = [[false, false, 16], [false, false, 7], [false, true, 16], [false, true, 7], [false, true, 36], [true, false, 16], [true, false, 7], [true, true, 7]] as const;
  for (const [transA, transB, n] of variants) {
    it(`${transA ? "Aᵀ" : "A"}·${transB ? "Bᵀ" : "B"}, N = ${n}: bias and relu-backward mask`, async (ctx) => {
      const [m, k] = [37, 13];
      const r = random(n + (transA ? 100 : 0) + (transB ? 200 : 0));
      const inputs = [
        randomTensor(transA ? [k, m] : [m, k], r),
        randomTensor(transB ? [n, k] : [k, n], r),
        randomTensor([n], r),
        randomTensor([m, n], r),
      ];
      const kernel = await check(gpu(ctx), {
        inputs,
        build: (b, [a, w, bias, h]) => b.emit("t.mul", [b.emit("t.add", [matmulOf(b, a, w, transA, transB), bias]), b.emit("t.step", [h])]),
      });
      expect(kernel.name).toBe(`t_matmul_${transA ? "t" : "n"}${transB ? "t" : "n"}_epilogue`);
      expect(kernel.op).toBe("t.matmul_epilogue");
    });
  }

  it("applies the epilogue in the wide kernel (N ≥ 32), A plain and transposed", async (ctx) => {
    for (const transA of [false, true]) {
      const [m, k, n] = [29, 10, 136];
      const r = random(transA ? 8 : 9);
      const kernel = await check(gpu(ctx), {
        inputs: [randomTensor(transA ? [k, m] : [m, k], r), randomTensor([k, n], r), randomTensor([n], r), randomTensor([m, n], r)],
        build: (b, [a, w, bias, h]) => b.emit("t.mul", [b.emit("t.add", [matmulOf(b, a, w, transA), bias]), b.emit("t.step", [h])]),
      });
      expect(kernel.name).toBe(`t_matmul_${transA ? "t" : "n"}n_wide_epilogue`);
    }
  });

  it("draws dropout bit for bit, in vec4 and scalar stores", async (ctx) => {
    for (const n of [16, 7]) {
      const inputs = [ints([45, 11], 1), ints([n, 11], 2), ints([n], 3), key(0xdeadbeef, n)];
      await check(gpu(ctx), {
        inputs,
        exact: true,
        build: (b, [x, w, bias, k]) => b.emit("nn.dropout", [b.emit("t.relu", [b.emit("t.add", [matmulOf(b, x, w, false, true), bias])]), k], { p: 0.3 }),
      });
    }
  });

  it("reads operands through a reshaped view lane by lane where a vec4 spans rows of an operand", async (ctx) => {
    // [29,8] seen as [29,4,2]; the per-(4,·) scale has rows of 1: the innermost axis (2) is not a multiple of 4.
    const r = random(5);
    await check(gpu(ctx), {
      inputs: [randomTensor([29, 6], r), randomTensor([6, 8], r), randomTensor([4, 1], r)],
      build: (b, [x, w, s]) => b.emit("t.mul", [b.emit("t.reshape", [matmulOf(b, x, w)], { shape: [29, 4, 2] }), s]),
    });
  });

  it("takes M and the operands' sizes from the uniform when they are symbolic (and calls gelu's helpers)", async (ctx) => {
    const r = random(6);
    const kernel = await check(gpu(ctx), {
      inputs: [randomTensor([53, 9], r), randomTensor([9, 12], r), randomTensor([53, 1], r)],
      types: [
        { kind: "tensor", dtype: "f32", shape: ["N", 9] },
        { kind: "tensor", dtype: "f32", shape: [9, 12] },
        { kind: "tensor", dtype: "f32", shape: ["N", 1] },
      ],
      symbols: { N: 53 },
      build: (b, [x, w, s]) => b.emit("t.gelu", [b.emit("t.div", [matmulOf(b, x, w), s])]),
    });
    expect(kernel.uniforms).toContain("m");
  });
});

describe("g.spmm_epilogue", () => {
  const g = randomGraph(151, random(10), 30);
  const widths = [1, 3, 4, 16, 36];

  it("has empty rows in its test graph", () => {
    const empty = Array.from({ length: g.numNodes }, (_, i) => g.indptr[i + 1] - g.indptr[i]).filter((d) => d === 0);
    expect(empty.length).toBeGreaterThan(5);
  });

  for (const reduce of ["sum", "mean", "max"] as const) {
    const these = reduce === "sum" ? widths : [3, 36];
    it(`${reduce}: bias and elu over rows of ${these.join(", ")}`, async (ctx) => {
      for (const f of these) {
        const r = random(f);
        const inputs = [g, randomTensor([g.numNodes, f], r), randomTensor([f], r)];
        const kernel = await check(gpu(ctx), {
          inputs,
          build: (b, [graph, x, bias]) => b.emit("t.elu", [b.emit("t.add", [b.emit("g.spmm", [graph, x], { reduce }), bias])], { alpha: 1 }),
        });
        expect(kernel.name).toBe(`g_spmm_${reduce}_epilogue`);
      }
    });
  }

  it("edge-weighted [E] and per-head [E,H], the per-head result seen as [N,H·C] plus a bias (GAT)", async (ctx) => {
    const r = random(11);
    const w = randomTensor([g.numEdges], r, { lo: 0, hi: 1 });
    await check(gpu(ctx), {
      inputs: [g, w, randomTensor([g.numNodes, 12], r), randomTensor([g.numNodes, 12], r)],
      build: (b, [graph, ew, x, h]) => b.emit("t.mul", [b.emit("g.spmm", [graph, ew, x], { reduce: "sum" }), b.emit("t.step", [h])]),
    });
    for (const c of [8, 5]) {
      const wh = randomTensor([g.numEdges, 3], r, { lo: 0, hi: 1 });
      await check(gpu(ctx), {
        inputs: [g, wh, randomTensor([g.numNodes, 3, c], r), randomTensor([3 * c], r)],
        build: (b, [graph, ew, x, bias]) =>
          b.emit("t.add", [b.emit("t.reshape", [b.emit("g.spmm", [graph, ew, x], { reduce: "sum" })], { shape: [g.numNodes, 3 * c] }), bias]),
      });
    }
  });

  it("reads a per-(head, channel-pair) operand lane by lane where a vec4 spans its rows", async (ctx) => {
    const r = random(12);
    await check(gpu(ctx), {
      inputs: [g, randomTensor([g.numNodes, 2, 2], r), randomTensor([2, 1], r)],
      build: (b, [graph, x, s]) => b.emit("t.sub", [b.emit("g.spmm", [graph, x], { reduce: "mean" }), s]),
    });
  });

  it("draws dropout bit for bit, in vec4 and scalar stores", async (ctx) => {
    for (const f of [16, 3]) {
      await check(gpu(ctx), {
        inputs: [g, ints([g.numNodes, f], 13), ints([f], 14), key(5, f)],
        exact: true,
        build: (b, [graph, x, bias, k]) => b.emit("nn.dropout", [b.emit("t.relu", [b.emit("t.add", [b.emit("g.spmm", [graph, x], { reduce: "sum" }), bias])]), k], { p: 0.5 }),
      });
    }
  });

  it("takes N, E and the row width from the uniform when they are symbolic", async (ctx) => {
    const r = random(15);
    const kernel = await check(gpu(ctx), {
      inputs: [g, randomTensor([g.numNodes, 12], r), randomTensor([12], r)],
      types: [
        { kind: "graph", nodes: "N", edges: "E", selfLoops: false },
        { kind: "tensor", dtype: "f32", shape: ["N", "F"] },
        { kind: "tensor", dtype: "f32", shape: ["F"] },
      ],
      symbols: { N: g.numNodes, E: g.numEdges, F: 12 },
      build: (b, [graph, x, bias]) => b.emit("t.sigmoid", [b.emit("t.add", [b.emit("g.spmm", [graph, x], { reduce: "sum" }), bias])]),
    });
    expect(kernel.uniforms).toEqual(expect.arrayContaining(["n", "f"]));
  });

  it("splits a grid of more than 65,535 workgroups into two dimensions", async (ctx) => {
    const big = randomGraph(65_600, random(16), 2, 0.5);
    const r = random(17);
    const kernel = await check(gpu(ctx), {
      inputs: [big, randomTensor([big.numNodes, 1], r), randomTensor([1], r)],
      build: (b, [graph, x, bias]) => b.emit("t.add", [b.emit("g.spmm", [graph, x], { reduce: "sum" }), bias]),
      emit: { workgroupSize: 1 },
    });
    expect(kernel.dispatch({ n: 65_600, f: 1 })).toEqual({ x: 32_800, y: 2, z: 1 });
  });
});

describe("epilogue kernels without a device", () => {

  function fusedSpmm(extras: number): { func: Func; node: Node; types: Type[] } {
    const b = new FuncBuilder("f");
    const graph = b.leaf("s.input", { kind: "graph", nodes: "N", edges: "E", selfLoops: false }, { name: "g" });
    const w = b.leaf("s.input", f32("E"), { name: "w" });
    const x = b.leaf("s.input", f32("N", 8), { name: "x" });
    let v = b.emit("g.spmm", [graph, w, x], { reduce: "sum" });
    for (let k = 0; k < extras; k++) v = b.emit("t.add", [v, b.leaf("s.input", f32(8), { name: `e${k}` })]);
    const r = runPipeline({ name: "m", symbols: {}, params: [], funcs: [b.finish([v], ["out"])] }, "fuse-elementwise,fuse-epilogue");
    const func = r.module.funcs[0];
    const node = func.body.find((n) => n.op === "g.spmm_epilogue")!;
    return { func, node, types: node.inputs.map((id) => func.body.find((n) => n.id === id)!.type) };
  }

  it("gives byte-identical WGSL for identical IR, and different WGSL for a different epilogue", () => {
    const a = fusedSpmm(2);
    expect(emitKernel(a.node, a.types).wgsl).toBe(emitKernel(fusedSpmm(2).node, fusedSpmm(2).types).wgsl);
    expect(emitKernel(a.node, a.types).wgsl).not.toBe(emitKernel(fusedSpmm(1).node, fusedSpmm(1).types).wgsl);
  });

  it("refuses a node that would bind more than 8 storage buffers", () => {
    const { node, types } = fusedSpmm(3); // indptr, src, w, x, 3 extras, out: 8
    expect(emitKernel(node, types).bindings.filter((b) => b.access !== "uniform")).toHaveLength(8);
    const extra = [...types, f32(8)];
    const region = node.regions![0];
    const p = { ...region.params[1], id: 999, attrs: { index: region.params.length } };
    const wider: Node = { ...node, inputs: [...node.inputs, 998], regions: [{ ...region, params: [...region.params, p] }] };
    expect(() => emitKernel(wider, extra)).toThrow(CodegenError);
    expect(() => emitKernel(wider, extra)).toThrow(/9 storage buffers exceed the 8/);
  });
});
