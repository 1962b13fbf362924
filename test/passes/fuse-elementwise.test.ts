import { describe, expect, it } from "vitest";
import { FuncBuilder } from "../../compiler/ir/builder.js";
import { parseFunc } from "../../compiler/ir/parse.js";
import { printFunc } from "../../compiler/ir/print.js";
import type { Func, Module, Node, Type } from "../../compiler/ir/types.js";
import type { TensorValue, Value } from "../../compiler/ir/values.js";
import { verifyFunc } from "../../compiler/ir/verify.js";
import { runPipeline } from "../../compiler/passes/index.js";
import { runFunc } from "../../runtime/reference/index.js";
import { f32, random, randomTensor } from "../support/tensors.js";

// fuse-elementwise on hand-built functions: what joins a group, what never does, and that the
// fused function computes the same words as the original.
const RNG: Type = { kind: "rng" };

function moduleOf(f: Func): Module {
  return { name: "m", symbols: {}, params: [], funcs: [f] };
}

function fuse(f: Func, pipeline = "fuse-elementwise"): Func {
  const r = runPipeline(moduleOf(f), pipeline); // verifies the output
  expect(r.diagnostics).toEqual([]);
  return r.module.funcs[0];
}

const fusedIn = (f: Func): Node[] => f.body.filter((n) => n.op === "t.fused");
const regionOps = (n: Node): string[] => n.regions![0].body.map((m) => m.op);

/** Float results as 32-bit words: equal words are equal bit for bit (NaN payloads and −0 included). */
function words(vs: Value[]): number[][] {
  return vs.map((v) => Array.from(new Uint32Array(Float32Array.from((v as TensorValue).data).buffer)));
}

function expectSameWords(before: Func, after: Func, inputs: Record<string, Value>): void {
  expect(words(runFunc(after, { inputs, params: {} }))).toEqual(words(runFunc(before, { inputs, params: {} })));
}

