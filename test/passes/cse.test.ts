import { describe, expect, it } from "vitest";
import { FuncBuilder } from "../../compiler/ir/builder.js";
import { printModule } from "../../compiler/ir/print.js";
import type { Module } from "../../compiler/ir/types.js";
import { verifyModule } from "../../compiler/ir/verify.js";
import { cse } from "../../compiler/passes/cse.js";
import { countNodes } from "../../compiler/ir/walk.js";
import { randomModule } from "./random-func.js";
import { passCtx, registerEffectOp, reshuffle, runAll } from "./run-helpers.js";
import { f32 } from "../support/tensors.js";

const ctx = passCtx;
const runCse = (m: Module) => cse.run(m, ctx, {});

// An impure op exists only in this test file: CSE must never merge two of them.
registerEffectOp("test.cse_effect");

describe("cse preserves semantics on random functions", () => {
  for (let seed = 1; seed <= 25; seed++) {
    it(`seed ${seed}`, () => {
      const c = randomModule(seed);
      const text = printModule(c.module);
      const r = runCse(c.module);
      expect(printModule(c.module)).toBe(text); // the input is not mutated
      expect(verifyModule(r.module)).toEqual([]);
      expect(r.changed).toBe(true);
      expect(countNodes(r.module.funcs[0])).toBeLessThan(countNodes(c.module.funcs[0]));
      for (const data of [c, reshuffle(c, seed * 7919)]) {
        expect(runAll(r.module, data)).toEqual(runAll(c.module, data));
      }
      const again = runCse(r.module);
      expect(again.changed).toBe(false);
      expect(again.module).toBe(r.module);
    });
  }
});

