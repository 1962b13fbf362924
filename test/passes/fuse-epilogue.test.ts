import { describe, expect, it } from "vitest";
import { FuncBuilder } from "../../compiler/ir/builder.js";
import { graphFromEdges } from "../../compiler/ir/graph-value.js";
import { getOpSpec } from "../../compiler/ir/ops/index.js";
import { parseFunc } from "../../compiler/ir/parse.js";
import { printFunc } from "../../compiler/ir/print.js";
import type { Func, Module, Node, Type } from "../../compiler/ir/types.js";
import type { GraphValue, TensorValue, Value } from "../../compiler/ir/values.js";
import { verifyFunc } from "../../compiler/ir/verify.js";
import { runPipeline } from "../../compiler/passes/index.js";
import { runFunc } from "../../runtime/reference/index.js";
import { f32, random, randomTensor } from "../support/tensors.js";

// fuse-epilogue on hand-built functions: which elementwise consumers merge into their matmul or
// SpMM and which never do, and that the fused function computes the same words as the original.
const RNG: Type = { kind: "rng" };
const GRAPH: Type = { kind: "graph", nodes: 6, edges: 9, selfLoops: false };
const EPILOGUE_OPS = new Set(["t.matmul_epilogue", "g.spmm_epilogue"]);

// Six nodes, nine edges; node 5 has no incoming edge (an empty row).
const graph: GraphValue = graphFromEdges(6, Int32Array.from([0, 1, 2, 3, 4, 0, 2, 5, 1]), Int32Array.from([1, 2, 0, 4, 3, 3, 1, 0, 4]));

function moduleOf(f: Func): Module {
  return { name: "m", symbols: {}, params: [], funcs: [f] };
}

function fuse(f: Func, pipeline = "fuse-epilogue"): Func {
  const r = runPipeline(moduleOf(f), pipeline); // verifies the output
  expect(r.diagnostics).toEqual([]);
  return r.module.funcs[0];
}

const epiloguesIn = (f: Func): Node[] => f.body.filter((n) => EPILOGUE_OPS.has(n.op));
const regionOps = (n: Node): string[] => n.regions![0].body.map((m) => m.op);

/** Float results as 32-bit words: equal words are equal bit for bit (NaN payloads and −0 included). */
function words(vs: Value[]): number[][] {
  return vs.map((v) => Array.from(new Uint32Array(Float32Array.from((v as TensorValue).data).buffer)));
}

function expectSameWords(before: Func, after: Func, inputs: Record<string, Value>): void {
  expect(words(runFunc(after, { inputs, params: {} }))).toEqual(words(runFunc(before, { inputs, params: {} })));
}

/** x [5,8] and w [3,8] as computed values (a matmul of function inputs is left to the patterned path). */
function operands(b: FuncBuilder): { x: number; w: number } {
  const x = b.emit("t.tanh", [b.leaf("s.input", f32(5, 8), { name: "x" })]);
  const w = b.emit("t.neg", [b.leaf("s.input", f32(3, 8), { name: "w" })]);
  return { x, w };
}

const matmulInputs = () => ({ x: randomTensor([5, 8], random(1)), w: randomTensor([3, 8], random(2)), bias: randomTensor([3], random(3)) });

