import { describe, it, expect } from "vitest";
import { FuncBuilder } from "../../compiler/ir/builder.js";
import { parseModule } from "../../compiler/ir/parse.js";
import type { Func, Module, Node } from "../../compiler/ir/types.js";
import { verifyFunc, verifyModule } from "../../compiler/ir/verify.js";

/** A module with one function `f` whose body is `body` (IR text), and the params its header declares. */
function mod(body: string, header = ""): Module {
  return parseModule(`module m\n${header}\nfunc f {\n${body}\n}`);
}
function messages(m: Module): string[] {
  return verifyModule(m).map((p) => p.message);
}

const VALID = `
  %0: f32[N,4] = s.input{name=x}()
  %1: f32[4,4] = s.param{name=w}()
  %2: f32[N,4] = t.matmul{transA=false, transB=true}(%0, %1)
  %3: f32[N,4] = s.loop{trip=3}(%2) {
    %4: i32[] = s.arg{index=0}()
    %5: f32[N,4] = s.arg{index=1}()
    %6: f32[N,4] = t.add(%5, %0)
    yield %6
  }
  return out=%3`;
const W = "param w: f32[4,4] init=glorot";

describe("verifier", () => {
  it("accepts a well-formed module (outer values used inside a region)", () => {
    expect(verifyModule(mod(VALID, W))).toEqual([]);
  });

  it("reports an unknown op", () => {
    expect(messages(mod(`  %0: f32[2] = t.frobnicate()\n  return out=%0`))).toEqual(["%0 t.frobnicate: unknown op"]);
  });

  it("reports a wrong operand count", () => {
    const m = mod(`  %0: f32[2] = s.input{name=x}()\n  %1: f32[2] = t.neg(%0, %0)\n  return out=%1`);
    expect(messages(m)).toEqual(["%1 t.neg: takes 1 operand(s), got 2"]);
  });

  it("reports a missing attribute", () => {
    expect(messages(mod(`  %0: f32[] = t.const()\n  return out=%0`))).toEqual(["%0 t.const: missing attribute value"]);
  });

  it("reports an unknown attribute", () => {
    const m = mod(`  %0: f32[2] = s.input{name=x}()\n  %1: f32[2] = t.relu{inplace=true}(%0)\n  return out=%1`);
    expect(messages(m)).toEqual(["%1 t.relu: unknown attribute inplace; t.relu takes none"]);
  });

  it("reports ill-typed attributes, including values outside oneOf", () => {
    const m = mod(
      `  %0: f32[N,2] = s.input{name=x}()\n  %1: f32[N] = t.sum{axes=[1.5]}(%0)\n` +
        `  %2: graph[N,E] = s.input{name=g}()\n  %3: f32[N,2] = g.spmm{reduce=median}(%2, %0)\n  return a=%1, b=%3`,
    );
    expect(messages(m)).toEqual([
      "%1 t.sum: attribute axes must be a list of integers, got [1.5]",
      "%3 g.spmm: attribute reduce must be one of sum, mean, max, got median",
    ]);
  });

  it("reports a use before definition", () => {
    const m = mod(`  %1: f32[2] = t.neg(%0)\n  %0: f32[2] = s.input{name=x}()\n  %2: f32[2] = t.neg(%9)\n  return out=%1`);
    expect(messages(m)).toEqual([
      "%1 t.neg: operand %0 is not visible here (used before its definition or outside its region)",
      "%2 t.neg: operand %9 is not defined",
    ]);
  });

  it("lets a region see outer values but not another region's values or its own owner", () => {
    const m = mod(`  %0: f32[2] = s.input{name=x}()
  %1: f32[2] = s.loop{trip=2}(%0) {
    %2: i32[] = s.arg{index=0}()
    %3: f32[2] = s.arg{index=1}()
    %4: f32[2] = t.neg(%3)
    yield %4
  }
  %5: f32[2] = s.loop{trip=2}(%0) {
    %6: i32[] = s.arg{index=0}()
    %7: f32[2] = s.arg{index=1}()
    %8: f32[2] = t.add(%7, %4)
    %9: f32[2] = t.add(%8, %5)
    yield %9
  }
  %10: f32[2] = t.neg(%3)
  return out=%10`);
    expect(messages(m)).toEqual([
      "%8 t.add: operand %4 is not visible here (used before its definition or outside its region)",
      "%9 t.add: operand %5 is not visible here (used before its definition or outside its region)",
      "%10 t.neg: operand %3 is not visible here (used before its definition or outside its region)",
    ]);
  });

  it("reports duplicate ids, nested regions included", () => {
    const m = mod(`  %0: f32[2] = s.input{name=x}()
  %1: f32[2] = s.loop{trip=1}(%0) {
    %2: i32[] = s.arg{index=0}()
    %3: f32[2] = s.arg{index=1}()
    %0: f32[2] = t.neg(%3)
    yield %0
  }
  %1: f32[2] = t.neg(%0)
  return out=%1`);
    expect(messages(m)).toEqual(["%0 t.neg: duplicate id %0", "%1 t.neg: duplicate id %1"]);
  });

  it("reports a stored type that differs from the re-inferred one", () => {
    const m = mod(`  %0: f32[N,4] = s.input{name=x}()\n  %1: f32[N,5] = t.relu(%0)\n  return out=%1`);
    expect(messages(m)).toEqual(["%1 t.relu: stored type f32[N,5] differs from the inferred f32[N,4]"]);
  });

  it("reports an inference failure", () => {
    const m = mod(`  %0: f32[N,32] = s.input{name=x}()\n  %1: f32[16,7] = s.input{name=w}()\n  %2: f32[N,7] = t.matmul(%0, %1)\n  return out=%2`);
    expect(messages(m)).toEqual(["%2 t.matmul: cannot multiply f32[N,32] by f32[16,7]: inner dims 32 and 16 differ"]);
  });

  it("reports results that are not defined, and result names that do not match", () => {
    const f: Func = { name: "f", body: [], results: [3], resultNames: [] };
    expect(verifyFunc(f).map((p) => p.message)).toEqual([
      "func f: result %3 is not defined",
      "func f: 1 result(s) but 0 result name(s)",
    ]);
  });

  it("checks s.loop's region: params, result and its type", () => {
    const m = mod(`  %0: f32[2] = s.input{name=x}()
  %1: f32[2] = s.loop{trip=2}(%0) {
    %2: f32[2] = s.arg{index=0}()
    yield %2
  }
  %3: f32[2] = s.loop{trip=2}(%0) {
    %4: i32[] = s.arg{index=0}()
    %5: f32[2] = s.arg{index=1}()
    %6: f32[] = t.sum{axes=[0]}(%5)
    yield %6
  }
  %7: f32[2] = s.loop{trip=2}(%0) {
    %8: i32[] = s.arg{index=0}()
    %9: f32[2] = s.arg{index=1}()
    yield %0
  }
  return a=%1, b=%3, c=%7`);
    expect(messages(m)).toEqual([
      "%1 s.loop: the loop region must take (i: i32[], f32[2]), got 1 param(s)",
      "%3 s.loop: the loop region returns f32[] for carried value 0, which is f32[2]",
      "%7 s.loop: loop region result %0 must be defined inside the region",
    ]);
  });

  it("checks region parameters are s.arg nodes in index order, and region counts", () => {
    const arg = (id: number, index: number): Node => ({ id, op: "s.arg", type: { kind: "rng" }, inputs: [], attrs: { index } });
    const x: Node = { id: 0, op: "s.input", type: { kind: "rng" }, inputs: [], attrs: { name: "r" } };
    const loop: Node = {
      id: 1,
      op: "s.loop",
      type: { kind: "rng" },
      inputs: [0],
      attrs: { trip: 1 },
      regions: [{ params: [arg(2, 1), { ...x, id: 3 }], body: [], results: [3] }],
    };
    const noRegion: Node = { id: 4, op: "s.loop", type: { kind: "rng" }, inputs: [0], attrs: { trip: 1 } };
    const msgs = verifyFunc({ name: "f", body: [x, loop, noRegion], results: [], resultNames: [] }).map((p) => p.message);
    expect(msgs).toContain("%2 s.arg: region param at position 0 has index 1");
    expect(msgs).toContain("%1 s.loop: region 0 param 1 must be an s.arg node, got s.input");
    expect(msgs).toContain("%4 s.loop: carries 1 region(s), got 0");
  });

  it("rejects s.arg outside region parameters", () => {
    const m = mod(`  %0: f32[2] = s.arg{index=0}()\n  return out=%0`);
    expect(messages(m)).toEqual(["%0 s.arg: s.arg may only appear as a region parameter"]);
  });

  it("checks s.param against the module's params: presence and type", () => {
    const m = mod(`  %0: f32[4,4] = s.param{name=w}()\n  %1: f32[4] = s.param{name=b}()\n  return a=%0, b=%1`, "param w: f32[4,5] init=glorot");
    expect(messages(m)).toEqual([
      "%0 s.param: parameter w is declared as f32[4,5] but used as f32[4,4]",
      "%1 s.param: parameter b is not declared in the module's params",
    ]);
  });

  it("reports an input read with two different types", () => {
    const m = mod(`  %0: f32[2] = s.input{name=x}()\n  %1: f32[3] = s.input{name=x}()\n  return a=%0, b=%1`);
    expect(messages(m)).toEqual(["%1 s.input: input x is read as both f32[2] and f32[3]"]);
  });

  it("reports duplicate parameter and function names at module level", () => {
    const m = parseModule("module m\nparam w: f32[2] init=zeros\nparam w: f32[2] init=zeros\n\nfunc f {\n  return\n}\n\nfunc f {\n  return\n}");
    expect(verifyModule(m).map((p) => p.message)).toEqual(["parameter w is declared twice", "function f is defined twice"]);
  });

  it("returns every problem at once, with node ids and spans", () => {
    const b = new FuncBuilder("f");
    const x = b.leaf("s.input", { kind: "tensor", dtype: "f32", shape: [2] }, { name: "x" });
    b.emit("t.neg", [x]);
    const good = b.finish([x], ["out"]);
    const span = { file: "a.gnn", start: { offset: 0, line: 3, column: 7 }, end: { offset: 2, line: 3, column: 9 } };
    const broken: Func = {
      ...good,
      body: [...good.body, { id: 7, op: "t.nope", type: { kind: "rng" }, inputs: [42], attrs: {}, span }],
      results: [99],
    };
    const problems = verifyFunc(broken);
    expect(problems).toHaveLength(3);
    expect(problems[0]).toEqual({ message: "%7 t.nope: operand %42 is not defined", nodeId: 7, span });
    expect(problems[1].message).toBe("%7 t.nope: unknown op");
    expect(problems[2].message).toBe("func f: result %99 is not defined");
  });
});
