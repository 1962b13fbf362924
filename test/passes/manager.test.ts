import { describe, expect, it } from "vitest";
import { printModule } from "../../compiler/ir/print.js";
import type { Module } from "../../compiler/ir/types.js";
import { runPipeline } from "../../compiler/passes/manager.js";
import type { Pass } from "../../compiler/passes/pass.js";
import { createRegistry } from "../../compiler/passes/registry.js";
import { complaining, dangling, garbage, mangled, optionRich, propertyPass, throwing, warning } from "./fake-passes.js";
import { randomModule } from "./random-func.js";

const needsShapes = propertyPass("needs-shapes", { requires: ["shapes-inferred"] });
const needsBoth = propertyPass("needs-both", { requires: ["shapes-inferred", "kernels-lowered"] });
const breaker = propertyPass("breaker", { invalidates: ["shapes-inferred"] });
const seen: string[][] = [];
const spy: Pass = {
  name: "spy",
  description: "records the properties it sees",
  options: {},
  run(module, ctx) {
    seen.push([...ctx.properties].sort());
    return { module, changed: false, diagnostics: [] };
  },
};
const registry = createRegistry([optionRich, needsShapes, needsBoth, breaker, throwing, garbage, dangling, mangled, complaining, warning, spy]);
const module = (): Module => randomModule(3).module;
const run = (pipeline: string, opts: Parameters<typeof runPipeline>[2] = {}) => runPipeline(module(), pipeline, { registry, ...opts });
const codes = (r: { diagnostics: { code: string }[] }) => r.diagnostics.map((d) => d.code);

