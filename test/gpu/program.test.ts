import { describe, expect, it } from "vitest";
import { FuncBuilder } from "../../compiler/ir/builder.js";
import type { TensorType } from "../../compiler/ir/types.js";
import { dataBufferNames } from "../../compiler/plan/index.js";
import type { TensorValue } from "../../compiler/ir/values.js";
import { BufferStore, loadFunction } from "../../runtime/gpu/index.js";
import { runFunc } from "../../runtime/reference/index.js";
import { compileModule, funcOf } from "../autodiff/helpers.js";
import { randomGraph, useGpu } from "./helpers.js";
import { random, randomTensor } from "../support/tensors.js";
import { expectAllClose } from "../support/allclose.js";

/**
 * Whole functions on the GPU (planned, resident, one encoder per call) against the interpreter:
 * graph structure computed once on the host, the rest as kernels.
 */
const gpuOf = useGpu();

/** A [rows, cols] tensor with about `density` of its entries nonzero. */
function sparseTensor(rows: number, cols: number, density: number, rand: () => number): TensorValue {
  const data = new Float32Array(rows * cols);
  for (let k = 0; k < data.length; k++) if (rand() < density) data[k] = rand() * 2 - 1;
  for (let i = 0; i < rows; i += 7) data.fill(0, i * cols, (i + 1) * cols); // some all-zero rows
  return { kind: "tensor", dtype: "f32", shape: [rows, cols], data };
}

