import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compile, type DatasetResolver } from "../../compiler/index.js";
import { compileErr, compileOk } from "./helpers.js";

/** The example of the language reference (the import's content is given below). */
const REFERENCE = readFileSync("test/fixtures/language-tour.gnn", "utf8");

/** The user pass the reference example names: it declares the option `level` and changes nothing. */
const MY_PASS = `import type { Pass } from "gnnc/passes";
const pass: Pass<{ level: number }> = {
  name: "my-pass",
  description: "changes nothing",
  options: { level: { kind: "int", default: 1, doc: "how hard to try" } },
  run: (module) => ({ module, changed: false, diagnostics: [] }),
};
export default pass;
`;

const files: Record<string, string> = { "blocks.gnn": "# shared blocks live here\n", "my-pass.ts": MY_PASS };
const readFile = (p: string) => files[p];

const CORA: DatasetResolver = {
  describe: (name) =>
    name === "cora" ? { name, numNodes: 2708, numEdges: 10556, numFeatures: 1433, numClasses: 7, splits: ["train", "val", "test"] } : undefined,
};

function train(entries: string, extra = ""): string {
  return `dataset cora = load("cora")
${extra}
model Net(in_channels: int, out_channels: int, hidden: int = 16) {
  conv1 = GCNConv(in_channels, hidden)
  conv2 = GCNConv(hidden, out_channels)
  forward(x: f32[N, in_channels], g: graph[N]) = conv2(relu(conv1(x, g)), g)
}
train t {
  data      = cora
  model     = Net(cora.num_features, cora.num_classes)
  loss      = cross_entropy(mask = train)
  epochs    = 10
${entries}
}`;
}