describe("runPipeline", () => {
  it("runs passes in order, records timings and the properties established", () => {
    const r = run("shape-inference,cse,dce");
    expect(r.diagnostics).toEqual([]);
    expect(r.timings.map((t) => [t.pass, t.changed])).toEqual([
      ["shape-inference", false],
      ["cse", true],
      ["dce", true],
    ]);
    for (const t of r.timings) {
      expect(t.ms).toBeGreaterThanOrEqual(0);
      expect(t.verifyMs).toBeUndefined();
    }
    expect(r.properties).toEqual(["no-dead-code", "shapes-inferred"]);
    const timed = run("cse", { timing: true });
    expect(timed.timings[0].verifyMs).toBeGreaterThanOrEqual(0);
  });

  it("accepts entries as well as text, and reports pipeline errors without running anything", () => {
    const r = runPipeline(module(), [{ name: "cse" }, { name: "dce" }]);
    expect(r.timings.map((t) => t.pass)).toEqual(["cse", "dce"]);
    const bad = run("cse,dcee,prune-like{seed=x}");
    expect(codes(bad)).toEqual(["E601", "E604"]);
    expect(bad.diagnostics[0].help).toBe("did you mean `dce`?");
    expect(bad.timings).toEqual([]);
  });

  it("checks requires against what earlier passes provide, before running anything", () => {
    const late = run("cse,needs-shapes,shape-inference");
    expect(codes(late)).toEqual(["E607"]);
    expect(late.diagnostics[0].message).toBe("pass `needs-shapes` requires `shapes-inferred`, which no earlier pass provides");
    expect(late.diagnostics[0].help).toBe("`shape-inference` provides it but runs after `needs-shapes`; move it earlier");
    expect(late.diagnostics[0].span.start.column).toBe(5);
    expect(late.diagnostics[0].labels?.[0].span.start.column).toBe(18);
    expect(late.timings).toEqual([]); // cse did not run either

    const missing = run("needs-both");
    expect(missing.diagnostics.map((d) => d.help)).toEqual([
      "run `shape-inference` before `needs-both`",
      "no known pass provides `kernels-lowered`",
    ]);

    expect(run("shape-inference,needs-shapes").diagnostics).toEqual([]);
    expect(run("needs-shapes", { properties: ["shapes-inferred"] }).diagnostics).toEqual([]);
    expect(codes(run("shape-inference,breaker,needs-shapes"))).toEqual(["E607"]);
    expect(run("shape-inference,breaker,shape-inference,needs-shapes").diagnostics).toEqual([]);
  });

  it("gives each pass the properties established before it", () => {
    seen.length = 0;
    run("spy,shape-inference,spy,dce,breaker,spy", { properties: ["given"] });
    expect(seen).toEqual([["given"], ["given", "shapes-inferred"], ["given", "no-dead-code"]]);
  });

  it("verifies after each pass and blames the pass that broke the IR", () => {
    const r = run("cse,dangling,dce");
    expect(codes(r)).toEqual(["E691"]);
    expect(r.diagnostics[0].message).toMatch(/^internal error: pass `dangling` produced invalid IR: .*%9999/);
    expect(r.diagnostics[0].span.start.column).toBe(5);
    expect(r.timings.map((t) => t.pass)).toEqual(["cse", "dangling"]); // dce never ran
    expect(r.module.funcs[0].results).not.toContain(9999); // the last valid module comes back
    expect(r.properties).toEqual([]);

    const unchecked = run("cse,dangling,dce", { verify: false });
    expect(unchecked.diagnostics).toEqual([]);
    expect(unchecked.module.funcs[0].results).toContain(9999);
  });

  it("blames the pass even when its output is too malformed to verify or print", () => {
    const printed: string[] = [];
    const r = run("cse,mangled", { printIrAfter: "all", onPrint: (p) => printed.push(p) });
    expect(codes(r)).toEqual(["E691"]);
    expect(r.diagnostics[0].message).toMatch(/^internal error: pass `mangled` produced invalid IR/);
    expect(printed[0]).toBe("cse");
  });

  it("refuses an input module that fails verification, before any pass runs", () => {
    const m = module();
    const broken = { ...m, funcs: [{ ...m.funcs[0], results: [4242, 4243] }] };
    const r = runPipeline(broken, "cse", { registry });
    expect(codes(r)).toEqual(["E690"]);
    expect(r.timings).toEqual([]);
  });

  it("turns a throwing pass into a diagnostic naming it, without a stack trace", () => {
    const r = run("cse,throwing,dce");
    expect(codes(r)).toEqual(["E692"]);
    expect(r.diagnostics[0].message).toBe("internal error: pass `throwing` crashed: cannot read properties of undefined (reading 'shape')");
    expect(r.diagnostics[0].message).not.toMatch(/\n\s+at /);
    expect(r.diagnostics[0].span.start.column).toBe(5);
    expect(r.timings.map((t) => t.pass)).toEqual(["cse"]);
  });

  it("reports a pass that returns something other than a PassResult", () => {
    expect(codes(run("garbage,cse"))).toEqual(["E693"]);
  });

  it("stops at the first pass that reports an error, but goes on after warnings", () => {
    const logs: string[] = [];
    const r = run("warning,complaining,cse", { log: (m) => logs.push(m) });
    expect(codes(r)).toEqual(["E651", "E650"]);
    expect(r.timings.map((t) => t.pass)).toEqual(["warning", "complaining"]);
    expect(logs).toEqual(["complaining ran"]);
    expect(r.diagnostics[1].span.start.column).toBe(9); // the pass sees its own pipeline span
  });

  it("prints the IR after the named passes, or after all of them", () => {
    const printed: [string, string][] = [];
    const r = run("shape-inference,cse,dce", { printIrAfter: ["cse"], onPrint: (p, t) => printed.push([p, t]) });
    expect(printed.map(([p]) => p)).toEqual(["cse"]);
    const afterCse = runPipeline(module(), "shape-inference,cse").module;
    expect(printed[0][1]).toBe(printModule(afterCse));
    expect(printed[0][1]).not.toBe(printModule(r.module)); // dce changed it afterwards

    const all: string[] = [];
    run("cse,dce,cse", { printIrAfter: "all", onPrint: (p) => all.push(p) });
    expect(all).toEqual(["cse", "dce", "cse"]);
  });

  it("warns when print-ir-after names no pass of the pipeline", () => {
    const printed: string[] = [];
    const r = run("cse,dce", { printIrAfter: ["dcee"], onPrint: (p) => printed.push(p) });
    expect(r.diagnostics).toHaveLength(1);
    expect(r.diagnostics[0]).toMatchObject({ code: "E608", severity: "warning", help: "did you mean `dce`?" });
    expect(printed).toEqual([]);
    expect(r.timings).toHaveLength(2);
  });

  it("the empty pipeline returns the module untouched", () => {
    const m = module();
    const r = runPipeline(m, "");
    expect(r).toEqual({ module: m, diagnostics: [], timings: [], properties: [] });
    expect(r.module).toBe(m);
  });
});