describe("fuse-elementwise groups", () => {
  it("fuses a chain with bias, column and scalar operands into one node that computes the same words", () => {
    const b = new FuncBuilder("f");
    const x = b.leaf("s.input", f32(37, 12), { name: "x" });
    const bias = b.leaf("s.input", f32(12), { name: "bias" });
    const col = b.leaf("s.input", f32(37, 1), { name: "col" });
    const s = b.leaf("s.input", f32(), { name: "s" });
    const y = b.emit("t.sub", [b.emit("t.relu", [b.emit("t.add", [b.emit("t.mul", [x, col]), bias])]), s]);
    const out = b.emit("t.mul", [b.emit("t.sigmoid", [y]), x]);
    const before = b.finish([out], ["out"]);
    const after = fuse(before);
    const [fused] = fusedIn(after);
    expect(fusedIn(after)).toHaveLength(1);
    expect(regionOps(fused)).toEqual(["t.mul", "t.add", "t.relu", "t.sub", "t.sigmoid", "t.mul"]);
    expect(fused.inputs).toEqual([x, col, bias, s]); // distinct, in order of first read
    expect(fused.id).toBe(out); // later reads and the result name are unchanged
    expect(after.body.map((n) => n.op)).toEqual(["s.input", "s.input", "s.input", "s.input", "t.fused"]);
    const inputs = { x: randomTensor([37, 12], random(1)), bias: randomTensor([12], random(2)), col: randomTensor([37, 1], random(3)), s: randomTensor([], random(4)) };
    expectSameWords(before, after, inputs);
  });

  it("takes a value read twice inside the group (a DAG), but not one read outside it", () => {
    const b = new FuncBuilder("f");
    const x = b.leaf("s.input", f32(8, 4), { name: "x" });
    const w = b.leaf("s.input", f32(3, 4), { name: "w" });
    const shared = b.emit("t.add", [x, x]); // read by two group members
    const mixed = b.emit("t.mul", [b.emit("t.exp", [shared]), b.emit("t.neg", [shared])]);
    const outside = b.emit("t.tanh", [x]); // also read by the matmul below
    const joined = b.emit("t.add", [mixed, outside]);
    const mm = b.emit("t.matmul", [outside, w], { transB: true });
    const before = b.finish([joined, mm], ["joined", "mm"]);
    const after = fuse(before);
    const [fused] = fusedIn(after);
    expect(fusedIn(after)).toHaveLength(1);
    expect(regionOps(fused)).toEqual(["t.add", "t.exp", "t.neg", "t.mul", "t.add"]);
    expect(after.body.find((n) => n.id === outside)?.op).toBe("t.tanh"); // stays: the matmul reads it
    expect(fused.inputs).toEqual([x, outside]);
    expectSameWords(before, after, { x: randomTensor([8, 4], random(5)), w: randomTensor([3, 4], random(6)) });
  });

  it("never hides a function result inside a group, and leaves single ops alone", () => {
    const b = new FuncBuilder("f");
    const x = b.leaf("s.input", f32(5), { name: "x" });
    const mid = b.emit("t.exp", [x]);
    const top = b.emit("t.relu", [mid]);
    const lone = b.emit("t.neg", [x]);
    const before = b.finish([mid, top, lone], ["mid", "top", "lone"]);
    const r = runPipeline(moduleOf(before), "fuse-elementwise");
    expect(r.module.funcs[0]).toBe(before); // nothing to fuse: the same function
    expect(r.timings.map((t) => t.changed)).toEqual([false]);
  });

  it("keeps each group within max_operands distinct operands", () => {
    const b = new FuncBuilder("f");
    const xs = Array.from({ length: 10 }, (_, k) => b.leaf("s.input", f32(6), { name: `x${k}` }));
    let acc = b.emit("t.add", [xs[0], xs[1]]);
    for (const x of xs.slice(2)) acc = b.emit("t.add", [acc, x]);
    const before = b.finish([acc], ["out"]);
    const inputs = Object.fromEntries(xs.map((_, k) => [`x${k}`, randomTensor([6], random(10 + k))]));
    for (const [limit, groups] of [[7, 2], [3, 4]] as const) {
      const after = fuse(before, `fuse-elementwise{max_operands=${limit}}`);
      const fused = fusedIn(after);
      expect(fused.map((n) => n.inputs.length).every((k) => k <= limit), `limit ${limit}`).toBe(true);
      expect(fused, `limit ${limit}`).toHaveLength(groups);
      expectSameWords(before, after, inputs);
    }
  });

  it("refuses max_operands outside 1–7 with E604", () => {
    const b = new FuncBuilder("f");
    const x = b.leaf("s.input", f32(2), { name: "x" });
    const f = b.finish([b.emit("t.exp", [b.emit("t.neg", [x])])], ["out"]);
    for (const bad of [0, 8]) {
      const r = runPipeline(moduleOf(f), `fuse-elementwise{max_operands=${bad}}`);
      expect(r.diagnostics.map((d) => d.code)).toEqual(["E604"]);
    }
  });

  it("lets dropout join only where it draws by the result's own index", () => {
    const b = new FuncBuilder("f");
    const x = b.leaf("s.input", f32(9, 8), { name: "x" });
    const bias = b.leaf("s.input", f32(8), { name: "bias" });
    const rng = b.leaf("s.input", RNG, { name: "rng" });
    const whole = b.emit("t.mul", [b.emit("nn.dropout", [x, rng], { p: 0.4 }), b.emit("t.relu", [x])]);
    const droppedBias = b.emit("nn.dropout", [bias, rng], { p: 0.4 }); // [8]: its own index is not the result's
    const out = b.emit("t.add", [b.emit("t.exp", [whole]), droppedBias]);
    const before = b.finish([out], ["out"]);
    const after = fuse(before);
    const [fused] = fusedIn(after);
    expect(regionOps(fused)).toEqual(["nn.dropout", "t.relu", "t.mul", "t.exp", "t.add"]);
    expect(after.body.find((n) => n.id === droppedBias)?.op).toBe("nn.dropout");
    expect(fused.inputs).toEqual([x, rng, droppedBias]);
    const inputs = { x: randomTensor([9, 8], random(20)), bias: randomTensor([8], random(21)), rng: { kind: "rng", key: [7, 11] } as Value };
    expectSameWords(before, after, inputs);
  });

  it("fuses inside a loop body without crossing the region boundary, and is idempotent", () => {
    const b = new FuncBuilder("f");
    const x = b.leaf("s.input", f32(6, 4), { name: "x" });
    const w = b.leaf("s.input", f32(4), { name: "w" });
    const start = b.emit("t.exp", [b.emit("t.neg", [x])]);
    const region = b.region([{ kind: "tensor", dtype: "i32", shape: [] }, f32(6, 4)], ([, h]) => [
      b.emit("t.tanh", [b.emit("t.add", [b.emit("t.mul", [h, w]), start])]),
    ]);
    const loop = b.emit("s.loop", [start], { trip: 3 }, undefined, [region]);
    const out = b.emit("t.relu", [loop]);
    const before = b.finish([out], ["out"]);
    const after = fuse(before);
    expect(after.body.map((n) => n.op)).toEqual(["s.input", "s.input", "t.fused", "s.loop", "t.relu"]);
    const inner = after.body.find((n) => n.op === "s.loop")!.regions![0];
    expect(inner.body.map((n) => n.op)).toEqual(["t.fused"]);
    expect(regionOps(inner.body[0])).toEqual(["t.mul", "t.add", "t.tanh"]);
    expectSameWords(before, after, { x: randomTensor([6, 4], random(30)), w: randomTensor([4], random(31)) });
    expect(fuse(after)).toBe(after); // nothing left to fuse
  });
});

