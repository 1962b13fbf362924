import { describe, expect, it } from "vitest";
import { verifyModule } from "../../compiler/ir/verify.js";
import { compileOk, func, oneLayer, onlyModule, ops, paramTable } from "./helpers.js";

/** Parameter names and shapes follow PyG's state_dict, so checkpoints map one to one. */
describe("built-in layers", () => {
  const cases: [string, string, Record<string, string>, string?][] = [
    ["Linear(in_channels, 4)", "layer(x)", { "layer.weight": "[4,8]", "layer.bias": "[4]" }],
    ["Linear(in_channels, 4, bias = false)", "layer(x)", { "layer.weight": "[4,8]" }],
    ["GCNConv(in_channels, 4)", "layer(x, g)", { "layer.lin.weight": "[4,8]", "layer.bias": "[4]" }],
    ["SAGEConv(in_channels, 4)", "layer(x, g)", { "layer.lin_l.weight": "[4,8]", "layer.lin_l.bias": "[4]", "layer.lin_r.weight": "[4,8]" }],
    [
      "SAGEConv(in_channels, 4, project = true, root_weight = false)",
      "layer(x, g)",
      { "layer.lin.weight": "[8,8]", "layer.lin.bias": "[8]", "layer.lin_l.weight": "[4,8]", "layer.lin_l.bias": "[4]" },
    ],
    [
      "GATConv(in_channels, 4, heads = 3)",
      "layer(x, g)",
      { "layer.lin.weight": "[12,8]", "layer.att_src": "[1,3,4]", "layer.att_dst": "[1,3,4]", "layer.bias": "[12]" },
    ],
    [
      "GATConv(in_channels, 4, heads = 3, concat = false)",
      "layer(x, g)",
      { "layer.lin.weight": "[12,8]", "layer.att_src": "[1,3,4]", "layer.att_dst": "[1,3,4]", "layer.bias": "[4]" },
    ],
    ["GINConv(Linear(in_channels, 4), train_eps = true)", "layer(x, g)", { "layer.eps": "[1]", "layer.nn.weight": "[4,8]", "layer.nn.bias": "[4]" }],
    ["SGConv(in_channels, 4, K = 3)", "layer(x, g)", { "layer.lin.weight": "[4,8]", "layer.lin.bias": "[4]" }],
    ["LayerNorm(in_channels)", "layer(x)", { "layer.weight": "[8]", "layer.bias": "[8]" }],
    [
      "BatchNorm(in_channels)",
      "layer(x)",
      { "layer.module.weight": "[8]", "layer.module.bias": "[8]", "layer.module.running_mean": "[8]", "layer.module.running_var": "[8]" },
    ],
    ["Dropout(0.3)", "layer(x)", {}],
    [
      "MLP([in_channels, 16, 4], norm = \"batch_norm\")",
      "layer(x)",
      {
        "layer.lins.0.weight": "[16,8]",
        "layer.lins.0.bias": "[16]",
        "layer.lins.1.weight": "[4,16]",
        "layer.lins.1.bias": "[4]",
        "layer.norms.0.module.weight": "[16]",
        "layer.norms.0.module.bias": "[16]",
        "layer.norms.0.module.running_mean": "[16]",
        "layer.norms.0.module.running_var": "[16]",
      },
    ],
  ];
  for (const [decl, call, expected] of cases) {
    it(decl, () => {
      const m = onlyModule(compileOk(oneLayer(decl, call)));
      expect(paramTable(m)).toEqual(expected);
      expect(verifyModule(m)).toEqual([]);
    });
  }

  it("uses PyTorch's Linear init for Linear and SAGEConv, Glorot for GCN and GAT", () => {
    const lin = onlyModule(compileOk(oneLayer("Linear(in_channels, 4)", "layer(x)")));
    expect(lin.params[0].init).toEqual({ kind: "kaiming_uniform", a: Math.sqrt(5) });
    expect(lin.params[1].init).toEqual({ kind: "uniform_fan_in", fanIn: 8 });
    const gat = onlyModule(compileOk(oneLayer("GATConv(in_channels, 4, heads = 2)")));
    expect(gat.params.map((p) => p.init.kind)).toEqual(["glorot", "glorot", "glorot", "zeros"]);
  });

  it("marks BatchNorm's running statistics as buffers and returns their update from forward only", () => {
    const m = onlyModule(compileOk(oneLayer("BatchNorm(in_channels)", "layer(x)")));
    expect(m.params.filter((p) => !p.trainable).map((p) => p.name)).toEqual(["layer.module.running_mean", "layer.module.running_var"]);
    expect(func(m, "forward").resultNames).toEqual(["out", "layer.module.running_mean", "layer.module.running_var"]);
    expect(func(m, "predict").resultNames).toEqual(["out"]);
    const bn = (name: "forward" | "predict") => func(m, name).body.find((n) => n.op === "nn.batch_norm")!.attrs.training;
    expect([bn("forward"), bn("predict")]).toEqual([true, false]);
  });

  it("expands GATConv with attention via sddmm, edge softmax and attention dropout in training", () => {
    const m = onlyModule(compileOk(oneLayer("GATConv(in_channels, 4, heads = 2, dropout = 0.5)")));
    const training = ops(func(m, "forward"));
    for (const op of ["t.reshape", "g.sddmm", "t.leaky_relu", "g.edge_softmax", "nn.dropout", "g.spmm"]) expect(training).toContain(op);
    expect(ops(func(m, "predict"))).not.toContain("nn.dropout");
  });

  it("applies the functions with torch's defaults", () => {
    const src = oneLayer(
      "Linear(in_channels, 8)",
      "log_softmax(leaky_relu(elu(gelu(tanh(sigmoid(layer(x))))), negative_slope = 0.1) + softmax(x, dim = 1))",
    );
    const f = func(onlyModule(compileOk(src)), "predict");
    const find = (op: string) => f.body.find((n) => n.op === op)!;
    expect(find("t.leaky_relu").attrs.slope).toBe(0.1);
    expect(find("t.elu").attrs.alpha).toBe(1);
    expect(find("t.softmax").attrs.axis).toBe(1);
    expect(find("t.log_softmax").attrs.axis).toBe(1);
  });

  it("concat and propagate build GA-MLP features whose symbolic width matches `4 * in_channels`", () => {
    const src = `model Net(in_channels: int) {
  lin = Linear(4 * in_channels, 2)
  forward(x: f32[N, in_channels], g: graph[N]) = lin(concat([x, propagate(x, g), propagate(x, g, K = 2), propagate(x, g, K = 3)]))
}`;
    const m = onlyModule(compileOk(src));
    expect(paramTable(m)["lin.weight"]).toBe("[2,in_channels*4]");
    expect(ops(func(m, "predict")).filter((o) => o === "g.spmm")).toHaveLength(6);
  });
});
