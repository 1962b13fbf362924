import { describe, it, expect } from "vitest";
import { FuncBuilder } from "../../compiler/ir/builder.js";
import { IrParseError, parseFunc, parseModule } from "../../compiler/ir/parse.js";
import { printFunc, printModule } from "../../compiler/ir/print.js";
import type { Module, Node } from "../../compiler/ir/types.js";
import { verifyModule } from "../../compiler/ir/verify.js";
import type { Span } from "../../grammar/span.js";
import { runFunc } from "../../runtime/reference/index.js";
import { f32 } from "../support/tensors.js";
const at = (line: number, column: number): Span => ({
  file: "examples/cora-gcn.gnn",
  start: { offset: 100, line, column },
  end: { offset: 110, line, column: column + 10 },
});

/** A GCN-ish module with a loop, spans on some nodes, symbols and params of every flavour. */
function sampleModule(): Module {
  const b = new FuncBuilder("forward");
  const x = b.leaf("s.input", f32("N", "cora.num_features"), { name: "x" }, at(10, 3));
  const g = b.leaf("s.input", { kind: "graph", nodes: "N", edges: "E", selfLoops: false }, { name: "g" });
  const r = b.leaf("s.input", { kind: "rng" }, { name: "rng" });
  const w = b.leaf("s.param", f32(16, "cora.num_features"), { name: "conv1.lin.weight" });
  const stack = b.leaf("s.param", f32(3, 16, 16), { name: "stack.weight" });
  const gl = b.emit("g.add_self_loops", [g]);
  const norm = b.emit("g.gcn_norm", [gl]);
  const h = b.emit("t.matmul", [x, w], { transB: true }, at(12, 9));
  const agg = b.emit("g.spmm", [gl, norm, h], { reduce: "sum" }, at(12, 9));
  const body = b.region([{ kind: "tensor", dtype: "i32", shape: [] }, f32("N", 16)], ([i, c]) => {
    const wi = b.emit("t.select", [stack, i]);
    return [b.emit("t.relu", [b.emit("t.matmul", [c, wi], { transB: true })])];
  });
  const deep = b.emit("s.loop", [agg], { trip: 3 }, at(14, 5), [body]);
  const dropped = b.emit("nn.dropout", [deep, r], { p: 0.5 });
  const sl = b.emit("t.slice", [dropped], { axis: -1, start: 0, size: 8 });
  const full = b.emit("t.full", [], { value: -Infinity, shape: ["(E+N)*2", 8] });
  const normed = b.emit("nn.layer_norm", [sl], { eps: 1e-5, mode: "graph" });
  const f = b.finish([normed, full], ["out", "weird name"]);
  return {
    name: "cora_gcn",
    symbols: { "cora.num_features": 1433, "cora.num_classes": 7 },
    params: [
      { name: "conv1.lin.weight", type: f32(16, "cora.num_features"), init: { kind: "glorot" }, trainable: true, span: at(5, 3) },
      { name: "stack.weight", type: f32(3, 16, 16), init: { kind: "kaiming_uniform", a: Math.sqrt(5) }, trainable: true, stacked: true },
      { name: "bn.running_var", type: f32(16), init: { kind: "ones" }, trainable: false },
      { name: "lin.bias", type: f32(16), init: { kind: "uniform_fan_in", fanIn: 16 }, trainable: true },
    ],
    funcs: [f],
    span: at(1, 1),
  };
}

/** Spans as the parser restores them: zero-width at the start position, offset unknown (0). */
function asParsedSpan(s: Span | undefined): Span | undefined {
  return s && { file: s.file, start: { offset: 0, line: s.start.line, column: s.start.column }, end: { offset: 0, line: s.start.line, column: s.start.column } };
}
function normaliseNode(n: Node): Node {
  return {
    ...n,
    span: asParsedSpan(n.span),
    regions: n.regions?.map((r) => ({ ...r, params: r.params.map(normaliseNode), body: r.body.map(normaliseNode) })),
  };
}

