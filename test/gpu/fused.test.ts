/// <reference types="@webgpu/types" />
import { describe, expect, it } from "vitest";
import { emitKernel, type EmitOptions, type KernelSpec } from "../../compiler/codegen/index.js";
import { FuncBuilder } from "../../compiler/ir/builder.js";
import type { Func, Type } from "../../compiler/ir/types.js";
import type { RngValue, TensorValue, Value } from "../../compiler/ir/values.js";
import { runPipeline } from "../../compiler/passes/index.js";
import { runFunc } from "../../runtime/reference/index.js";
import type { GpuDevice } from "../../runtime/gpu/index.js";
import { randomInts, tensor, useGpu } from "./helpers.js";
import { firstDifference, launchWords, wordsOf } from "./word-launch.js";
import { random, randomTensor } from "../support/tensors.js";
import { typeOf } from "../support/one-op.js";
import { expectAllClose } from "../support/allclose.js";

// Fused elementwise kernels against the interpreter running the unfused chain: chains of
// arithmetic and activations with broadcast operands, vec4 and scalar layouts, integer chains,
// dropout drawn bit for bit inside the chain, symbolic sizes, empty tensors and a 2-D grid.
const gpu = useGpu();

type Chain = (b: FuncBuilder, ids: number[]) => number;

interface FusedCase {
  inputs: Value[];
  chain: Chain;
  /** Leaf types (default: the values' own); symbolic dims go through the sizes uniform. */
  types?: Type[];
  symbols?: Record<string, number>;
  emit?: EmitOptions;
}

/** The chain as a function of `in0…`, before and after fuse-elementwise; it must fuse into one node. */
function build(c: FusedCase): { before: Func; after: Func } {
  const b = new FuncBuilder("chain");
  const ids = (c.types ?? c.inputs.map(typeOf)).map((t, i) => b.leaf("s.input", t, { name: `in${i}` }));
  const before = b.finish([c.chain(b, ids)], ["out"]);
  const r = runPipeline({ name: "m", symbols: {}, params: [], funcs: [before] }, "fuse-elementwise");
  expect(r.diagnostics).toEqual([]);
  const after = r.module.funcs[0];
  expect(after.body.filter((n) => n.op === "t.fused")).toHaveLength(1);
  expect(after.body.every((n) => n.op === "s.input" || n.op === "t.fused")).toBe(true);
  return { before, after };
}

/** Run the fused node's kernel on the case's values; returns the kernel and the result's words. */
async function runFused(g: GpuDevice, c: FusedCase, after: Func, bytes: number): Promise<{ kernel: KernelSpec; words: Uint32Array }> {
  const node = after.body[after.body.length - 1];
  const types = node.inputs.map((id) => after.body.find((n) => n.id === id)!.type);
  const kernel = emitKernel(node, types, c.emit ?? {});
  const position = new Map(after.body.map((n, k) => [n.id, k]));
  const words = await launchWords(g, kernel, (input) => c.inputs[position.get(node.inputs[input])!], c.symbols ?? {}, bytes);
  return { kernel, words };
}

/** Fuse, run on the GPU, compare with the unfused chain (and the fused interpretation with it, word for word). */
async function checkFused(g: GpuDevice, c: FusedCase, exact = false): Promise<KernelSpec> {
  const { before, after } = build(c);
  const env = { inputs: Object.fromEntries(c.inputs.map((v, i) => [`in${i}`, v])), params: {}, symbols: c.symbols };
  const expected = runFunc(before, env)[0] as TensorValue;
  expect(wordsOf(runFunc(after, env)[0])).toEqual(wordsOf(expected));
  const { kernel, words } = await runFused(g, c, after, expected.data.length * 4);
  if (exact) expect(firstDifference(words, wordsOf(expected))).toBe(-1);
  else {
    const data = expected.dtype === "f32" ? new Float32Array(words.buffer) : expected.dtype === "i32" ? new Int32Array(words.buffer) : words;
    expectAllClose({ ...expected, data }, expected);
  }
  return kernel;
}

const rng = (a: number, b: number): RngValue => ({ kind: "rng", key: [a, b] });

