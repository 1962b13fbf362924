import { describe, expect, it } from "vitest";
import { parseExpr, parseOk, show, textOf, where } from "./helpers.js";
import type { ModuleDecl } from "../../grammar/ast.js";

describe("operator precedence", () => {
  const cases: [string, string][] = [
    ["a + b * c", "(a + (b * c))"],
    ["a * b + c", "((a * b) + c)"],
    ["a - b - c", "((a - b) - c)"],
    ["a / b / c", "((a / b) / c)"],
    ["a @ b * c", "((a @ b) * c)"],
    ["a + b @ c - d", "((a + (b @ c)) - d)"],
    ["(a + b) * c", "((a + b) * c)"],
    ["-a * b", "(-a * b)"],
    ["a * -b", "(a * -b)"],
    ["a - -b", "(a - -b)"],
    ["- - a", "--a"],
    ["-f(x).y", "-f(x).y"],
    ["hidden / 2", "(hidden / 2)"],
    ["a.b.c(d)(e)", "a.b.c(d)(e)"],
  ];
  for (const [text, expected] of cases) {
    it(`${text}  →  ${expected}`, () => expect(show(parseExpr(text))).toBe(expected));
  }

  it("gives binary and unary nodes spans over their operands", () => {
    const source = "dataset x = -a * (b + c)";
    const value = parseOk(source).items[0];
    if (value.kind !== "Dataset" || value.value.kind !== "Binary") throw new Error("expected a binary dataset value");
    expect(textOf(source, value.value.span)).toBe("-a * (b + c)");
    expect(textOf(source, value.value.left.span)).toBe("-a");
    // Parentheses make no node of their own, but the span of what they enclose includes them.
    expect(textOf(source, value.value.right.span)).toBe("(b + c)");
  });
});

describe("literals", () => {
  it("reads numbers, telling integers from floats", () => {
    const cases: [string, number, boolean][] = [
      ["16", 16, true],
      ["0", 0, true],
      ["0.5", 0.5, false],
      ["5e-4", 5e-4, false],
      ["1.0e3", 1000, false],
      ["2E+2", 200, false],
      ["16.0", 16, false],
    ];
    for (const [raw, value, isInt] of cases) {
      const e = parseExpr(raw);
      expect(e).toMatchObject({ kind: "Number", value, isInt, raw });
    }
  });

  it("reads strings with their escapes", () => {
    expect(parseExpr(String.raw`"a\"b\\c\nd\te"`)).toMatchObject({ kind: "String", value: 'a"b\\c\nd\te' });
    expect(parseExpr('""')).toMatchObject({ kind: "String", value: "" });
    expect(parseExpr('"# not a comment"')).toMatchObject({ kind: "String", value: "# not a comment" });
  });

  it("reads booleans and lists", () => {
    expect(parseExpr("true")).toMatchObject({ kind: "Bool", value: true });
    expect(parseExpr("false")).toMatchObject({ kind: "Bool", value: false });
    expect(show(parseExpr("[]"))).toBe("[]");
    expect(show(parseExpr("[1, [2, 3], x,]"))).toBe("[1, [2, 3], x]");
  });
});

describe("calls and arguments", () => {
  it("keeps positional and named arguments in order", () => {
    const e = parseExpr("GCNConv(16, 7, cached = true, normalize = false,)");
    expect(e.kind).toBe("Call");
    if (e.kind !== "Call") return;
    expect(e.args.map((a) => a.name?.name ?? null)).toEqual([null, null, "cached", "normalize"]);
    expect(where(e.args[2].span)).toBe("1:28-1:41");
  });

  it("accepts soft keywords as argument names, member names and values", () => {
    expect(show(parseExpr("f(model = model, train = train.mask, dataset = import)"))).toBe(
      "f(model = model, train = train.mask, dataset = import)",
    );
  });
});

describe("identifiers and keywords", () => {
  it("reads names that merely start with a keyword as identifiers", () => {
    for (const name of ["trainer", "models", "forward2", "truex", "import_", "repeated", "datasets", "blocky", "returns", "falsey"]) {
      expect(parseExpr(name)).toMatchObject({ kind: "Name", name });
    }
    const [m] = parseOk("model models { trainer = T(1)\n forward2 = F(2) }").items as ModuleDecl[];
    expect(m.name.name).toBe("models");
    expect(m.members.map((x) => x.name.name)).toEqual(["trainer", "forward2"]);
  });

  it("accepts soft keywords as plain names in expression position and as train-entry keys", () => {
    for (const kw of ["train", "model", "dataset", "block", "import"]) {
      expect(parseExpr(kw)).toMatchObject({ kind: "Name", name: kw });
    }
    const program = parseOk("train t {\n  model = GCN(1)\n  dataset = cora\n  block = 1\n  import = 2\n  train = 3\n}");
    const train = program.items[0];
    expect(train.kind === "Train" && train.entries.map((e) => e.key.name)).toEqual(["model", "dataset", "block", "import", "train"]);
  });

  it("is case-sensitive about keywords", () => {
    expect(parseExpr("Model")).toMatchObject({ kind: "Name", name: "Model" });
    expect(parseExpr("TRUE")).toMatchObject({ kind: "Name", name: "TRUE" });
  });
});

describe("stacks", () => {
  it("accepts any number of modifiers before one layer call", () => {
    const e = parseExpr("equilibrium(tol = 1e-5) reversible(groups = 2) repeat(3) Block(4)");
    expect(e.kind).toBe("Stack");
    if (e.kind !== "Stack") return;
    expect(e.modifiers.map((m) => m.kind)).toEqual(["equilibrium", "reversible", "repeat"]);
    expect(e.layer.kind).toBe("Call");
    expect(show(e.layer)).toBe("Block(4)");
  });

  it("makes a stack an operand like any other", () => {
    expect(show(parseExpr("[repeat(2) A(1), B(2)]"))).toBe("[repeat(2) A(1), B(2)]");
  });
});

describe("spans", () => {
  it("are 1-based in lines and columns, 0-based in offsets, end-exclusive", () => {
    const source = "dataset cora = load(\"x\")\n\nmodel M {\n\tconv = GCNConv(1, 2)\n}";
    const program = parseOk(source);
    const model = program.items[1] as ModuleDecl;
    const conv = model.members[0];
    expect(conv.name.span).toEqual({
      file: "test.gnn",
      start: { offset: 37, line: 4, column: 2 },
      end: { offset: 41, line: 4, column: 6 },
    });
    expect(textOf(source, conv.span)).toBe("conv = GCNConv(1, 2)");
    expect(where(model.span)).toBe("3:1-5:2");
  });

  it("count CRLF line endings as one line break", () => {
    const source = "model M {\r\n  a = A(1)\r\n  b = B(2)\r\n}\r\n";
    const model = parseOk(source).items[0] as ModuleDecl;
    expect(where(model.members[1].span)).toBe("3:3-3:11");
    expect(textOf(source, model.members[1].span)).toBe("b = B(2)");
    expect(parseOk(source).span.end).toEqual({ offset: source.length, line: 5, column: 1 });
  });

  it("count columns in UTF-16 code units after non-ASCII text in strings and comments", () => {
    const source = 'dataset d = load("日本") # café\ndataset e = x';
    const program = parseOk(source);
    expect(where(program.items[0].span)).toBe("1:1-1:23");
    expect(where(program.items[1].span)).toBe("2:1-2:14");
  });
});
