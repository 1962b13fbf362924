import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { itemsOfKind, parseOk, show, textOf, where } from "./helpers.js";
import type { ForwardDecl, ModuleDecl } from "../../grammar/ast.js";

/** The example of the language reference: every construct of the language. */
const EXAMPLE = readFileSync("test/fixtures/language-tour.gnn", "utf8");

describe("the language example", () => {
  const program = parseOk(EXAMPLE, "example.gnn");

  it("has every item, in order, with a span over the whole file", () => {
    expect(program.items.map((i) => i.kind)).toEqual(["Import", "Dataset", "Dataset", "Block", "Model", "Model", "Train"]);
    expect(program.file).toBe("example.gnn");
    expect(program.span.start).toEqual({ offset: 0, line: 1, column: 1 });
    expect(program.span.end.offset).toBe(EXAMPLE.length);
    expect(program.span.end.line).toBe(EXAMPLE.split("\n").length);
  });

  it("parses imports and datasets", () => {
    const [imp] = itemsOfKind(program, "Import");
    expect(imp.path.value).toBe("blocks.gnn");
    expect(where(imp.span)).toBe("1:1-1:20");
    expect(where(imp.path.span)).toBe("1:8-1:20");

    const [cora, syn] = itemsOfKind(program, "Dataset");
    expect(cora.name.name).toBe("cora");
    expect(show(cora.value)).toBe('load("cora", transforms = [normalize_features])');
    expect(textOf(EXAMPLE, cora.span)).toBe('dataset cora = load("cora", transforms = [normalize_features])');
    expect(syn.value.kind).toBe("Call");
    expect(show(syn.value)).toMatch(/^synthetic\.csbm\(nodes = 2000, classes = 4, .*seed = 0\)$/);
  });

  it("parses a block with an expression-form forward", () => {
    const [block] = itemsOfKind(program, "Block");
    expect(block.name.name).toBe("ResBlock");
    expect(block.params.map((p) => [p.name.name, p.type?.name.name, p.type?.dims])).toEqual([["width", "int", undefined]]);
    expect(block.members.map((m) => [m.name.name, show(m.value)])).toEqual([
      ["norm", 'LayerNorm(width, mode = "node")'],
      ["conv", "SAGEConv(width, width)"],
    ]);
    const fwd = block.forward as ForwardDecl;
    expect(fwd.isExpression).toBe(true);
    expect(fwd.params.map((p) => p.name.name)).toEqual(["h", "g", "mask"]);
    expect(fwd.body).toHaveLength(1);
    expect(fwd.body[0].kind).toBe("Return");
    expect(show(fwd.body[0].value)).toBe("conv((relu(norm(h)) * mask), g)");
    // The implicit return's span is the expression's.
    expect(textOf(EXAMPLE, fwd.body[0].span)).toBe("conv(relu(norm(h)) * mask, g)");
    expect(textOf(EXAMPLE, fwd.span)).toBe("forward(h, g, mask) = conv(relu(norm(h)) * mask, g)");
    expect(textOf(EXAMPLE, block.span).startsWith("block ResBlock(width: int) {")).toBe(true);
    expect(textOf(EXAMPLE, block.span).endsWith("}")).toBe(true);
  });

  it("parses a model with typed parameters, defaults and a block-form forward", () => {
    const gcn = itemsOfKind(program, "Model").find((m) => m.name.name === "GCN") as ModuleDecl;
    expect(gcn.params.map((p) => `${p.name.name}:${p.type?.name.name}=${p.default ? show(p.default) : "-"}`)).toEqual([
      "in_channels:int=-",
      "out_channels:int=-",
      "hidden:int=16",
      "p:float=0.5",
    ]);
    expect(textOf(EXAMPLE, gcn.params[2].span)).toBe("hidden: int = 16");
    const fwd = gcn.forward!;
    expect(fwd.isExpression).toBe(false);
    const [x, g] = fwd.params;
    expect(x.type?.name.name).toBe("f32");
    expect(x.type?.dims?.map(show)).toEqual(["N", "in_channels"]);
    expect(textOf(EXAMPLE, x.type!.span)).toBe("f32[N, in_channels]");
    expect(g.type?.name.name).toBe("graph");
    expect(g.type?.dims?.map(show)).toEqual(["N"]);
    expect(fwd.returnType?.dims?.map(show)).toEqual(["N", "out_channels"]);
    expect(fwd.body.map((s) => s.kind)).toEqual(["Assign", "Assign", "Assign", "Return"]);
    const second = fwd.body[1];
    expect(second.kind === "Assign" && second.target.name).toBe("h");
    expect(show(second.value)).toBe("relu(conv1(h, g))");
    expect(where(second.span)).toBe("16:5-16:26");
    expect(textOf(EXAMPLE, fwd.body[3].span)).toBe("return conv2(h, g)");
  });

  it("parses stacks with their modifiers, outermost first", () => {
    const rev = itemsOfKind(program, "Model").find((m) => m.name.name === "RevGNN") as ModuleDecl;
    const member = (name: string) => rev.members.find((m) => m.name.name === name)!.value;
    const stack = member("stack");
    expect(stack.kind).toBe("Stack");
    if (stack.kind !== "Stack") return;
    expect(stack.modifiers.map((m) => m.kind)).toEqual(["reversible", "repeat"]);
    expect(show(stack.layer)).toBe("ResBlock((hidden / 2))");
    expect(textOf(EXAMPLE, stack.span)).toBe("reversible(groups = 2) repeat(layers) ResBlock(hidden / 2)");
    expect(textOf(EXAMPLE, stack.modifiers[1].span)).toBe("repeat(layers)");
    expect(show(member("tied"))).toBe("repeat(4, tied = true) ResBlock(hidden)");
    expect(show(member("deq"))).toBe("equilibrium(max_iter = 30, tol = 1e-5) ResBlock(hidden)");
  });

  it("parses a train block, soft keywords included", () => {
    const [train] = itemsOfKind(program, "Train");
    expect(train.name.name).toBe("cora_gcn");
    const entries = Object.fromEntries(train.entries.map((e) => [e.key.name, show(e.value)]));
    expect(entries).toEqual({
      data: "cora",
      model: "GCN(cora.num_features, cora.num_classes)",
      loss: "cross_entropy(mask = train)",
      optimizer: "adam(lr = 0.01, weight_decay = 0, groups = [group(conv1, weight_decay = 5e-4)])",
      epochs: "200",
      select: "best(val.accuracy)",
      report: "[accuracy(val), accuracy(test)]",
      passes: '[cse, pass("./my-pass.ts", level = 2)]',
    });
    const model = train.entries[1];
    expect(where(model.key.span)).toBe("38:3-38:8");
    expect(textOf(EXAMPLE, model.span)).toBe("model     = GCN(cora.num_features, cora.num_classes)");
  });

  it("is plain data", () => {
    expect(JSON.parse(JSON.stringify(program))).toEqual(program);
  });
});

