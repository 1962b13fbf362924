import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { compile } from "../../compiler/index.js";
import { modelRewriteNames } from "../../compiler/frontend/model-passes.js";
import { runPipeline } from "../../compiler/passes/manager.js";
import { builtinPasses } from "../../compiler/passes/registry.js";
import { FILE, compileErr, compileOk, paramTable } from "./helpers.js";
import { irWithoutSpans, onlyTrainModule, parameterCount, preActBlock, stackSource } from "./reversible-pass-sources.js";

const PASS = "to_reversible(groups = 2)";

const diagnosticsOf = (source: string) => compile(source, { file: FILE }).diagnostics;

/** Compile the residual and the hand-written form and insist they give the same module. */
function expectSameAsHandWritten(residual: string, byHand: string) {
  const converted = compileOk(residual);
  const written = compileOk(byHand);
  const a = onlyTrainModule(converted);
  const b = onlyTrainModule(written);
  expect(irWithoutSpans(a)).toBe(irWithoutSpans(b));
  expect(paramTable(a)).toEqual(paramTable(b));
  expect(parameterCount(a)).toBe(parameterCount(b));
  return { converted, written, module: a };
}

describe("the to_reversible pass converts a residual stack into the hand-written reversible stack", () => {
  for (const conv of ["SAGEConv", "GCNConv"] as const) {
    it(`${conv}: same IR, same parameter shapes and counts, fewer parameters than the residual model`, () => {
      const residual = stackSource({ block: preActBlock("ResBlock", conv, true), stack: "repeat(3) ResBlock(16)", passes: PASS });
      const byHand = stackSource({ block: preActBlock("RevBlock", conv, false), stack: "reversible(groups = 2) repeat(3) RevBlock(8)" });
      const { converted, module } = expectSameAsHandWritten(residual, byHand);
      expect(paramTable(module)["stack.convs.1.norm.weight"]).toBe("[3,8]");
      // The model changes on purpose: C groups of width D/C instead of one block of width D.
      const plain = onlyTrainModule(compileOk(stackSource({ block: preActBlock("ResBlock", conv, true), stack: "repeat(3) ResBlock(16)" })));
      expect(parameterCount(module)).toBeLessThan(parameterCount(plain));
      // Applied by the frontend, so lowering sees no pending IR pass.
      expect(converted.trains[0].passes).toEqual([]);
      expect(converted.trains[0].modelPasses?.map((p) => [p.name, p.options])).toEqual([["to-reversible", { groups: 2 }]]);
    });
  }

  it("a tied stack stays tied: one parameter set per group, not one per block", () => {
    const residual = stackSource({ block: preActBlock("ResBlock", "SAGEConv", true), stack: "repeat(4, tied = true) ResBlock(16)", passes: PASS });
    const byHand = stackSource({ block: preActBlock("RevBlock", "SAGEConv", false), stack: "reversible(groups = 2) repeat(4, tied = true) RevBlock(8)" });
    const { module } = expectSameAsHandWritten(residual, byHand);
    expect(module.params.filter((p) => p.name.startsWith("stack.")).every((p) => !p.stacked)).toBe(true);
    expect(paramTable(module)["stack.convs.0.conv.lin_l.weight"]).toBe("[8,8]");
  });

  it("takes `F + h` and a block-form forward, and four groups", () => {
    const block = (name: string, ret: string) => `block ${name}(width: int) {
  conv = GCNConv(width, width)
  forward(h, g, m) {
    y = relu(conv(h, g)) * m
    return ${ret}
  }
}`;
    const residual = stackSource({ block: block("ResBlock", "y + h"), stack: "repeat(2) ResBlock(16)", passes: "to_reversible(groups = 4)" });
    const byHand = stackSource({ block: block("RevBlock", "y"), stack: "reversible(groups = 4) repeat(2) RevBlock(4)" });
    expectSameAsHandWritten(residual, byHand);
  });

  it("divides only the width: given arguments are kept, defaults derived from the width follow it", () => {
    const block = (name: string, residual: boolean) => `block ${name}(width: int, inner: int = 2 * width, eps: float = 1e-5) {
  norm = LayerNorm(width, eps = eps, mode = "node")
  up = Linear(width, inner)
  down = Linear(inner, width)
  forward(h, g, m) = ${residual ? "h + " : ""}down(relu(up(norm(h)))) * m
}`;
    const residual = stackSource({ block: block("ResBlock", true), stack: "repeat(2) ResBlock(16, eps = 0.001)", passes: PASS });
    const byHand = stackSource({ block: block("RevBlock", false), stack: "reversible(groups = 2) repeat(2) RevBlock(8, eps = 0.001)" });
    const { module } = expectSameAsHandWritten(residual, byHand);
    expect(paramTable(module)["stack.convs.0.up.weight"]).toBe("[2,16,8]");
    expect(irWithoutSpans(module)).toContain("eps=0.001");
  });

  it("converts stacks inside blocks and leaves other stacks alone", () => {
    const source = (residualBlock: string, plainBlock: string, passes?: string) => `
dataset syn = synthetic.csbm(nodes = 60, classes = 3, features = 10, avg_degree = 4, homophily = 0.8, signal = 1.5, seed = 2)
${residualBlock}
block Plain(width: int) {
  conv = GCNConv(width, width)
  forward(h, g) = relu(conv(h, g))
}
block Encoder(width: int) {
  res = ${plainBlock}
  plain = repeat(2) Plain(width)
  forward(h, g) = plain(res(h, g), g)
}
model Net(in_channels: int, out_channels: int) {
  lin_in = Linear(in_channels, 16)
  enc = Encoder(16)
  lin_out = Linear(16, out_channels)
  forward(x: f32[N, in_channels], g: graph[N]) -> f32[N, out_channels] {
    return lin_out(enc(lin_in(x), g))
  }
}
train t {
  data = syn
  model = Net(syn.num_features, syn.num_classes)
  loss = cross_entropy(mask = train)
  optimizer = adam(lr = 0.01)
  epochs = 3
  ${passes ? `passes = [${passes}]` : ""}
}`;
    const res = (name: string, residual: boolean) => `block ${name}(width: int) {
  conv = SAGEConv(width, width)
  forward(h, g) = ${residual ? "h + " : ""}conv(h, g)
}`;
    const text = source(res("ResBlock", true), "repeat(3) ResBlock(width)", PASS);
    expect(diagnosticsOf(text)).toEqual([]);
    const converted = compileOk(text);
    const written = compileOk(source(res("RevBlock", false), "reversible(groups = 2) repeat(3) RevBlock(width / 2)"));
    expect(irWithoutSpans(onlyTrainModule(converted))).toBe(irWithoutSpans(onlyTrainModule(written)));
    const params = paramTable(onlyTrainModule(converted));
    expect(params["enc.res.convs.1.conv.lin_l.weight"]).toBe("[3,8,8]");
    expect(params["enc.plain.conv.lin.weight"]).toBe("[2,16,16]");
  });
});