describe("cse rules", () => {
  it("merges equal leaves and expressions, keeps distinct ones, reuses outer values in regions, hoists nothing", () => {
    const b = new FuncBuilder("forward");
    const x = b.leaf("s.input", f32(3), { name: "x" });
    const x2 = b.leaf("s.input", f32(3), { name: "x" }); // same name: merged
    const y = b.leaf("s.input", f32(3), { name: "y" }); // other name: kept
    const zero = b.emit("t.const", [], { value: 0 });
    const negZero = b.emit("t.const", [], { value: -0 }); // 1/-0 ≠ 1/0: kept
    const a1 = b.emit("t.relu", [x]);
    const a2 = b.emit("t.relu", [x2]); // relu(x) again once x2 is x
    const q = b.emit("t.div", [a1, zero]);
    const q2 = b.emit("t.div", [a2, negZero]);
    const ry = b.emit("t.relu", [y]);
    const body = (carried: number) => {
      const inv = b.emit("t.relu", [x]); // equal to a1 outside: reused
      const fresh = b.emit("t.tanh", [x]); // only inside
      const fresh2 = b.emit("t.tanh", [x]); // merged with fresh, inside
      return b.emit("t.add", [b.emit("t.add", [carried, inv]), b.emit("t.mul", [fresh, fresh2])]);
    };
    const r1 = b.region([{ kind: "tensor", dtype: "i32", shape: [] }, f32(3)], ([, c]) => [body(c)]);
    const l1 = b.emit("s.loop", [q], { trip: 2 }, undefined, [r1]);
    const r2 = b.region([{ kind: "tensor", dtype: "i32", shape: [] }, f32(3)], ([, c]) => [body(c)]);
    const l2 = b.emit("s.loop", [q2], { trip: 2 }, undefined, [r2]); // a sibling region: shares nothing with r1
    const after = b.emit("t.tanh", [x]); // equal to a value inside the loops: not hoisted into them
    const fx1 = b.emit("test.cse_effect", [ry]);
    const fx2 = b.emit("test.cse_effect", [ry]); // impure: kept
    const out = b.emit("t.add", [b.emit("t.add", [l1, l2]), b.emit("t.add", [after, b.emit("t.add", [fx1, fx2])])]);
    const module: Module = { name: "m", symbols: {}, params: [], funcs: [b.finish([out, a2], ["out", "relu"])] };

    const before = printModule(module);
    expect(before).toBe(`module m

func forward {
  %0: f32[3] = s.input{name=x}()
  %1: f32[3] = s.input{name=x}()
  %2: f32[3] = s.input{name=y}()
  %3: f32[] = t.const{dtype=f32, value=0}()
  %4: f32[] = t.const{dtype=f32, value=-0}()
  %5: f32[3] = t.relu(%0)
  %6: f32[3] = t.relu(%1)
  %7: f32[3] = t.div(%5, %3)
  %8: f32[3] = t.div(%6, %4)
  %9: f32[3] = t.relu(%2)
  %18: f32[3] = s.loop{trip=2}(%7) {
    %10: i32[] = s.arg{index=0}()
    %11: f32[3] = s.arg{index=1}()
    %12: f32[3] = t.relu(%0)
    %13: f32[3] = t.tanh(%0)
    %14: f32[3] = t.tanh(%0)
    %15: f32[3] = t.add(%11, %12)
    %16: f32[3] = t.mul(%13, %14)
    %17: f32[3] = t.add(%15, %16)
    yield %17
  }
  %27: f32[3] = s.loop{trip=2}(%8) {
    %19: i32[] = s.arg{index=0}()
    %20: f32[3] = s.arg{index=1}()
    %21: f32[3] = t.relu(%0)
    %22: f32[3] = t.tanh(%0)
    %23: f32[3] = t.tanh(%0)
    %24: f32[3] = t.add(%20, %21)
    %25: f32[3] = t.mul(%22, %23)
    %26: f32[3] = t.add(%24, %25)
    yield %26
  }
  %28: f32[3] = t.tanh(%0)
  %29: f32[3] = test.cse_effect(%9)
  %30: f32[3] = test.cse_effect(%9)
  %31: f32[3] = t.add(%18, %27)
  %32: f32[3] = t.add(%29, %30)
  %33: f32[3] = t.add(%28, %32)
  %34: f32[3] = t.add(%31, %33)
  return out=%34, relu=%6
}`);
    const r = runCse(module);
    expect(printModule(r.module)).toBe(`module m

func forward {
  %0: f32[3] = s.input{name=x}()
  %2: f32[3] = s.input{name=y}()
  %3: f32[] = t.const{dtype=f32, value=0}()
  %4: f32[] = t.const{dtype=f32, value=-0}()
  %5: f32[3] = t.relu(%0)
  %7: f32[3] = t.div(%5, %3)
  %8: f32[3] = t.div(%5, %4)
  %9: f32[3] = t.relu(%2)
  %18: f32[3] = s.loop{trip=2}(%7) {
    %10: i32[] = s.arg{index=0}()
    %11: f32[3] = s.arg{index=1}()
    %13: f32[3] = t.tanh(%0)
    %15: f32[3] = t.add(%11, %5)
    %16: f32[3] = t.mul(%13, %13)
    %17: f32[3] = t.add(%15, %16)
    yield %17
  }
  %27: f32[3] = s.loop{trip=2}(%8) {
    %19: i32[] = s.arg{index=0}()
    %20: f32[3] = s.arg{index=1}()
    %22: f32[3] = t.tanh(%0)
    %24: f32[3] = t.add(%20, %5)
    %25: f32[3] = t.mul(%22, %22)
    %26: f32[3] = t.add(%24, %25)
    yield %26
  }
  %28: f32[3] = t.tanh(%0)
  %29: f32[3] = test.cse_effect(%9)
  %30: f32[3] = test.cse_effect(%9)
  %31: f32[3] = t.add(%18, %27)
  %32: f32[3] = t.add(%29, %30)
  %33: f32[3] = t.add(%28, %32)
  %34: f32[3] = t.add(%31, %33)
  return out=%34, relu=%5
}`);
    expect(verifyModule(r.module)).toEqual([]);
    const data = { inputs: { x: vec(1, -2, 3), y: vec(-1, 0.5, 2) }, params: {} };
    expect(runAll(r.module, data)).toEqual(runAll(module, data));
  });

  it("keeps a region result inside its region even when an equal value exists outside", () => {
    const b = new FuncBuilder("f");
    const x = b.leaf("s.input", f32(2), { name: "x" });
    const outer = b.emit("t.tanh", [x]);
    const region = b.region([{ kind: "tensor", dtype: "i32", shape: [] }, f32(2)], () => [b.emit("t.tanh", [x])]);
    const loop = b.emit("s.loop", [outer], { trip: 3 }, undefined, [region]);
    const module: Module = { name: "m", symbols: {}, params: [], funcs: [b.finish([loop], ["out"])] };
    const r = runCse(module);
    expect(r.changed).toBe(false);
    expect(verifyModule(r.module)).toEqual([]);
  });

  it("merges only within one function, and renames results", () => {
    const make = (name: string) => {
      const b = new FuncBuilder(name);
      const x = b.leaf("s.input", f32(2), { name: "x" });
      return b.finish([b.emit("t.neg", [x]), b.emit("t.neg", [x])], ["a", "b"]);
    };
    const module: Module = { name: "m", symbols: {}, params: [], funcs: [make("f"), make("g")] };
    const r = runCse(module);
    for (const f of r.module.funcs) {
      expect(f.body).toHaveLength(2);
      expect(f.results).toEqual([1, 1]);
    }
  });
});

function vec(...xs: number[]) {
  return { kind: "tensor" as const, dtype: "f32" as const, shape: [xs.length], data: Float32Array.from(xs) };
}