describe("fused chains", () => {
  // The GAT attention backward after autodiff: (c − a·g) · (step(s)·0.8 + 0.2).
  const attention: Chain = (b, [a, g, c, s, k1, k2]) =>
    b.emit("t.mul", [b.emit("t.sub", [c, b.emit("t.mul", [a, g])]), b.emit("t.add", [b.emit("t.mul", [b.emit("t.step", [s]), k1]), k2])]);

  it("computes a six-operand attention-gradient chain (scalar layout: 8·1 columns)", async (ctx) => {
    const r = random(1);
    const e = [501, 1];
    const inputs = [randomTensor(e, r), randomTensor(e, r), randomTensor(e, r), randomTensor(e, r), tensor("f32", [], [0.8]), tensor("f32", [], [0.2])];
    const kernel = await checkFused(gpu(ctx), { inputs, chain: attention });
    expect(kernel.name).toBe("t_fused_f32");
  });

  it("uses vec4 where every operand allows it, splatting scalars and repeating bias rows", async (ctx) => {
    const r = random(2);
    const inputs = [randomTensor([67, 16], r), randomTensor([16], r), randomTensor([67, 16], r), randomTensor([], r)];
    const chain: Chain = (b, [x, bias, y, s]) =>
      b.emit("t.mul", [b.emit("t.elu", [b.emit("t.add", [x, bias])], { alpha: 1.5 }), b.emit("t.sub", [y, b.emit("t.tanh", [s])])]);
    const kernel = await checkFused(gpu(ctx), { inputs, chain });
    expect(kernel.name).toBe("t_fused_f32_v4");
  });

  it("broadcasts columns, outer products and per-head scales, with every unary op in one chain", async (ctx) => {
    const r = random(3);
    const inputs = [randomTensor([10, 3, 5], r, { lo: -3, hi: 3 }), randomTensor([10, 3, 1], r), randomTensor([1, 5], r, { lo: 0.5, hi: 2 })];
    const chain: Chain = (b, [x, head, col]) => {
      let v = b.emit("t.mul", [x, head]);
      for (const [op, attrs] of [["t.gelu"], ["t.leaky_relu", { slope: 0.2 }], ["t.sigmoid"], ["t.erf"], ["t.abs"], ["t.neg"], ["t.exp"]] as const) {
        v = b.emit(op, [v], attrs ?? {});
      }
      v = b.emit("t.maximum", [b.emit("t.log", [b.emit("t.add", [v, col])]), b.emit("t.rsqrt", [col])]);
      return b.emit("t.div", [b.emit("t.sqrt", [b.emit("t.relu", [v])]), col]);
    };
    await checkFused(gpu(ctx), { inputs, chain });
  });

  it("keeps NaN and Inf where the unfused ops do", async (ctx) => {
    const x = tensor("f32", [8], [NaN, -1, 0, 1, Infinity, -Infinity, 3, -0]);
    const y = tensor("f32", [8], [1, NaN, 0, -2, 1, 1, 0, 1]);
    const chain: Chain = (b, [a, c]) => b.emit("t.relu", [b.emit("t.maximum", [b.emit("t.div", [a, c]), b.emit("t.neg", [a])])]);
    await checkFused(gpu(ctx), { inputs: [x, y], chain });
  });

  it("computes integer chains exactly, division by zero giving 0", async (ctx) => {
    const a = randomInts("i32", [97], random(4), -500, 500);
    const d = randomInts("i32", [97], random(5), -7, 8);
    const chain: Chain = (b, [x, y]) => b.emit("t.abs", [b.emit("t.sub", [b.emit("t.div", [x, y]), b.emit("t.relu", [b.emit("t.neg", [x])])])]);
    await checkFused(gpu(ctx), { inputs: [a, d], chain }, true);
  });

  it("draws dropout inside the chain bit for bit, in vec4 and scalar layouts", async (ctx) => {
    for (const [shape, key] of [[[300, 16], rng(3, 5)], [[1001, 3], rng(0xdeadbeef, 0x12345678)]] as const) {
      const r = random(shape[1]);
      const inputs = [randomTensor([...shape], r), key, randomTensor([...shape], r)];
      // GCN's relu backward: dropout(g) · step(h); then one more op so dropout is interior.
      const chain: Chain = (b, [g, k, h]) => b.emit("t.neg", [b.emit("t.mul", [b.emit("nn.dropout", [g, k], { p: 1 / 3 }), b.emit("t.step", [h])])]);
      const kernel = await checkFused(gpu(ctx), { inputs, chain }, true);
      expect(kernel.name).toBe(shape[1] % 4 === 0 ? "t_fused_f32_v4" : "t_fused_f32");
    }
  });
});

describe("sizes", () => {
  it("reads symbolic sizes from the uniform", async (ctx) => {
    const r = random(6);
    const kernel = await checkFused(gpu(ctx), {
      inputs: [randomTensor([333, 12], r), randomTensor([12], r)],
      types: [
        { kind: "tensor", dtype: "f32", shape: ["N", "C"] },
        { kind: "tensor", dtype: "f32", shape: ["C"] },
      ],
      symbols: { N: 333, C: 12 },
      chain: (b, [x, c]) => b.emit("t.exp", [b.emit("t.mul", [x, c])]),
    });
    expect(kernel.uniforms.length).toBeGreaterThan(0);
  });

  it("computes nothing for empty tensors", async (ctx) => {
    const r = random(7);
    await checkFused(gpu(ctx), { inputs: [randomTensor([0, 5], r), randomTensor([5], r)], chain: (b, [x, c]) => b.emit("t.relu", [b.emit("t.add", [x, c])]) });
  });

  it("splits a grid of more than 65,535 workgroups into two dimensions", async (ctx) => {
    const n = 65_535 * 4 + 77; // 65,555 workgroups of one invocation (4 elements each)
    const r = random(8);
    const kernel = await checkFused(gpu(ctx), {
      inputs: [randomTensor([n], r), randomTensor([n], r)],
      chain: (b, [x, y]) => b.emit("t.sub", [b.emit("t.mul", [x, y]), y]),
      emit: { workgroupSize: 1 },
    });
    expect(kernel.dispatch({ total: n, d0: n })).toEqual({ x: 32_778, y: 2, z: 1 });
  });
});
