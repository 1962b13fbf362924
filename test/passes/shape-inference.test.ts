import { describe, expect, it } from "vitest";
import { FuncBuilder } from "../../compiler/ir/builder.js";
import type { Func, Module, Node, Type } from "../../compiler/ir/types.js";
import { verifyModule } from "../../compiler/ir/verify.js";
import { shapeInference } from "../../compiler/passes/shape-inference.js";
import { randomModule } from "./random-func.js";
import { f32 } from "../support/tensors.js";

const ctx = { log: () => {}, properties: new Set<string>() };
const check = (m: Module) => shapeInference.run(m, ctx, { update: false });
const update = (m: Module) => shapeInference.run(m, ctx, { update: true });
const at = (line: number) => ({ file: "m.gnn", start: { offset: 0, line, column: 1 }, end: { offset: 1, line, column: 2 } });

/** x → relu → tanh → (loop body: carried + x) → out, with a span per node so reports can be located. */
function sample(): Module {
  const b = new FuncBuilder("forward");
  const x = b.leaf("s.input", f32("N", 4), { name: "x" }, at(1));
  const w = b.leaf("s.param", f32(4, 4), { name: "w" }, at(2));
  const h = b.emit("t.matmul", [x, w], {}, at(3));
  const r = b.emit("t.relu", [h], {}, at(4));
  const t = b.emit("t.tanh", [r], {}, at(5));
  const body = b.region([{ kind: "tensor", dtype: "i32", shape: [] }, f32("N", 4)], ([, c]) => [b.emit("t.add", [c, x], {}, at(6))]);
  const loop = b.emit("s.loop", [t], { trip: "L" }, at(7), [body]);
  const params = [{ name: "w", type: { kind: "tensor" as const, dtype: "f32" as const, shape: [4, 4] }, init: { kind: "glorot" as const }, trainable: true }];
  return { name: "m", symbols: {}, params, funcs: [b.finish([loop], ["out"])] };
}

/** The module with the stored type of node `id` replaced (wherever it is, regions included). */
function retype(m: Module, types: Record<number, Type>): Module {
  const visit = (nodes: readonly Node[]): Node[] =>
    nodes.map((n) => ({
      ...n,
      type: types[n.id] ?? n.type,
      ...(n.regions ? { regions: n.regions.map((r) => ({ ...r, body: visit(r.body) })) } : {}),
    }));
  const funcs: Func[] = m.funcs.map((f) => ({ ...f, body: visit(f.body) }));
  return { ...m, funcs };
}

describe("shape-inference", () => {
  it("agrees with the builder on random modules and changes nothing", () => {
    for (let seed = 1; seed <= 10; seed++) {
      const m = randomModule(seed).module;
      const r = check(m);
      expect(r.diagnostics).toEqual([]);
      expect(r.changed).toBe(false);
      expect(r.module).toBe(m);
      expect(update(m).module).toBe(m);
    }
    expect(shapeInference.provides).toEqual(["shapes-inferred"]);
  });

  it("reports the root cause of a wrong type, not everything downstream of it", () => {
    // relu (%3) is stored with a wrong shape, and tanh (%4) inherited it; the loop (%8) did too.
    const m = retype(sample(), { 3: f32("N", 5), 4: f32("N", 5), 8: f32("N", 5) });
    const r = check(m);
    expect(r.changed).toBe(false);
    expect(r.diagnostics.map((d) => [d.code, d.severity, d.span.start.line])).toEqual([
      ["E621", "error", 4],
      ["E621", "note", 1],
    ]);
    expect(r.diagnostics[0].message).toBe("%3 = t.relu is stored as f32[N,5] but the op infers f32[N,4]");
    expect(r.diagnostics[1].message).toBe("2 more node(s) in `forward` disagree only because of the error(s) above");
  });

  it("reports independent mistakes separately, inside regions too", () => {
    // tanh (%4) is wrong on its own (its input is right); the add in the loop body (%7) too.
    const r = check(retype(sample(), { 4: f32("N", 3), 7: f32("N", 9) }));
    expect(r.diagnostics.map((d) => [d.code, d.span.start.line])).toEqual([
      ["E621", 5],
      ["E621", 6],
    ]);
  });

  it("with update, rewrites the wrong types so the module verifies again", () => {
    const m = retype(sample(), { 3: f32("N", 5), 4: f32("N", 5), 7: f32("N", 5) });
    expect(verifyModule(m).length).toBeGreaterThan(0);
    const r = update(m);
    expect(r.changed).toBe(true);
    expect(r.diagnostics.every((d) => d.severity === "note")).toBe(true);
    expect(r.diagnostics.map((d) => d.span.start.line)).toEqual([4, 5, 6]);
    expect(verifyModule(r.module)).toEqual([]);
    expect(r.module.funcs[0]).toEqual(sample().funcs[0]);
    expect(m.funcs[0].body[3].type).toEqual(f32("N", 5)); // the input is not mutated
  });

  it("reports inference failures with the operands at fault", () => {
    const m = sample();
    const [x, w, mm, ...rest] = m.funcs[0].body;
    const badW = { ...w, type: f32(3, 4) }; // matmul [N,4]@[3,4] cannot work
    const params = [{ ...m.params[0], type: { kind: "tensor" as const, dtype: "f32" as const, shape: [3, 4] } }];
    const r = check({ ...m, params, funcs: [{ ...m.funcs[0], body: [x, badW, mm, ...rest] }] });
    expect(r.diagnostics.map((d) => d.code)).toEqual(["E620"]);
    expect(r.diagnostics[0].span.start.line).toBe(3);
    expect(r.diagnostics[0].message).toMatch(/^%2 = t\.matmul: /);
    expect(r.diagnostics[0].labels?.map((l) => l.span.start.line)).toEqual([1, 2]);
  });

  it("checks s.param leaves against the parameter table, and unknown ops", () => {
    const m = sample();
    const wrongParam = check({ ...m, params: [{ ...m.params[0], type: { kind: "tensor", dtype: "f32", shape: [4, 5] }, span: at(9) }] });
    expect(wrongParam.diagnostics.map((d) => [d.code, d.span.start.line, d.labels?.[0].span.start.line])).toEqual([["E623", 2, 9]]);
    expect(wrongParam.diagnostics[0].message).toBe("%1 = s.param{name=w} is f32[4,4] but the parameter is f32[4,5]");
    expect(check({ ...m, params: [] }).diagnostics.map((d) => d.code)).toEqual(["E623"]);

    const body = m.funcs[0].body.map((n) => (n.id === 3 ? { ...n, op: "t.relu6" } : n));
    const unknown = check({ ...m, funcs: [{ ...m.funcs[0], body }] });
    expect(unknown.diagnostics.map((d) => [d.code, d.message])).toEqual([["E622", "%3 uses unknown op `t.relu6`"]]);
  });
});
