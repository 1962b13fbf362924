import { describe, expect, it } from "vitest";
import type { Func } from "../../compiler/ir/types.js";
import type { TensorValue } from "../../compiler/ir/values.js";
import { runPipeline } from "../../compiler/passes/index.js";
import { parseModule } from "../../compiler/ir/parse.js";
import { runFunc } from "../../runtime/reference/index.js";
import { compileModule, funcOf, makeEnv } from "../autodiff/helpers.js";

/** The op that reads each spmm's result, per spmm in `f`. */
function spmmReaders(f: Func): string[] {
  return f.body.filter((n) => n.op === "g.spmm").map((s) => f.body.find((n) => n.inputs.includes(s.id))?.op ?? "result");
}

function model(layer: string, forward: string, width = 12): ReturnType<typeof compileModule> {
  return compileModule(`model Net(in_channels: int = ${width}) {
  conv = ${layer}
  forward(x: f32[N, in_channels], g: graph[N]) = ${forward}
}`);
}

describe("transform-first", () => {
  it("moves an aggregate of a raw input too (kept, it would be a dense N × in matrix)", () => {
    const m = model("SAGEConv(in_channels, 3)", "conv(x, g)");
    expect(spmmReaders(funcOf(runPipeline(m, "transform-first").module, "forward"))).toEqual(["t.add"]);
  });

  it("moves SAGE's mean aggregation after its narrowing transform, with the same result up to rounding", () => {
    const m = model("SAGEConv(in_channels, 3)", "conv(dropout(x, 0.3), g)");
    const before = funcOf(m, "forward");
    const after = funcOf(runPipeline(m, "transform-first,dce").module, "forward");
    expect(spmmReaders(before)).toEqual(["t.matmul"]);
    const agg = after.body.find((n) => n.op === "g.spmm")!;
    expect(after.body.find((n) => n.id === agg.inputs[agg.inputs.length - 1])!.op).toBe("t.matmul");
    expect(agg.type.kind === "tensor" && agg.type.shape[1]).toBe(3);
    const env = makeEnv(m, before, 12);
    const a = runFunc(before, env)[0] as TensorValue;
    const b = runFunc(after, env)[0] as TensorValue;
    b.data.forEach((v, k) => expect(v).toBeCloseTo(a.data[k], 5));
  });

  it("leaves alone aggregates of data alone (computed once per run), max and widening transforms", () => {
    const cases = [
      model("SGConv(in_channels, 3, K = 2)", "conv(x, g)"), // Âx is data alone, propagated once per run
      model("SAGEConv(in_channels, 3, aggr = \"max\")", "conv(dropout(x, 0.3), g)"),
      model("SAGEConv(in_channels, 30)", "conv(dropout(x, 0.3), g)"),
    ];
    for (const m of cases) {
      const before = funcOf(m, "forward");
      expect(spmmReaders(before)).toContain("t.matmul");
      expect(funcOf(runPipeline(m, "transform-first").module, "forward").body).toEqual(before.body);
    }
  });

  it("leaves an aggregate with a second reader, and rewrites with one weight per edge", () => {
    const text = (second: string) => `module M
param w: f32[3,12] init=zeros

func forward {
  %0: f32[N,12] = s.input{name=x}()
  %1: graph[N,E] = s.input{name=graph}()
  %2: f32[3,12] = s.param{name=w}()
  %3: f32[E] = s.input{name=ew}()
  %4: f32[N,12] = g.spmm{reduce=sum}(%1, %3, %0)
  %5: f32[N,3] = t.matmul{transA=false, transB=true}(%4, %2)
  ${second}
}
`;
    const shared = parseModule(text("%6: f32[N,12] = t.relu(%4)\n  return out=%5, agg=%6"));
    expect(funcOf(runPipeline(shared, "transform-first").module, "forward").body).toEqual(funcOf(shared, "forward").body);
    const weighted = parseModule(text("return out=%5"));
    const after = funcOf(runPipeline(weighted, "transform-first").module, "forward");
    const agg = after.body.find((n) => n.op === "g.spmm")!;
    expect(agg.inputs.slice(0, 2)).toEqual([1, 3]);
    expect(after.body.find((n) => n.id === agg.inputs[2])!.op).toBe("t.matmul");
  });
});