describe("the to_reversible pass reports what it cannot do", () => {
  const residual = (block: string, stack: string, passes = PASS) => stackSource({ block, stack, passes });
  const at = (source: string, code: string) => {
    const d = compileErr(source).find((x) => x.code === code);
    expect(d, `expected ${code}`).toBeDefined();
    return { d: d!, text: (s: { start: { offset: number }; end: { offset: number } }) => source.slice(s.start.offset, s.end.offset) };
  };

  it("E516 when two int parameters equal the carried width, naming both, at the block call, with the pass as a label", () => {
    const block = `block ResBlock(width: int, inner: int = 16) {
  conv = SAGEConv(width, inner)
  forward(h, g, m) = h + conv(h, g) * m
}`;
    const source = residual(block, "repeat(3) ResBlock(16)");
    const { d, text } = at(source, "E516");
    expect(d.severity).toBe("error");
    expect(d.span.file).toBe(FILE);
    expect(text(d.span)).toBe("ResBlock(16)");
    expect(d.labels?.map((l) => text(l.span))).toContain(PASS);
    expect(d.help).toMatch(/`width` and `inner` both equal the carried width 16/);
    expect(d.help).toMatch(/reversible\(groups = 2\) repeat\(n\)/);
  });

  it("E516 when no int parameter equals the carried width", () => {
    const block = `block Act(scale: float) {
  forward(h, g, m) = h + relu(h) * m * scale
}`;
    const { d } = at(residual(block, "repeat(2) Act(0.5)"), "E516");
    expect(d.help).toMatch(/no `int` parameter of `Act` equals the carried width 16/);
  });

  it("E309, as for a hand-written stack, when the groups do not divide the width; the label points at the pass", () => {
    const source = residual(preActBlock("ResBlock", "SAGEConv", true), "repeat(3) ResBlock(16)", "to_reversible(groups = 3)");
    const { d, text } = at(source, "E309");
    const byHand = at(stackSource({ block: preActBlock("RevBlock", "SAGEConv", false), stack: "reversible(groups = 3) repeat(3) RevBlock(5)" }), "E309");
    expect(d.message).toBe(byHand.d.message);
    expect(d.labels?.map((l) => [text(l.span), l.message])).toContainEqual(["to_reversible(groups = 3)", "groups = 3 set here"]);
  });

  it("E406 for fewer than two groups; option names and types are checked like any pass's", () => {
    const stack = "repeat(3) ResBlock(16)";
    const block = preActBlock("ResBlock", "SAGEConv", true);
    expect(compileErr(residual(block, stack, "to_reversible(groups = 1)")).map((d) => d.code)).toEqual(["E406"]);
    expect(compileErr(residual(block, stack, "to_reversible(group = 2)")).map((d) => d.code)).toEqual(["E401"]);
    expect(compileErr(residual(block, stack, "to_reversible(groups = 1.5)")).map((d) => d.code)).toEqual(["E405"]);
  });

  it("W202 at the pass when nothing is converted; the model compiles as written", () => {
    const source = residual(preActBlock("Block", "SAGEConv", false), "repeat(3) Block(16)");
    expect(diagnosticsOf(source).map((d) => [d.code, d.severity, source.slice(d.span.start.offset, d.span.end.offset)])).toEqual([["W202", "warning", PASS]]);
    expect(onlyTrainModule(compileOk(source)).funcs[0].body.some((n) => n.op === "s.loop")).toBe(true);
  });

  it("W202 too when the only residual stack is never called", () => {
    const source = stackSource({ block: preActBlock("ResBlock", "SAGEConv", true), stack: "repeat(3) ResBlock(16)", passes: PASS }).replace(
      "relu(stack(h, g, dropout_mask(h, 0.2)))",
      "relu(h)",
    );
    expect(diagnosticsOf(source).map((d) => [d.code, d.message])).toEqual([["W202", "the `to_reversible` pass converts nothing: `Net` calls no residual stack"]]);
  });

  it("an already reversible stack is not converted again", () => {
    const source = stackSource({ block: preActBlock("RevBlock", "SAGEConv", false), stack: "reversible(groups = 2) repeat(3) RevBlock(8)", passes: PASS });
    expect(diagnosticsOf(source).map((d) => d.code)).toEqual(["W202"]);
  });

  it("E516 when the stack is called with two widths", () => {
    const source = `
block Act(width: int) {
  forward(h) = h + relu(h)
}
model Net(in_channels: int, out_channels: int) {
  lin = Linear(in_channels, 8)
  stack = repeat(2) Act(8)
  forward(x: f32[N, in_channels], g: graph[N]) -> f32[N, out_channels] {
    a = stack(x)
    return stack(lin(a))
  }
}
train t {
  data = synthetic.csbm(nodes = 30, classes = 8, features = 10, avg_degree = 3, homophily = 0.8, signal = 1.5, seed = 2)
  model = Net(10, 8)
  loss = cross_entropy(mask = train)
  optimizer = adam(lr = 0.01)
  epochs = 1
  passes = [${PASS}]
}`;
    expect(at(source, "E516").d.message).toBe("`stack` carries values of different widths (10, 8), so the `to_reversible` pass cannot convert it");
  });
});

