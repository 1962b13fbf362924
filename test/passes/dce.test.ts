import { describe, expect, it } from "vitest";
import { FuncBuilder } from "../../compiler/ir/builder.js";
import { printModule } from "../../compiler/ir/print.js";
import type { Module, Type } from "../../compiler/ir/types.js";
import { verifyModule } from "../../compiler/ir/verify.js";
import { cse } from "../../compiler/passes/cse.js";
import { dce } from "../../compiler/passes/dce.js";
import { countNodes } from "../../compiler/ir/walk.js";
import { randomModule } from "./random-func.js";
import { passCtx, registerEffectOp, reshuffle, runAll } from "./run-helpers.js";
import { f32 } from "../support/tensors.js";

const ctx = passCtx;
const runDce = (m: Module) => dce.run(m, ctx, {});
const i32: Type = { kind: "tensor", dtype: "i32", shape: [] };

// An impure op exists only in this test file: DCE must keep it (and what it uses) even when unused.
registerEffectOp("test.dce_effect");

describe("dce preserves semantics on random functions", () => {
  for (let seed = 1; seed <= 25; seed++) {
    it(`seed ${seed}`, () => {
      const c = randomModule(seed);
      const text = printModule(c.module);
      const r = runDce(c.module);
      expect(printModule(c.module)).toBe(text); // the input is not mutated
      expect(verifyModule(r.module)).toEqual([]);
      expect(r.changed).toBe(true);
      const n = countNodes(r.module.funcs[0]);
      expect(n).toBeLessThan(countNodes(c.module.funcs[0]));
      for (const data of [c, reshuffle(c, seed * 104729)]) {
        expect(runAll(r.module, data)).toEqual(runAll(c.module, data));
      }
      expect(runDce(r.module).changed).toBe(false); // nothing dead is left
      // CSE exposes more dead code (merged duplicates' users), and the pair still computes the same.
      const both = runDce(cse.run(c.module, ctx, {}).module).module;
      expect(countNodes(both.funcs[0])).toBeLessThan(n);
      expect(runAll(both, c)).toEqual(runAll(c.module, c));
    });
  }
});

describe("dce rules", () => {
  it("removes dead nodes at top level and in regions, keeps effects, region params and what they use", () => {
    const b = new FuncBuilder("forward");
    const x = b.leaf("s.input", f32(3), { name: "x" });
    const unusedInput = b.leaf("s.input", f32(3), { name: "unused" });
    b.emit("t.relu", [unusedInput]); // dead chain
    const logged = b.emit("t.tanh", [x]);
    b.emit("test.dce_effect", [logged]); // unused but impure: kept with its input
    const live = b.region([i32, f32(3)], ([, c]) => {
      b.emit("t.neg", [c]); // dead inside a live region
      const inner = b.region([i32, f32(3)], ([, d]) => [b.emit("t.sigmoid", [d])]);
      b.emit("s.loop", [c], { trip: 2 }, undefined, [inner]); // a dead nested loop
      return [b.emit("t.add", [c, x])];
    });
    const loop = b.emit("s.loop", [x], { trip: 3 }, undefined, [live]);
    const deadLoop = b.region([i32, f32(3)], ([, c]) => [b.emit("t.abs", [c])]);
    b.emit("s.loop", [x], { trip: 3 }, undefined, [deadLoop]); // dead loop, pure body: removed whole
    const effectLoop = b.region([i32, f32(3)], ([, c]) => [b.emit("test.dce_effect", [c])]);
    b.emit("s.loop", [x], { trip: 1 }, undefined, [effectLoop]); // dead result, effect inside: kept
    const module: Module = { name: "m", symbols: {}, params: [], funcs: [b.finish([loop], ["out"])] };

    expect(printModule(module)).toBe(`module m

func forward {
  %0: f32[3] = s.input{name=x}()
  %1: f32[3] = s.input{name=unused}()
  %2: f32[3] = t.relu(%1)
  %3: f32[3] = t.tanh(%0)
  %4: f32[3] = test.dce_effect(%3)
  %13: f32[3] = s.loop{trip=3}(%0) {
    %5: i32[] = s.arg{index=0}()
    %6: f32[3] = s.arg{index=1}()
    %7: f32[3] = t.neg(%6)
    %11: f32[3] = s.loop{trip=2}(%6) {
      %8: i32[] = s.arg{index=0}()
      %9: f32[3] = s.arg{index=1}()
      %10: f32[3] = t.sigmoid(%9)
      yield %10
    }
    %12: f32[3] = t.add(%6, %0)
    yield %12
  }
  %17: f32[3] = s.loop{trip=3}(%0) {
    %14: i32[] = s.arg{index=0}()
    %15: f32[3] = s.arg{index=1}()
    %16: f32[3] = t.abs(%15)
    yield %16
  }
  %21: f32[3] = s.loop{trip=1}(%0) {
    %18: i32[] = s.arg{index=0}()
    %19: f32[3] = s.arg{index=1}()
    %20: f32[3] = test.dce_effect(%19)
    yield %20
  }
  return out=%13
}`);
    const logs: string[] = [];
    const r = dce.run(module, { ...ctx, log: (m) => logs.push(m) }, {});
    expect(printModule(r.module)).toBe(`module m

func forward {
  %0: f32[3] = s.input{name=x}()
  %3: f32[3] = t.tanh(%0)
  %4: f32[3] = test.dce_effect(%3)
  %13: f32[3] = s.loop{trip=3}(%0) {
    %5: i32[] = s.arg{index=0}()
    %6: f32[3] = s.arg{index=1}()
    %12: f32[3] = t.add(%6, %0)
    yield %12
  }
  %21: f32[3] = s.loop{trip=1}(%0) {
    %18: i32[] = s.arg{index=0}()
    %19: f32[3] = s.arg{index=1}()
    %20: f32[3] = test.dce_effect(%19)
    yield %20
  }
  return out=%13
}`);
    expect(verifyModule(r.module)).toEqual([]);
    expect(countNodes(module.funcs[0]) - countNodes(r.module.funcs[0])).toBe(11);
    expect(logs).toEqual(["dce: forward: removed 11 node(s)"]);
    const data = { inputs: { x: vec(1, -2, 3), unused: vec(0, 0, 0) }, params: {} };
    expect(runAll(r.module, data)).toEqual(runAll(module, data));
  });

  it("keeps values used only by a region (defined outside it), and every result", () => {
    const b = new FuncBuilder("f");
    const x = b.leaf("s.input", f32(2), { name: "x" });
    const captured = b.emit("t.exp", [x]); // used only inside the loop body
    const region = b.region([i32, f32(2)], ([, c]) => [b.emit("t.mul", [c, captured])]);
    const loop = b.emit("s.loop", [x], { trip: 2 }, undefined, [region]);
    const module: Module = { name: "m", symbols: {}, params: [], funcs: [b.finish([loop, x, loop], ["a", "b", "c"])] };
    const r = runDce(module);
    expect(r.changed).toBe(false);
    expect(r.module).toBe(module);
  });
});

function vec(...xs: number[]) {
  return { kind: "tensor" as const, dtype: "f32" as const, shape: [xs.length], data: Float32Array.from(xs) };
}