describe("items", () => {
  it("accepts an empty parameter list, trailing commas and an empty body", () => {
    const program = parseOk("block B() { }\nmodel M(a: int, b: float = 1.5,) {\n  l = L(a, b,)\n}\ntrain t { }");
    const [b, m] = program.items as ModuleDecl[];
    expect(b.params).toEqual([]);
    expect(b.members).toEqual([]);
    expect(b.forward).toBeUndefined();
    expect(m.params.map((p) => p.name.name)).toEqual(["a", "b"]);
    expect(show(m.members[0].value)).toBe("L(a, b)");
    expect(itemsOfKind(program, "Train")[0].entries).toEqual([]);
  });

  it("accepts a module without a parameter list", () => {
    const [m] = parseOk("model M { forward(x) = x }").items as ModuleDecl[];
    expect(m.params).toEqual([]);
    expect(m.forward?.params.map((p) => p.name.name)).toEqual(["x"]);
  });

  it("accepts a forward without a return type, and types with zero dims", () => {
    const [m] = parseOk("model M { forward(x: f32[], n: int) { return x } }").items as ModuleDecl[];
    expect(m.forward?.returnType).toBeUndefined();
    expect(m.forward?.params[0].type?.dims).toEqual([]);
    expect(m.forward?.params[1].type?.dims).toBeUndefined();
  });

  it("ignores comments and whitespace anywhere", () => {
    const program = parseOk("# header\nmodel # name next\n M ( # params\n) {# body\n}# end");
    expect(program.items[0].kind).toBe("Model");
  });

  it("gives an empty program for an empty file or one holding only a comment", () => {
    for (const text of ["", "   \n\t\n", "# only a comment", "# only a comment\n"]) {
      const program = parseOk(text);
      expect(program.items).toEqual([]);
      expect(program.span.end.offset).toBe(text.length);
    }
  });
});