describe("fuse-epilogue: what fuses", () => {
  it("merges a bias add into its matmul: one node with the add's id, the same words", () => {
    const b = new FuncBuilder("f");
    const { x, w } = operands(b);
    const bias = b.leaf("s.input", f32(3), { name: "bias" });
    const mm = b.emit("t.matmul", [x, w], { transB: true });
    const out = b.emit("t.add", [mm, bias]);
    const before = b.finish([out], ["out"]);
    const after = fuse(before);
    const [epi] = epiloguesIn(after);
    expect(epiloguesIn(after)).toHaveLength(1);
    expect(epi).toMatchObject({ id: out, op: "t.matmul_epilogue", inputs: [x, w, bias], attrs: { transB: true } });
    expect(regionOps(epi)).toEqual(["t.add"]);
    expect(after.body.some((n) => n.id === mm)).toBe(false);
    expectSameWords(before, after, matmulInputs());
  });

  it("takes a whole fused chain with dropout, after fuse-elementwise, for every transpose variant", () => {
    for (const [transA, transB] of [[false, false], [false, true], [true, false], [true, true]]) {
      const b = new FuncBuilder("f");
      const a = b.emit("t.tanh", [b.leaf("s.input", transA ? f32(8, 5) : f32(5, 8), { name: "a" })]);
      const c = b.emit("t.neg", [b.leaf("s.input", transB ? f32(3, 8) : f32(8, 3), { name: "c" })]);
      const bias = b.leaf("s.input", f32(3), { name: "bias" });
      const rng = b.leaf("s.input", RNG, { name: "rng" });
      const mm = b.emit("t.matmul", [a, c], { transA, transB });
      const out = b.emit("nn.dropout", [b.emit("t.relu", [b.emit("t.add", [mm, bias])]), rng], { p: 0.5 });
      const before = b.finish([out], ["out"]);
      const after = fuse(before, "fuse-elementwise,fuse-epilogue");
      expect(after.body.map((n) => n.op).filter((op) => op !== "s.input")).toEqual(["t.tanh", "t.neg", "t.matmul_epilogue"]);
      const [epi] = epiloguesIn(after);
      expect(regionOps(epi)).toEqual(["t.add", "t.relu", "nn.dropout"]);
      expect(epi.inputs).toEqual([a, c, bias, rng]);
      const inputs = {
        a: randomTensor(transA ? [8, 5] : [5, 8], random(4)),
        c: randomTensor(transB ? [3, 8] : [8, 3], random(5)),
        bias: randomTensor([3], random(6)),
        rng: { kind: "rng", key: [7, 9] } as Value,
      };
      expectSameWords(before, after, inputs);
    }
  });

  it("merges into g.spmm (sum, mean, max; weighted or not), empty rows included", () => {
    for (const reduce of ["sum", "mean", "max"]) {
      for (const weighted of [false, true]) {
        const b = new FuncBuilder("f");
        const g = b.leaf("s.input", GRAPH, { name: "g" });
        const x = b.leaf("s.input", f32(6, 4), { name: "x" });
        const ew = b.leaf("s.input", f32(9), { name: "ew" });
        const bias = b.leaf("s.input", f32(4), { name: "bias" });
        const agg = b.emit("g.spmm", weighted ? [g, ew, x] : [g, x], { reduce });
        const out = b.emit("t.elu", [b.emit("t.add", [agg, bias])], { alpha: 1 });
        const before = b.finish([out], ["out"]);
        const after = fuse(before, "fuse-elementwise,fuse-epilogue");
        const [epi] = epiloguesIn(after);
        expect(epi, `${reduce} weighted=${weighted}`).toMatchObject({ op: "g.spmm_epilogue", attrs: { reduce } });
        expect(epi.inputs).toEqual(weighted ? [g, ew, x, bias] : [g, x, bias]);
        const inputs = { g: graph, x: randomTensor([6, 4], random(7)), ew: randomTensor([9], random(8)), bias: randomTensor([4], random(9)) };
        expectSameWords(before, after, inputs);
      }
    }
  });

  it("sees the product through reshapes read by nothing else (GAT's per-head aggregation, then the bias)", () => {
    const b = new FuncBuilder("f");
    const g = b.leaf("s.input", GRAPH, { name: "g" });
    const x = b.leaf("s.input", f32(6, 2, 3), { name: "x" });
    const ew = b.leaf("s.input", f32(9, 2), { name: "ew" });
    const bias = b.leaf("s.input", f32(6), { name: "bias" });
    const agg = b.emit("g.spmm", [g, ew, x], { reduce: "sum" });
    const out = b.emit("t.add", [b.emit("t.reshape", [agg], { shape: [6, 6] }), bias]);
    const before = b.finish([out], ["out"]);
    const after = fuse(before);
    expect(after.body.map((n) => n.op)).toEqual(["s.input", "s.input", "s.input", "s.input", "g.spmm_epilogue"]);
    expect(epiloguesIn(after)[0].attrs).toEqual({ reduce: "sum", shape: [6, 6] });
    expectSameWords(before, after, { g: graph, x: randomTensor([6, 2, 3], random(10)), ew: randomTensor([9, 2], random(11)), bias: randomTensor([6], random(12)) });
  });

  it("fuses inside a loop body without crossing its boundary, and is idempotent", () => {
    const b = new FuncBuilder("f");
    const { x, w } = operands(b);
    const region = b.region([{ kind: "tensor", dtype: "i32", shape: [] }, f32(5, 8)], ([, h]) => [
      b.emit("t.tanh", [b.emit("t.matmul", [h, b.emit("t.matmul", [w, w], { transA: true })])]),
    ]);
    const loop = b.emit("s.loop", [x], { trip: 2 }, undefined, [region]);
    const before = b.finish([loop], ["out"]);
    const after = fuse(before);
    const inner = after.body.find((n) => n.op === "s.loop")!.regions![0];
    expect(inner.body.map((n) => n.op)).toEqual(["t.matmul", "t.matmul_epilogue"]);
    expectSameWords(before, after, { x: randomTensor([5, 8], random(13)), w: randomTensor([3, 8], random(14)) });
    expect(fuse(after)).toBe(after);
  });
});