describe("GPU programs", () => {
  it("matmuls over mostly-zero features visit only the nonzeros, and give the dense result", async (ctx) => {
    const gpu = gpuOf(ctx);
    const m = compileModule(`model Net(in_channels: int = 50) {
  lin = Linear(in_channels, 6)
  forward(x: f32[N, in_channels], g: graph[N]) = lin(dropout(x, 0.4))
}`);
    const f = funcOf(m, "forward");
    const rand = random(8);
    const x = sparseTensor(257, 50, 0.03, rand);
    const graph = randomGraph(257, rand);
    const params = Object.fromEntries(m.params.map((p) => [p.name, randomTensor(p.type.shape as number[], rand, { lo: -0.5, hi: 0.5 })]));
    const symbols = { N: 257, E: graph.numEdges };
    const rng = { kind: "rng" as const, key: [3, 4] as const };
    const store = new BufferStore(gpu);
    const program = await loadFunction(gpu, f, { symbols, data: { x, graph }, store });
    try {
      expect(program.plan.patterns.map((p) => p.input)).toEqual(["x"]);
      // Forward only: the row pattern (and the rows' order); the column pattern a weight's gradient reads is not held.
      expect(Object.keys(program.plan.patterns[0].arrays).sort()).toEqual(["cols", "roworder", "rowptr"]);
      expect(program.plan.kernels.map((k) => k.name)).toContain("t_matmul_pattern_rows");
      for (const [name, v] of Object.entries(params)) program.setParam(name, v);
      program.setInput("rng", rng);
      await program.run();
      const got = await program.readResult(0, { kind: "tensor", dtype: "f32", shape: [257, 6] }, [257, 6]);
      const want = runFunc(f, { inputs: { x, graph, rng }, params, symbols })[0] as TensorValue;
      expectAllClose(got, want);
    } finally {
      program.destroy();
      store.destroy();
    }
  });

  it("P·W and Pᵀ·D (the weight stored [F, H]) read the pattern too", async (ctx) => {
    const gpu = gpuOf(ctx);
    const b = new FuncBuilder("f");
    const f32 = (...shape: (number | string)[]): TensorType => ({ kind: "tensor", dtype: "f32", shape });
    const xIn = b.leaf("s.input", f32("N", 50), { name: "x" });
    const w = b.leaf("s.param", f32(50, 32), { name: "w" });
    const d = b.leaf("s.param", f32("N", 32), { name: "d" });
    const f = b.finish([b.emit("t.matmul", [xIn, w]), b.emit("t.matmul", [xIn, d], { transA: true })], ["forward", "grad"]);
    const rand = random(10);
    const x = sparseTensor(131, 50, 0.05, rand);
    const params = { w: randomTensor([50, 32], rand), d: randomTensor([131, 32], rand) };
    const symbols = { N: 131 };
    const store = new BufferStore(gpu);
    const program = await loadFunction(gpu, f, { symbols, data: { x }, store });
    try {
      // Names of merged launches join their kernels' with "+" (plan/merge-launches.ts).
      expect(program.plan.kernels.flatMap((k) => k.name.split("+"))).toEqual(expect.arrayContaining(["t_matmul_pattern_rows_n", "t_matmul_pattern_cols_t"]));
      // x is an input: Pᵀ·D reads its values in column order (a copy the size of perm), not through perm.
      expect(program.plan.columnValues.map((c) => c.input)).toEqual(["x"]);
      expect(program.plan.slots[program.plan.columnValues[0].slot].bytes).toBe(x.data.filter((v) => v !== 0).length * 4);
      expect(Object.keys(program.plan.patterns[0].arrays)).not.toContain("perm");
      // Data, like the pattern: one buffer by name, shared by every program of the model.
      expect(dataBufferNames(program.plan).get(program.plan.columnValues[0].slot)).toBe("input x by column");
      for (const [name, v] of Object.entries(params)) program.setParam(name, v);
      await program.run();
      const want = runFunc(f, { inputs: { x }, params, symbols }) as TensorValue[];
      expectAllClose(await program.readResult(0, f32(131, 32), [131, 32]), want[0]);
      expectAllClose(await program.readResult(1, f32(50, 32), [50, 32]), want[1]);
    } finally {
      program.destroy();
      store.destroy();
    }
  });

  // A wide P, and a tall one whose long columns are shared by teams (matmul-pattern.ts colsKernel).
  for (const [rows, features, density, seed] of [[203, 70, 0.06, 12], [6000, 12, 0.09, 13]]) {
    it(`dropout of mostly-zero features (${rows} × ${features}): the four matmuls visit only the kept nonzeros, and give the dense result (a NaN included)`, async (ctx) => {
      const gpu = gpuOf(ctx);
      const b = new FuncBuilder("f");
      const f32 = (...shape: (number | string)[]): TensorType => ({ kind: "tensor", dtype: "f32", shape });
      const xIn = b.leaf("s.input", f32("N", features), { name: "x" });
      const r = b.leaf("s.input", { kind: "rng" }, { name: "rng" });
      const dropped = b.emit("nn.dropout", [xIn, r], { p: 0.5 });
      const wt = b.leaf("s.param", f32(16, features), { name: "wt" });
      const w = b.leaf("s.param", f32(features, 40), { name: "w" });
      const d = b.leaf("s.param", f32("N", 16), { name: "d" });
      const d2 = b.leaf("s.param", f32("N", 40), { name: "d2" });
      const products = [
        b.emit("t.matmul", [dropped, wt], { transB: true }), // rows: P·Wᵀ, one group of 16
        b.emit("t.matmul", [dropped, w]), // rows_n: P·W, four groups of 10
        b.emit("t.matmul", [d, dropped], { transA: true }), // cols: Dᵀ·P
        b.emit("t.matmul", [dropped, d2], { transA: true }), // cols_t: Pᵀ·D, four groups
      ];
      const f = b.finish(products, ["rows", "rows_n", "cols", "cols_t"]);
      const rand = random(seed);
      const x = sparseTensor(rows, features, density, rand);
      x.data[x.data.findIndex((v) => v !== 0)] = NaN; // a NaN dropped is NaN · 0: it must still reach the sums
      const params = { wt: randomTensor([16, features], rand), w: randomTensor([features, 40], rand), d: randomTensor([rows, 16], rand), d2: randomTensor([rows, 40], rand) };
      const symbols = { N: rows };
      const rng = { kind: "rng" as const, key: [7, 8] as const };
      const store = new BufferStore(gpu);
      const program = await loadFunction(gpu, f, { symbols, data: { x }, store });
      try {
        const names = program.plan.kernels.flatMap((k) => k.name.split("+"));
        expect(names).toEqual(expect.arrayContaining(["nn_dropout_pattern", "nn_dropout_pattern_columns", "t_matmul_pattern_rows", "t_matmul_pattern_rows_n", "t_matmul_pattern_cols", "t_matmul_pattern_cols_t"]));
        // The columns are packed once, for the first matmul that walks them.
        expect(names.filter((k) => k === "nn_dropout_pattern_columns")).toHaveLength(1);
        // The matmuls loop to the kept view's ends (merged launches prefix their parts' bindings: p0_, p1_…).
        const bound = program.plan.kernels.flatMap((k) => k.bindings.map((bd) => bd.name.replace(/^p\d+_/, "")));
        expect(bound.filter((name) => name === "rowend")).toHaveLength(2);
        expect(bound.filter((name) => name === "colend")).toHaveLength(2);
        // The tall P's columns (about 460 kept-or-not nonzeros each) are walked by teams, which add up in a barrier tree.
        const teams = program.plan.kernels.some((k) => k.wgsl.includes("colend") && k.wgsl.includes("workgroupBarrier"));
        expect(teams).toBe(rows === 6000);
        // The kept view's six arrays are freed with the dropout's values, for later values to reuse.
        const keptSlots = program.plan.slots.flatMap((slot, k) => (slot.label.includes(" kept.") ? [k] : []));
        expect(keptSlots).toHaveLength(6);
        for (const k of keptSlots) expect(program.plan.reusable).toContain(k);
        for (const [name, v] of Object.entries(params)) program.setParam(name, v);
        program.setInput("rng", rng);
        await program.run();
        const want = runFunc(f, { inputs: { x, rng }, params, symbols }) as TensorValue[];
        const shapes = [[rows, 16], [rows, 40], [16, features], [features, 40]];
        for (let k = 0; k < 4; k++) {
          expect(want[k].data.some(Number.isNaN)).toBe(true);
          expectAllClose(await program.readResult(k, f32(...shapes[k]), shapes[k]), want[k]);
        }
      } finally {
        program.destroy();
        store.destroy();
      }
    });
  }

  it("mostly-zero features stay compact on the GPU: dropout and matmuls read the nonzeros, other ops a dense copy", async (ctx) => {
    const gpu = gpuOf(ctx);
    const m = compileModule(`block Step(width: int) {
  lin = Linear(width, width)
  forward(h) = relu(lin(h))
}
model Net(in_channels: int = 50) {
  lin = Linear(in_channels, 6)
  sage = SAGEConv(in_channels, 6)
  stack = repeat(2) Step(in_channels)
  out = Linear(in_channels, 6)
  forward(x: f32[N, in_channels], g: graph[N]) = lin(dropout(x, 0.4)) + sage(x, g) + out(stack(x))
}`);
    const f = funcOf(m, "forward");
    const rand = random(9);
    const x = sparseTensor(203, 50, 0.04, rand);
    const graph = randomGraph(203, rand);
    const params = Object.fromEntries(m.params.map((p) => [p.name, randomTensor(p.type.shape as number[], rand, { lo: -0.5, hi: 0.5 })]));
    const symbols = { N: 203, E: graph.numEdges };
    const rng = { kind: "rng" as const, key: [5, 6] as const };
    const store = new BufferStore(gpu);
    const program = await loadFunction(gpu, f, { symbols, data: { x, graph }, store });
    try {
      const s = program.plan;
      const nnz = x.data.filter((v) => v !== 0).length;
      expect(s.compact).toEqual(["x"]);
      expect(s.slots[s.inputs.get("x")![0]].bytes).toBe(nnz * 4);
      expect(s.kernels.flatMap((k) => k.name.split("+"))).toEqual(expect.arrayContaining(["nn_dropout_pattern", "t_matmul_pattern_rows", "pattern_densify"]));
      for (const [name, v] of Object.entries(params)) program.setParam(name, v);
      program.setInput("rng", rng);
      await program.run();
      const got = await program.readResult(0, { kind: "tensor", dtype: "f32", shape: [203, 6] }, [203, 6]);
      const want = runFunc(f, { inputs: { x, graph, rng }, params, symbols })[0] as TensorValue;
      expectAllClose(got, want);
      // The pattern is fixed at load: a nonzero where it has a zero cannot be stored.
      const zero = x.data.findIndex((v) => v === 0);
      const moved = { ...x, data: x.data.map((v, k) => (k === zero ? 1 : v)) };
      expect(() => program.setInput("x", moved)).toThrow(`element [${Math.floor(zero / 50)}, ${zero % 50}] = 1 is nonzero`);
    } finally {
      program.destroy();
      store.destroy();
    }
  });

  it("a two-layer GCN forward equals the interpreter's, and a second call with new weights too", async (ctx) => {
    const gpu = gpuOf(ctx);
    const m = compileModule(`model Net(in_channels: int = 8) {
  conv1 = GCNConv(in_channels, 16)
  conv2 = GCNConv(16, 3)
  forward(x: f32[N, in_channels], g: graph[N]) = conv2(relu(conv1(x, g)), g)
}`);
    const f = funcOf(m, "forward");
    const rand = random(5);
    const graph = randomGraph(300, rand);
    const x = randomTensor([300, 8], rand);
    const params = Object.fromEntries(m.params.map((p) => [p.name, randomTensor(p.type.shape as number[], rand, { lo: -0.5, hi: 0.5 })]));
    const symbols = { N: 300, E: graph.numEdges };
    const store = new BufferStore(gpu);
    const program = await loadFunction(gpu, f, { symbols, data: { x, graph }, store });
    try {
      for (let call = 0; call < 2; call++) {
        if (call === 1) for (const k of Object.keys(params)) params[k] = randomTensor(params[k].shape, rand, { lo: -0.5, hi: 0.5 });
        for (const [name, v] of Object.entries(params)) program.setParam(name, v);
        await program.run();
        const out = f.body.find((n) => n.id === f.results[0])!.type as TensorType;
        const got = await program.readResult(0, out, [300, 3]);
        const want = runFunc(f, { inputs: { x, graph }, params, symbols })[0] as TensorValue;
        expectAllClose(got, want);
      }
      expect(program.plan.hosted.size).toBeGreaterThan(0); // self loops and normalisation came from the host
      // The host values are the store's, shared by name with any function computing the same ones.
      expect([...store.buffers.keys()].filter((k) => k.startsWith("host ")).length).toBeGreaterThan(0);
      // The four parameters share one buffer, each at a 256-byte-aligned offset; read back at once.
      expect([...store.buffers.keys()].filter((k) => !k.startsWith("input ") && !k.startsWith("host ")).sort()).toEqual(["parameters"]);
      const packed = await store.readParams();
      expect([...packed.keys()].sort()).toEqual(Object.keys(params).sort());
      for (const [name, v] of Object.entries(params)) expect(new Float32Array(packed.get(name)!)).toEqual(v.data);
    } finally {
      program.destroy();
      store.destroy();
    }
  });
});