describe("t.fused in the IR", () => {
  function fusedFunc(): Func {
    const b = new FuncBuilder("f");
    const x = b.leaf("s.input", f32("N", 3), { name: "x" });
    const c = b.leaf("s.input", f32(3), { name: "c" });
    return fuse(b.finish([b.emit("t.sigmoid", [b.emit("t.mul", [x, c])])], ["out"]));
  }

  it("prints and parses back", () => {
    const f = fusedFunc();
    const text = printFunc(f);
    expect(text).toContain("t.fused(%0, %1) {");
    const back = parseFunc(text);
    expect(printFunc(back)).toBe(text);
    expect(verifyFunc(back)).toEqual([]);
  });

  it("is rejected by the verifier when its region reads an outside value, holds a non-elementwise op, or mistypes a param", () => {
    const f = fusedFunc();
    const node = f.body.find((n) => n.op === "t.fused")!;
    const region = node.regions![0];
    const withRegion = (r: typeof region, inputs = node.inputs): Func => ({
      ...f,
      body: f.body.map((n) => (n === node ? { ...node, inputs, regions: [r] } : n)),
    });
    const messages = (g: Func) => verifyFunc(g).map((p) => p.message).join("\n");

    const outside = region.body.map((n, i) => (i === 0 ? { ...n, inputs: [n.inputs[0], node.inputs[1]] } : n));
    expect(messages(withRegion({ ...region, body: outside }))).toMatch(/reads %1 from outside/);

    const [p0, p1] = region.params;
    const matmul: Node = { id: 90, op: "t.matmul", type: f32("N", "N"), inputs: [p0.id, p0.id], attrs: { transA: false, transB: true } };
    const last = region.body[region.body.length - 1];
    const bad = { ...region, body: [...region.body.slice(0, -1), matmul, { ...last, inputs: [region.body[0].id] }], results: [last.id] };
    expect(messages(withRegion(bad))).toMatch(/t\.matmul \(%90\) is not an elementwise op/);

    expect(messages(withRegion(region, [node.inputs[1], node.inputs[0]]))).toMatch(/fused region param 0 is f32\[N,3\] but operand 0 is f32\[3\]/);
    expect(p1.type).toEqual(f32(3));
  });

  it("refuses a dropout that does not draw by the result's index", () => {
    const b = new FuncBuilder("f");
    const types = [f32(4), RNG, f32(3, 4)];
    const ids = types.map((t, i) => b.leaf("s.input", t, { name: `in${i}` }));
    const region = b.region(types, ([x, k, y]) => [b.emit("t.add", [b.emit("nn.dropout", [x, k], { p: 0.5 }), y])]);
    expect(() => b.emit("t.fused", ids, {}, undefined, [region])).toThrow(/nn\.dropout \(%\d+\) is f32\[4\]; in a fused region it must have the result's type f32\[3,4\]/);
  });
});