describe("train blocks", () => {
  it("compile the language reference example into one module and one checked spec", () => {
    const p = compileOk(REFERENCE, { readFile });
    expect(p.modules.map((m) => m.name)).toEqual(["cora_gcn"]);
    const [spec] = p.trains;
    expect(spec.module).toBe("cora_gcn");
    expect(spec.data).toMatchObject({ name: "cora", source: { kind: "load", name: "cora" }, transforms: ["normalize_features"] });
    expect(spec.model).toMatchObject({ name: "GCN", args: { in_channels: "cora.num_features", out_channels: "cora.num_classes", hidden: 16, p: 0.5 } });
    expect(spec.loss).toMatchObject({ name: "cross_entropy", mask: "train" });
    expect(spec.optimizer).toMatchObject({
      name: "adam",
      options: { lr: 0.01, weightDecay: 0, betas: [0.9, 0.999], eps: 1e-8 },
      groups: [{ member: "conv1", options: { weightDecay: 5e-4 } }],
    });
    expect(spec.epochs).toBe(200);
    expect(spec.select).toMatchObject({ kind: "best", split: "val", metric: "accuracy" });
    expect(spec.report.map((r) => `${r.metric}(${r.split})`)).toEqual(["accuracy(val)", "accuracy(test)"]);
    expect(spec.schedule).toBeUndefined();
    expect(spec.passes.map(({ name, options, path, resolvedPath, pass }) => ({ name, options, path, resolvedPath, pass: pass?.name }))).toEqual([
      { name: "cse", options: {}, path: undefined, resolvedPath: undefined, pass: "cse" },
      { name: "my-pass", options: { level: 2 }, path: "./my-pass.ts", resolvedPath: "my-pass.ts", pass: "my-pass" },
    ]);
    expect(spec.optimizer.span.start.line).toBe(40);
  });

  it("resolve dataset sizes through the resolver and bind the graph's symbols", () => {
    const p = compileOk(train("  optimizer = sgd(lr = 0.1, momentum = 0.9, nesterov = true)"), { datasets: CORA });
    const m = p.modules[0];
    expect(m.symbols).toEqual({ N: 2708, E: 10556 });
    expect(m.params.find((x) => x.name === "conv1.lin.weight")!.type.shape).toEqual([16, 1433]);
    expect(p.trains[0].data.info?.numFeatures).toBe(1433);
    expect(p.trains[0].optimizer.options).toEqual({ lr: 0.1, weightDecay: 0, momentum: 0.9, nesterov: true });
    expect(p.trains[0].select).toMatchObject({ kind: "last" });
  });

  it("warn when the resolver does not know a dataset, keeping its sizes symbolic", () => {
    const src = train("  optimizer = adam()").replace('load("cora")', 'load("corra")');
    const { program, diagnostics } = compile(src, { file: "test.gnn", datasets: CORA });
    expect(program!.modules[0].params[0].type.shape).toEqual([16, "cora.num_features"]);
    expect(diagnostics.map((d) => [d.code, d.severity, d.message])).toEqual([
      ["W201", "warning", "dataset `corra` is not available here; its sizes stay symbolic"],
    ]);
  });

  it("know a synthetic dataset's sizes from its arguments", () => {
    const src = train("  optimizer = adam()", "dataset syn = synthetic.csbm(nodes = 100, classes = 3, features = 12)").replace("data      = cora", "data      = syn").replace("Net(cora.num_features, cora.num_classes)", "Net(syn.num_features, syn.num_classes)");
    const p = compileOk(src);
    expect(p.modules[0].symbols).toEqual({ N: 100 });
    expect(p.trains[0].data.source).toEqual({ kind: "csbm", nodes: 100, classes: 3, features: 12, avgDegree: 8, homophily: 0.8, signal: 1, seed: 0 });
    expect(p.modules[0].params[0].type.shape).toEqual([16, 12]);
  });

  it("accept an inline dataset, learning-rate schedules, seeds and pass names with underscores", () => {
    const src = train(`  optimizer = adamw(lr = 0.01, clip_norm = 1.0)
  lr_schedule = cosine(t_max = 200)
  seed = 3
  passes = [shape_inference, dce]`).replace("data      = cora", 'data      = load("cora", transforms = [to_undirected])');
    const [spec] = compileOk(src).trains;
    expect(spec.data.transforms).toEqual(["to_undirected"]);
    expect(spec.optimizer).toMatchObject({ name: "adamw", clipNorm: 1, options: { weightDecay: 0.01 } });
    expect(spec.lrSchedule).toMatchObject({ name: "cosine", args: { t_max: 200 } });
    expect(spec.seed).toBe(3);
    expect(spec.passes.map((x) => x.name)).toEqual(["shape-inference", "dce"]);
  });

  it("report unknown and repeated keys and missing required ones", () => {
    const diags = compileErr(train("  optimiser = adam()\n  epochs = 20"));
    expect(diags.map((d) => d.code)).toEqual(["E501", "E502", "E503"]);
    expect(diags[0].help).toBe("did you mean `optimizer`?");
    expect(diags[1].labels![0].message).toBe("first given here");
    expect(diags[2].message).toBe("train block `t` is missing `optimizer`");
  });

  it("check losses, optimizers, options, groups, metrics, schedules and passes by name", () => {
    const diags = compileErr(
      train(`  optimizer = sgd(lr = 0.1, betas = [0.9, 0.99], groups = [group(conv3), group(conv1, lr = "x")])
  select = best(test.acc)
  report = [macro_f1(vall)]
  schedule = soups()
  lr_schedule = step_lr()
  passes = [cs, sparsify(density = 0.1)]`).replace("cross_entropy(mask = train)", "crossentropy()"),
    );
    expect(diags.map((d) => d.code)).toEqual(["E504", "E514", "E513", "E405", "E506", "E509", "E507", "E508", "E511", "E511"]);
    expect(diags.filter((d) => d.code === "E511").map((d) => d.message)).toEqual(["unknown pass `cs`", "`sparsify` is not a pass"]);
    expect(diags.find((d) => d.code === "E504")!.help).toBe("did you mean `cross_entropy`?");
    expect(diags.find((d) => d.code === "E513")!.help).toBe("did you mean `conv1`?");
    expect(diags.find((d) => d.code === "E511")!.help).toBe("did you mean `cse`?");
    expect(diags.find((d) => d.code === "E507")!.help).toBe("did you mean `soup`?");
  });

  it("check the options of built-in passes against their schemas", () => {
    const diags = compileErr(train("  optimizer = adam()\n  passes = [cse(levels = 2)]"));
    expect(diags.map((d) => d.code)).toEqual(["E401"]);
    expect(diags[0].message).toBe("pass `cse` has no option `levels`");
  });

  it("require a model (not a block or layer) and a declared dataset", () => {
    const block = compileErr(train("  optimizer = adam()", "block B(c: int) {\n  lin = Linear(c, c)\n  forward(h) = lin(h)\n}").replace("Net(cora.num_features, cora.num_classes)", "B(cora.num_features)"));
    expect(block.map((d) => d.code)).toEqual(["E211"]);
    const data = compileErr(train("  optimizer = adam()").replace("data      = cora", "data      = coraa"));
    expect(data.map((d) => d.code)).toEqual(["E201"]);
    expect(data[0].help).toBe("did you mean `cora`?");
  });

  it("report the model's own errors once, and still check the other keys", () => {
    const diags = compileErr(train("  optimizer = adam(lr = -1)").replace("GCNConv(hidden, out_channels)", "GCNConv(hidden + 1, out_channels)"));
    expect(diags.map((d) => d.code)).toEqual(["E301", "E406"]);
  });
});
