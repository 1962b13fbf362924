import { describe, expect, it } from "vitest";
import { printModule } from "../../compiler/ir/print.js";
import { verifyModule } from "../../compiler/ir/verify.js";
import { compileOk, func, onlyModule, ops, paramTable } from "./helpers.js";

const GCN = `# a small GCN
model GCN(in_channels: int, out_channels: int = 7, hidden: int = 16, p: float = 0.5) {
  conv1 = GCNConv(in_channels, hidden)
  conv2 = GCNConv(hidden, out_channels)
  forward(x: f32[N, in_channels], g: graph[N]) -> f32[N, out_channels] {
    h = dropout(x, p)
    h = relu(conv1(h, g))
    h = dropout(h, p)
    return conv2(h, g)
  }
}
`;

describe("a small GCN", () => {
  const program = compileOk(GCN);
  const m = onlyModule(program);
  const text = printModule(m);

  it("makes one module per model, with forward and predict, and no train specs", () => {
    expect(m.name).toBe("GCN");
    expect(m.funcs.map((f) => f.name)).toEqual(["forward", "predict"]);
    expect(program.trains).toEqual([]);
    expect(verifyModule(m)).toEqual([]);
  });

  it("names and shapes parameters as PyG does, with PyG's initialisers", () => {
    expect(paramTable(m)).toEqual({
      "conv1.lin.weight": "[16,in_channels]",
      "conv1.bias": "[16]",
      "conv2.lin.weight": "[7,16]",
      "conv2.bias": "[7]",
    });
    expect(m.params.map((p) => p.init.kind)).toEqual(["glorot", "zeros", "glorot", "zeros"]);
    expect(m.params.every((p) => p.trainable && !p.stacked)).toBe(true);
  });

  it("prints symbolic shapes and the .gnn location of every computed node", () => {
    // conv1 is called on line 7, column 14: every op of its expansion points there.
    expect(text).toMatch(/%\d+: f32\[N,16\] = t\.matmul\{transA=false, transB=true\}\(%\d+, %\d+\)  # test\.gnn:7:14/);
    expect(text).toMatch(/%\d+: graph\[N,E\+N,self_loops\] = g\.add_self_loops\(%\d+\)  # test\.gnn:7:14/);
    expect(text).toMatch(/%\d+: f32\[E\+N\] = g\.gcn_norm\{improved=false\}\(%\d+\)  # test\.gnn:7:14/);
    expect(text).toMatch(/%\d+: f32\[N,16\] = g\.spmm\{reduce=sum\}\(%\d+, %\d+, %\d+\)  # test\.gnn:7:14/);
    expect(text).toMatch(/%\d+: f32\[N,16\] = t\.relu\(%\d+\)  # test\.gnn:7:9/);
    expect(text).toMatch(/%\d+: f32\[N,7\] = t\.add\(%\d+, %\d+\)  # test\.gnn:9:12/);
    expect(text).toMatch(/s\.input\{name=x\}\(\)  # test\.gnn:5:11/);
    expect(text).toContain("param conv1.lin.weight: f32[16,in_channels] init=glorot");
  });

  it("expands each GCNConv into self loops, normalisation, matmul, weighted spmm and bias", () => {
    const training = ops(func(m, "forward")).filter((op) => !op.startsWith("s."));
    expect(training).toEqual([
      "nn.dropout",
      "t.matmul", "g.add_self_loops", "g.gcn_norm", "g.spmm", "t.add",
      "t.relu",
      "nn.dropout",
      "t.matmul", "g.add_self_loops", "g.gcn_norm", "g.spmm", "t.add",
    ]);
  });

  it("draws dropout from one RNG stream per site in training mode only", () => {
    const forward = func(m, "forward");
    const folds = forward.body.filter((n) => n.op === "s.rng_fold").map((n) => n.attrs.salt);
    expect(folds).toEqual([0, 1]);
    const predict = func(m, "predict");
    expect(ops(predict)).not.toContain("nn.dropout");
    expect(predict.body.some((n) => n.op === "s.input" && n.attrs.name === "rng")).toBe(false);
    expect(predict.resultNames).toEqual(["out"]);
  });
});