describe("to-reversible as a pass", () => {
  it("is listed with its options and documented contract, and has a frontend rewrite", () => {
    const pass = builtinPasses().find((p) => p.name === "to-reversible")!;
    expect(pass.stage).toBe("model");
    expect(pass.options.groups).toMatchObject({ kind: "int", default: 2 });
    expect(pass.description).toMatch(/changes the model on purpose/i);
    const modelStage = builtinPasses().filter((p) => p.stage === "model").map((p) => p.name);
    expect(modelRewriteNames().sort()).toEqual(modelStage.sort());
  });

  it("refuses to run on an IR module (E609), pointing at the train block instead", () => {
    const module = onlyTrainModule(compileOk(stackSource({ block: preActBlock("B", "SAGEConv", true), stack: "repeat(2) B(16)" })));
    const r = runPipeline(module, "to-reversible");
    expect(r.diagnostics.map((d) => d.code)).toEqual(["E609"]);
    expect(r.diagnostics[0].help).toContain("passes = [to_reversible(groups = 2)]");
    expect(r.module).toBe(module);
  });
});

describe("examples/cora-residual.gnn", () => {
  it("becomes, after the pass, the model of examples/cora-revgnn.gnn", () => {
    const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
    const module = (file: string) => {
      const path = `examples/${file}`;
      const { program, diagnostics } = compile(readFileSync(join(root, path), "utf8"), { file: path });
      expect(diagnostics).toEqual([]);
      return { ...onlyTrainModule(program!), name: "cora" };
    };
    expect(irWithoutSpans(module("cora-residual.gnn"))).toBe(irWithoutSpans(module("cora-revgnn.gnn")));
  });
});