describe("IR printer", () => {
  it("writes a stable, line-per-node form with sorted attrs and locations", () => {
    const text = printModule(sampleModule());
    expect(text).toBe(`module cora_gcn  # examples/cora-gcn.gnn:1:1
symbol cora.num_classes = 7
symbol cora.num_features = 1433
param conv1.lin.weight: f32[16,cora.num_features] init=glorot  # examples/cora-gcn.gnn:5:3
param stack.weight: f32[3,16,16] init=kaiming_uniform{a=2.23606797749979} stacked
param bn.running_var: f32[16] init=ones buffer
param lin.bias: f32[16] init=uniform_fan_in{fanIn=16}

func forward {
  %0: f32[N,cora.num_features] = s.input{name=x}()  # examples/cora-gcn.gnn:10:3
  %1: graph[N,E] = s.input{name=g}()
  %2: rng = s.input{name=rng}()
  %3: f32[16,cora.num_features] = s.param{name=conv1.lin.weight}()
  %4: f32[3,16,16] = s.param{name=stack.weight}()
  %5: graph[N,E+N,self_loops] = g.add_self_loops(%1)
  %6: f32[E+N] = g.gcn_norm{improved=false}(%5)
  %7: f32[N,16] = t.matmul{transA=false, transB=true}(%0, %3)  # examples/cora-gcn.gnn:12:9
  %8: f32[N,16] = g.spmm{reduce=sum}(%5, %6, %7)  # examples/cora-gcn.gnn:12:9
  %14: f32[N,16] = s.loop{trip=3}(%8) {  # examples/cora-gcn.gnn:14:5
    %9: i32[] = s.arg{index=0}()
    %10: f32[N,16] = s.arg{index=1}()
    %11: f32[16,16] = t.select{axis=0}(%4, %9)
    %12: f32[N,16] = t.matmul{transA=false, transB=true}(%10, %11)
    %13: f32[N,16] = t.relu(%12)
    yield %13
  }
  %15: f32[N,16] = nn.dropout{p=0.5}(%14, %2)
  %16: f32[N,8] = t.slice{axis=-1, size=8, start=0}(%15)
  %17: f32[(E+N)*2,8] = t.full{dtype=f32, shape=[(E+N)*2,8], value=-inf}()
  %18: f32[N,8] = nn.layer_norm{eps=0.00001, mode=graph}(%16)
  return out=%18, "weird name"=%17
}`);
  });

  it("quotes strings that would not read back bare", () => {
    const b = new FuncBuilder("q");
    b.leaf("s.input", f32(2), { name: "x y" });
    b.leaf("s.input", f32(2), { name: "true" });
    b.leaf("s.input", f32(2), { name: "1e5" });
    const text = printFunc(b.finish([], []));
    expect(text).toContain('s.input{name="x y"}()');
    expect(text).toContain('s.input{name="true"}()');
    expect(text).toContain('s.input{name="1e5"}()');
    expect(parseFunc(text).body.map((n) => n.attrs.name)).toEqual(["x y", "true", "1e5"]);
  });
});

describe("IR text parser", () => {
  it("round-trips: print(parse(print(m))) === print(m)", () => {
    const text = printModule(sampleModule());
    expect(printModule(parseModule(text))).toBe(text);
  });

  it("restores the module itself, spans as zero-width locations", () => {
    const m = sampleModule();
    const parsed = parseModule(printModule(m));
    expect(parsed.symbols).toEqual(m.symbols);
    expect(parsed.params).toEqual(m.params.map((p) => ({ ...p, span: asParsedSpan(p.span) })));
    expect(parsed.funcs[0].body).toEqual(m.funcs[0].body.map(normaliseNode));
    expect(parsed.funcs[0].results).toEqual(m.funcs[0].results);
    expect(parsed.funcs[0].resultNames).toEqual(["out", "weird name"]);
    expect(verifyModule(parsed)).toEqual([]);
  });

  it("keeps attribute values exactly: negative, tiny, special and list values", () => {
    const text = `module m

func f {
  %0: f32[] = t.const{value=-0}()
  %1: f32[] = t.const{value=1e-30}()
  %2: f32[] = t.const{value=nan}()
  %3: f32[2,3] = t.full{shape=[2,3], value=0.1}()
  %4: f32[2,3] = t.full{value=inf, shape=["odd dim",3]}()
  return
}`;
    const f = parseModule(text).funcs[0];
    expect(Object.is(f.body[0].attrs.value, -0)).toBe(true);
    expect(f.body[1].attrs.value).toBe(1e-30);
    expect(Number.isNaN(f.body[2].attrs.value)).toBe(true);
    expect(f.body[3].attrs).toEqual({ shape: [2, 3], value: 0.1 });
    expect(f.body[4].attrs.shape).toEqual(["odd dim", 3]);
    const again = printModule(parseModule(text));
    expect(printModule(parseModule(again))).toBe(again);
  });

  it("reads hand-written IR with comments and blank lines, ready to run", () => {
    const f = parseFunc(`
# relu(x) + 1, written by hand
func f {
  %0: f32[N] = s.input{name=x}()

  %1: f32[N] = t.relu(%0)   # a comment that is not a location
  %2: f32[] = t.const{value=1}()
  %3: f32[N] = t.add(%1, %2)
  return out=%3
}
`);
    expect(f.body[1].span).toBeUndefined();
    const out = runFunc(f, { inputs: { x: { kind: "tensor", dtype: "f32", shape: [3], data: Float32Array.of(-1, 0, 2) } }, params: {} });
    expect(Array.from((out[0] as { data: Float32Array }).data)).toEqual([1, 1, 3]);
  });

  it("reports malformed text with its line and column", () => {
    const bad = "module m\n\nfunc f {\n  %0: f32[2] = t.neg(%1\n  return\n}";
    expect(() => parseModule(bad)).toThrow(IrParseError);
    expect(() => parseModule(bad)).toThrow(/^IR text 4:24: expected `\)`/);
    expect(() => parseModule("module m\nfunc f {\n  %0: q32[2] = s.input{name=x}()\n")).toThrow(/3:7: unknown type `q32`/);
    expect(() => parseModule("module m\nfunc f {\n  return\n")).toThrow(/expected `}`/);
    expect(() => parseModule("module m\nparam w: f32[2] init=xavier\n")).toThrow(/unknown init kind `xavier`/);
  });
});