describe("fuse-epilogue: what never fuses", () => {
  it("leaves a product that is read elsewhere or returned", () => {
    const b = new FuncBuilder("f");
    const { x, w } = operands(b);
    const bias = b.leaf("s.input", f32(3), { name: "bias" });
    const shared = b.emit("t.matmul", [x, w], { transB: true });
    const returned = b.emit("t.matmul", [x, w], { transB: true });
    const outs = [b.emit("t.add", [shared, bias]), b.emit("t.exp", [shared]), b.emit("t.relu", [returned]), returned];
    const before = b.finish(outs, ["a", "b", "c", "d"]);
    const r = runPipeline(moduleOf(before), "fuse-epilogue");
    expect(r.module.funcs[0]).toBe(before);
    expect(r.timings.map((t) => t.changed)).toEqual([false]);
  });

  it("leaves matmuls of function inputs and of their dropout (the patterned path), and non-elementwise consumers", () => {
    const b = new FuncBuilder("f");
    const x = b.leaf("s.input", f32(5, 8), { name: "x" });
    const rng = b.leaf("s.input", RNG, { name: "rng" });
    const { w } = operands(b);
    const bias = b.leaf("s.input", f32(3), { name: "bias" });
    const direct = b.emit("t.add", [b.emit("t.matmul", [x, w], { transB: true }), bias]);
    const dropped = b.emit("t.add", [b.emit("t.matmul", [b.emit("nn.dropout", [x, rng], { p: 0.5 }), w], { transB: true }), bias]);
    const wt = b.emit("t.tanh", [w]);
    const summed = b.emit("t.sum", [b.emit("t.matmul", [wt, wt], { transB: true })], { axes: [0], keepdims: false });
    const before = b.finish([direct, dropped, summed], ["a", "b", "c"]);
    expect(fuse(before)).toBe(before);
  });

  it("leaves a consumer that broadcasts the product to a larger shape", () => {
    const b = new FuncBuilder("f");
    const { x, w } = operands(b);
    const big = b.leaf("s.input", f32(2, 5, 3), { name: "big" });
    const out = b.emit("t.add", [b.emit("t.matmul", [x, w], { transB: true }), big]);
    const before = b.finish([out], ["out"]);
    expect(fuse(before)).toBe(before);
  });

  it("keeps every kernel within max_storage_buffers: producer buffers + extras + output", () => {
    // Weighted SpMM (indptr, src, w, x) + 3 extras + output = 8 buffers.
    const b = new FuncBuilder("f");
    const g = b.leaf("s.input", GRAPH, { name: "g" });
    const x = b.leaf("s.input", f32(6, 4), { name: "x" });
    const ew = b.leaf("s.input", f32(9), { name: "ew" });
    const [e1, e2, e3] = [1, 2, 3].map((k) => b.leaf("s.input", f32(4), { name: `e${k}` }));
    const agg = b.emit("g.spmm", [g, ew, x], { reduce: "sum" });
    const out = b.emit("t.mul", [b.emit("t.add", [b.emit("t.sub", [agg, e1]), e2]), e3]);
    const before = b.finish([out], ["out"]);
    const inputs = { g: graph, x: randomTensor([6, 4], random(15)), ew: randomTensor([9], random(16)), e1: randomTensor([4], random(17)), e2: randomTensor([4], random(18)), e3: randomTensor([4], random(19)) };
    const at8 = fuse(before, "fuse-elementwise,fuse-epilogue");
    expect(epiloguesIn(at8)).toHaveLength(1);
    expectSameWords(before, at8, inputs);
    const at7 = fuse(before, "fuse-elementwise,fuse-epilogue{max_storage_buffers=7}");
    expect(epiloguesIn(at7)).toHaveLength(0);
    expect(at7.body.some((n) => n.op === "t.fused")).toBe(true);
  });

  it("refuses max_storage_buffers outside 1–8 with E604", () => {
    const b = new FuncBuilder("f");
    const x = b.leaf("s.input", f32(2), { name: "x" });
    const f = b.finish([b.emit("t.exp", [x])], ["out"]);
    for (const bad of [0, 9]) {
      const r = runPipeline(moduleOf(f), `fuse-epilogue{max_storage_buffers=${bad}}`);
      expect(r.diagnostics.map((d) => d.code)).toEqual(["E604"]);
    }
  });
});

