import { describe, expect, it } from "vitest";
import type { TensorValue } from "../../compiler/ir/values.js";
import { runPipeline } from "../../compiler/passes/index.js";
import { runFunc } from "../../runtime/reference/index.js";
import { compileModule, funcOf, makeEnv } from "../autodiff/helpers.js";

describe("licm", () => {
  it("moves what a stack's blocks compute from shared inputs out of the loop, with unchanged results", () => {
    const m = compileModule(`block B(width: int) {
  conv = GCNConv(width, width)
  forward(h, g) = relu(conv(h, g))
}
model Net(in_channels: int = 4) {
  stack = repeat(3) B(in_channels)
  forward(x: f32[N, in_channels], g: graph[N]) = stack(x, g)
}`);
    const before = funcOf(m, "forward");
    const after = funcOf(runPipeline(m, "licm").module, "forward");
    const loopOps = (f: typeof before) => f.body.find((n) => n.op === "s.loop")!.regions![0].body.map((n) => n.op);
    expect(loopOps(before)).toContain("g.gcn_norm");
    expect(loopOps(after)).not.toContain("g.gcn_norm");
    expect(after.body.map((n) => n.op)).toContain("g.gcn_norm");
    const env = makeEnv(m, before, 4);
    const a = runFunc(before, env)[0] as TensorValue;
    const b = runFunc(after, env)[0] as TensorValue;
    expect([...b.data]).toEqual([...a.data]);
  });
});
