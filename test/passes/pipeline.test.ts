import { describe, expect, it } from "vitest";
import { formatPipeline, parsePipeline } from "../../compiler/passes/pipeline.js";
import { builtinPasses, createRegistry, getPass } from "../../compiler/passes/registry.js";
import { allPassCodes } from "../../compiler/passes/codes.js";
import { optionRich } from "./fake-passes.js";

const registry = createRegistry([optionRich]);
const parse = (input: Parameters<typeof parsePipeline>[0]) => parsePipeline(input, { registry });
const codes = (input: Parameters<typeof parsePipeline>[0]) => parse(input).diagnostics.map((d) => d.code);

describe("parsePipeline", () => {
  it("resolves built-in names in order with default options", () => {
    const r = parsePipeline("shape-inference,cse,dce");
    expect(r.diagnostics).toEqual([]);
    expect(r.passes!.map((s) => s.pass.name)).toEqual(["shape-inference", "cse", "dce"]);
    expect(r.passes![0].options).toEqual({ update: false });
    expect(r.passes![0].span.start.column).toBe(1);
    expect(r.passes![1].span.start.column).toBe(17);
  });

  it("reads text options per the schema and fills defaults", () => {
    const r = parse("prune-like{density=0.1,method=magnitude,seed=7,verbose=true,tag=run 1}");
    expect(r.diagnostics.map((d) => d.message)).toEqual(["expected `,` or `}`, found `1`"]);
    const ok = parse('prune-like{density=0.1,method=magnitude,seed=7,verbose=true,tag="run 1"}');
    expect(ok.diagnostics).toEqual([]);
    expect(ok.passes![0].options).toEqual({ density: 0.1, method: "magnitude", every: 50, seed: 7, verbose: true, tag: "run 1" });
    const defaults = parse("prune-like{seed=-3}");
    expect(defaults.passes![0].options).toEqual({ density: 0.5, method: "rigl", every: 50, seed: -3, verbose: false });
  });

  it("accepts entries by name or by pass object, with structured values", () => {
    const r = parse([{ name: "cse" }, { pass: optionRich, options: { seed: 1, density: 1 } }]);
    expect(r.diagnostics).toEqual([]);
    expect(r.passes!.map((s) => s.pass.name)).toEqual(["cse", "prune-like"]);
    expect(r.passes![1].options.density).toBe(1);
  });

  it("a parsed pipeline is valid input and formats back to text that parses to the same pipeline", () => {
    const first = parse('cse,prune-like{seed=4,tag="a,b"},dce').passes!;
    expect(parse(first).passes!.map((s) => s.options)).toEqual(first.map((s) => s.options));
    const text = formatPipeline(first);
    expect(text).toBe('cse,prune-like{density=0.5,method=rigl,every=50,seed=4,verbose=false,tag="a,b"},dce');
    expect(parse(text).passes!.map((s) => [s.pass.name, s.options])).toEqual(first.map((s) => [s.pass.name, s.options]));
  });

  it("suggests the closest pass for an unknown name and lists passes otherwise", () => {
    const r = parse("shape-inference,csee,dce");
    expect(r.passes).toBeUndefined();
    expect(r.diagnostics).toHaveLength(1);
    expect(r.diagnostics[0]).toMatchObject({ code: "E601", message: "unknown pass `csee`", help: "did you mean `cse`?" });
    expect(r.diagnostics[0].span.start.column).toBe(17);
    expect(r.diagnostics[0].span.end.column).toBe(21);
    const far = parse("zzzzzzzz").diagnostics[0];
    expect(far.help).toBe("available passes: autodiff, cse, dce, evaluate-ahead, expand-reversible, fuse-elementwise, fuse-epilogue, fuse-message, licm, prune-like, shape-inference, sparsify, to-reversible, transform-first");
  });

  it("reports bad option names, types and values, each at its own span", () => {
    const r = parse("prune-like{densty=0.1,seed=1.5,every=x,verbose=yes,method=rigel},cse{foo=1}");
    expect(r.passes).toBeUndefined();
    expect(r.diagnostics.map((d) => [d.code, d.message, d.help])).toEqual([
      ["E603", "pass `prune-like` has no option `densty`", "did you mean `density`?"],
      ["E604", "option `seed` of pass `prune-like` expects an integer, found `1.5`", "seed: int — required: the RNG seed"],
      ["E604", "option `every` of pass `prune-like` expects an integer, found `x`", "every: int — epochs between updates"],
      ["E604", "option `verbose` of pass `prune-like` expects `true` or `false`, found `yes`", "verbose: bool — log more"],
      ["E604", "option `method` of pass `prune-like` expects one of `rigl`, `magnitude`, `random`, found `rigel`", "did you mean `rigl`?"],
      ["E603", "pass `cse` has no option `foo`", "`cse` takes no options"],
    ]);
    expect(r.diagnostics[1].span.start.column).toBe(28);
  });

  it("reports missing required options and duplicates", () => {
    expect(codes("prune-like")).toEqual(["E605"]);
    const dup = parse("prune-like{seed=1,seed=2}").diagnostics;
    expect(dup.map((d) => d.code)).toEqual(["E606"]);
    expect(dup[0].labels?.[0].span.start.column).toBe(12);
  });

  it("checks structured values strictly (no strings for numbers) and rejects non-finite floats", () => {
    expect(codes([{ name: "prune-like", options: { seed: "1" } }])).toEqual(["E604"]);
    expect(codes([{ name: "prune-like", options: { seed: 1, density: Infinity } }])).toEqual(["E604"]);
    expect(codes([{ name: "prune-like", options: { seed: 1, verbose: "true" } }])).toEqual(["E604"]);
    expect(codes("prune-like{seed=1,density=1e-2}")).toEqual([]);
    expect(codes("prune-like{seed=1,density=nan}")).toEqual(["E604"]);
  });

  it("reports syntax and name errors together", () => {
    expect(codes("cse,,dcee")).toEqual(["E602", "E601"]);
  });

  it("an empty pipeline is valid and runs nothing", () => {
    expect(parse("")).toEqual({ passes: [], diagnostics: [] });
    expect(parse([])).toEqual({ passes: [], diagnostics: [] });
  });
});

describe("registry", () => {
  it("lists the built-ins with descriptions and option docs", () => {
    const passes = builtinPasses();
    expect(passes.map((p) => p.name)).toEqual(["shape-inference", "cse", "dce", "licm", "autodiff", "expand-reversible", "fuse-elementwise", "fuse-epilogue", "fuse-message", "to-reversible", "transform-first", "sparsify", "evaluate-ahead"]);
    for (const p of passes) {
      expect(p.description.length).toBeGreaterThan(10);
      for (const o of Object.values(p.options)) expect(o.doc.length).toBeGreaterThan(0);
      expect(getPass(p.name)).toBe(p);
    }
    expect(getPass("nope")).toBeUndefined();
  });

  it("refuses a second pass with the same name", () => {
    expect(() => createRegistry([{ ...optionRich, name: "cse" }])).toThrow(/registered twice/);
  });

  it("pass codes are unique and in the E6xx range", () => {
    const all = allPassCodes().map((c) => c.code);
    expect(new Set(all).size).toBe(all.length);
    for (const c of all) expect(c).toMatch(/^E6\d\d$/);
  });
});