describe("epilogue ops in the IR", () => {
  function epilogueFunc(): Func {
    const b = new FuncBuilder("f");
    const g = b.leaf("s.input", { kind: "graph", nodes: "N", edges: "E", selfLoops: false }, { name: "g" });
    const x = b.leaf("s.input", f32("N", 2, 4), { name: "x" });
    const c = b.leaf("s.input", f32(8), { name: "c" });
    const agg = b.emit("t.reshape", [b.emit("g.spmm", [g, x], { reduce: "mean" })], { shape: ["N", 8] });
    return fuse(b.finish([b.emit("t.sigmoid", [b.emit("t.mul", [agg, c])])], ["out"]), "fuse-elementwise,fuse-epilogue");
  }

  it("prints and parses back", () => {
    const f = epilogueFunc();
    const text = printFunc(f);
    expect(text).toContain("g.spmm_epilogue{reduce=mean, shape=[N,8]}(%0, %1, %2) {");
    const back = parseFunc(text);
    expect(printFunc(back)).toBe(text);
    expect(verifyFunc(back)).toEqual([]);
  });

  it("is rejected by the verifier when the view changes the element count, param 0 is not the product, or operands are missing", () => {
    const f = epilogueFunc();
    const node = f.body.find((n) => n.op === "g.spmm_epilogue")!;
    const region = node.regions![0];
    const replaced = (n: Node): Func => ({ ...f, body: f.body.map((m) => (m === node ? n : m)) });
    const messages = (g: Func) => verifyFunc(g).map((p) => p.message).join("\n");

    const p0 = { ...region.params[0], type: f32("N", 9) };
    expect(messages(replaced({ ...node, attrs: { ...node.attrs, shape: ["N", 9] }, regions: [{ ...region, params: [p0, ...region.params.slice(1)] }] }))).toMatch(
      /does not provably hold the same elements/,
    );
    expect(messages(replaced({ ...node, attrs: { reduce: "mean" } }))).toMatch(/epilogue region param 0 is f32\[N,8\] but the product is f32\[N,2,4\]/);
    expect(messages(replaced({ ...node, inputs: node.inputs.slice(0, 2) }))).toMatch(/g\.spmm takes 2 or 3 operand\(s\); with 1 extra operand\(s\) the epilogue has 2/);
  });

  it("has no gradient rule and costs its producer's FLOPs plus one read of each operand", () => {
    for (const op of EPILOGUE_OPS) expect(getOpSpec(op)?.vjp).toBeUndefined();
    const f = epilogueFunc();
    const node = f.body.find((n) => n.op === "g.spmm_epilogue")!;
    const types = node.inputs.map((id) => f.body.find((n) => n.id === id)!.type);
    const symbols = { N: 10, E: 30 };
    const cost = getOpSpec("g.spmm_epilogue")!.cost(types, node.type, node.attrs, symbols);
    const spmm = getOpSpec("g.spmm")!.cost(types.slice(0, 2), types[1], { reduce: "mean" }, symbols);
    expect(cost.flops).toBe(spmm.flops);
    expect(cost.bytes).toBe(spmm.bytes + 8 * 4);
  });
});
