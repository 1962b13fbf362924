import { describe, expect, it } from "vitest";
import { parse } from "../../grammar/index.js";
import { GRAMMAR_CODES } from "../../grammar/codes.js";
import type { Diagnostic } from "../../grammar/diagnostics.js";
import { parseBad, where } from "./helpers.js";

const brief = (d: Diagnostic) => `${d.code} ${where(d.span)} ${d.message}`;

/** Words from chevrotain's own messages and exception names, which must never reach a user. */
const CHEVROTAIN_WORDS = /Expecting|but found|Redundant input|MismatchedToken|NoViableAlt|EarlyExit|NotAllInput|one of these possible|\{"kind"|--> <|RECORDING/;

function expectFriendly(diagnostics: Diagnostic[]): void {
  for (const d of diagnostics) {
    const texts = [d.message, d.help ?? "", ...(d.labels ?? []).map((l) => l.message)];
    for (const t of texts) expect(t).not.toMatch(CHEVROTAIN_WORDS);
    expect(Object.keys(GRAMMAR_CODES)).toContain(d.code);
    expect(Number.isFinite(d.span.start.offset)).toBe(true);
    expect(Number.isFinite(d.span.start.line) && Number.isFinite(d.span.start.column)).toBe(true);
  }
}

describe("error recovery", () => {
  it("reports each of three separate errors in one file", () => {
    const diagnostics = parseBad(
      [
        "model A(x: int) {",
        "  conv = GCNConv(16 = 7)", // 1: `=` in the argument list
        "  forward(h) = conv(h)",
        "}",
        "dataset d load(\"cora\")", // 2: missing `=`
        "train t {",
        "  epochs = 200",
        "  lr = ", // 3: missing value
        "}",
      ].join("\n"),
    );
    expect(diagnostics.map(brief)).toEqual([
      "E101 2:21-2:22 expected `)` to close the argument list, found `=`",
      "E101 5:11-5:15 expected `=` after the dataset name, found `load`",
      "E102 8:7-8:7 expected an expression, found `}`",
    ]);
    expectFriendly(diagnostics);
  });

  it("carries on after junk between items", () => {
    const diagnostics = parseBad("model A { }\nwhat is this\nmodel B { x = }\n42\ntrain t { epochs = ) }");
    expect(diagnostics.map((d) => d.code)).toEqual(["E103", "E102", "E103", "E105"]);
    expectFriendly(diagnostics);
  });

  it("reports one diagnostic per position", () => {
    const diagnostics = parseBad("model M { a = f(1 2 3 4) }");
    const offsets = diagnostics.map((d) => d.span.start.offset);
    expect(new Set(offsets).size).toBe(offsets.length);
  });

  it("caps a file at 50 errors and then adds one note", () => {
    const text = Array.from({ length: 80 }, (_, i) => `dataset d${i} = )`).join("\n");
    const { diagnostics } = parse(text, "many.gnn");
    expect(diagnostics).toHaveLength(51);
    expect(diagnostics.slice(0, 50).every((d) => d.severity === "error")).toBe(true);
    expect(diagnostics[50]).toMatchObject({ code: "E199", severity: "note" });
    expect(diagnostics[50].message).toMatch(/too many errors/);
  });
});

describe("diagnostics for particular mistakes", () => {
  const first = (text: string) => {
    const diagnostics = parseBad(text);
    expectFriendly(diagnostics);
    return diagnostics[0];
  };

  it("names what closes the argument list, with a label saying what may come next", () => {
    const d = first("model M {\n  conv = GCNConv(16 = 7)\n}");
    expect(d.message).toBe("expected `)` to close the argument list, found `=`");
    expect(d.labels).toEqual([{ span: d.span, message: "expected `,` or `)`" }]);
    expect(d.help).toBe("separate arguments with commas");
  });

  it("points at the opening bracket of one that is never closed", () => {
    const d = first("model M {\n  forward(x) {\n    h = relu(conv(h, g)\n    return h\n  }\n}");
    expect(d.code).toBe("E104");
    expect(d.message).toBe("expected `)` to close the argument list, found `return`");
    // The caret goes just after the last token of the line, where the `)` belongs.
    expect(where(d.span)).toBe("3:24-3:24");
    expect(d.labels?.map((l) => `${where(l.span)} ${l.message}`)).toContain("3:13-3:14 unclosed `(`");
  });

  it("reports a body left open at the end of the file", () => {
    const d = first("model M {\n  a = A(1)\n");
    expect(d.code).toBe("E104");
    expect(d.message).toBe("expected `}` to close the body of model `M`, found end of file");
    expect(d.labels?.some((l) => l.message === "unclosed `{`" && where(l.span) === "1:9-1:10")).toBe(true);
  });

  it("reports a body left open before the next item", () => {
    const d = first("block B {\n  a = A(1)\nmodel M { }");
    expect(d.code).toBe("E104");
    expect(d.message).toBe("expected `}` to close the body of block `B`, found `model`");
  });

  it("reports a closing bracket without an opening one", () => {
    const d = first("model M { }\n}");
    expect(d.code).toBe("E105");
    expect(d.message).toBe("unmatched `}`");
  });

  it("rejects a second forward, pointing at the first", () => {
    const d = first("block B {\n  forward(x) = x\n  forward(y) = y\n}");
    expect(d.code).toBe("E106");
    expect(where(d.span)).toBe("3:3-3:10");
    expect(d.labels?.map((l) => `${where(l.span)} ${l.message}`)).toContain("2:3-2:10 first `forward` defined here");
  });

  it("rejects a stack modifier not followed by a layer call", () => {
    const d = first("model M {\n  s = repeat(4) ResBlock\n}");
    expect(d.code).toBe("E107");
    expect(d.message).toBe("expected a layer call after `repeat(…)`, found `ResBlock`");
    expect(d.help).toBe("call the layer with its arguments: `ResBlock(...)`");

    const nothing = first("model M {\n  s = repeat(4)\n}");
    expect(nothing.code).toBe("E107");
    expect(nothing.message).toBe("expected a layer call after `repeat(…)`, found `}`");
  });

  it("asks for the argument list of a stack modifier written without one", () => {
    const d = first("model M {\n  s = repeat ResBlock(4)\n}");
    expect(d.code).toBe("E101");
    expect(d.message).toBe("expected `(` after `repeat`, found `ResBlock`");
    expect(where(d.span)).toBe("2:13-2:13");
  });

  it("rejects a positional argument after a named one", () => {
    const d = first("dataset d = load(name = \"cora\", 3)");
    expect(d.code).toBe("E108");
    expect(where(d.span)).toBe("1:33-1:34");
    expect(d.labels?.map((l) => l.message)).toContain("named argument comes first");
  });

  it("explains a reserved keyword used as a name", () => {
    const d = first('dataset model = load("x")');
    expect(d.code).toBe("E110");
    expect(d.message).toBe("expected a name after `dataset`, found the keyword `model`");
  });

  it("suggests an item keyword for a misspelt one", () => {
    const d = first("modle GCN { }");
    expect(d.code).toBe("E103");
    expect(d.help).toBe("did you mean `model`?");
  });

  it("says what a forward may be followed by", () => {
    const d = first("model M { forward(x) return x }");
    expect(d.message).toBe("expected `=`, `->` or `{` after the parameters of `forward`, found `return`");
  });

  it("does not echo characters the lexer already reported", () => {
    const diagnostics = parseBad("model M { a = f(1 ; 2) }");
    expect(diagnostics.map((d) => d.code)).toEqual(["E001"]);
  });
});

describe("codes", () => {
  it("lists every code the grammar can report, each with a meaning", () => {
    for (const [code, meaning] of Object.entries(GRAMMAR_CODES)) {
      expect(code).toMatch(/^E[01]\d\d$/);
      expect(meaning.length).toBeGreaterThan(10);
    }
  });
});
