import { describe, expect, it } from "vitest";
import type { TensorValue } from "../../../compiler/ir/values.js";
import { DataMemo, runFunc } from "../../../runtime/reference/index.js";
import { compileModule, funcOf, makeEnv } from "../../autodiff/helpers.js";

describe("DataMemo", () => {
  it("computes what depends only on unchanging inputs once, and gives the same results", () => {
    const m = compileModule(`model Net(in_channels: int = 4) {
  conv1 = GCNConv(in_channels, 3)
  conv2 = GCNConv(3, 2)
  forward(x: f32[N, in_channels], g: graph[N]) = conv2(relu(conv1(x, g)), g)
}`);
    const f = funcOf(m, "forward");
    const env = makeEnv(m, f, 4);
    const plain = runFunc(f, env)[0] as TensorValue;
    const memo = new DataMemo(new Set(["x", "graph"]));
    const first = runFunc(f, env, { memo })[0] as TensorValue;
    const cached = [...memo.values.keys()].map((n) => n.op);
    expect(cached).toContain("g.gcn_norm");
    expect(cached).not.toContain("t.matmul"); // reads a parameter: recomputed every call
    const again = runFunc(f, env, { memo })[0] as TensorValue;
    expect([...first.data]).toEqual([...plain.data]);
    expect([...again.data]).toEqual([...plain.data]);
    expect(memo.values.size).toBe(cached.length);
  });
});
