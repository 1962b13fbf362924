import { describe, expect, it } from "vitest";
import { formatDiagnostic } from "../../grammar/format.js";
import { parse } from "../../grammar/index.js";
import type { Diagnostic } from "../../grammar/diagnostics.js";
import type { Span } from "../../grammar/span.js";

/** A span over `length` characters at 1-based `line`/`column` of `text`. */
function spanAt(file: string, text: string, line: number, column: number, length: number): Span {
  const lines = text.split("\n");
  const offset = lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0) + column - 1;
  return {
    file,
    start: { offset, line, column },
    end: { offset: offset + length, line, column: column + length },
  };
}

const sources = new Map<string, string>();
const source = (file: string) => sources.get(file);

describe("formatDiagnostic", () => {
  it("renders a syntax error in rustc style", () => {
    const text = "# a model\nmodel M {\n  conv = GCNConv(16 = 7)\n}\n";
    sources.set("examples/bad.gnn", text);
    const [d] = parse(text, "examples/bad.gnn").diagnostics;
    expect(formatDiagnostic(d, source)).toBe(
      [
        "error[E101]: expected `)` to close the argument list, found `=`",
        " --> examples/bad.gnn:3:21",
        "  |",
        "3 |   conv = GCNConv(16 = 7)",
        "  |                     ^ expected `,` or `)`",
        "  |",
        "  = help: separate arguments with commas",
      ].join("\n"),
    );
  });

  it("underlines labels in the same file with `-`, each on its own line", () => {
    const text = "block B {\n  forward(x) = x\n\n\n\n  forward(y) = y\n}";
    sources.set("b.gnn", text);
    const d: Diagnostic = {
      code: "E106",
      severity: "error",
      message: "block `B` has more than one `forward`",
      span: spanAt("b.gnn", text, 6, 3, 7),
      labels: [
        { span: spanAt("b.gnn", text, 2, 3, 7), message: "first `forward` defined here" },
        { span: spanAt("b.gnn", text, 6, 11, 1), message: "its parameter" },
      ],
    };
    expect(formatDiagnostic(d, source)).toBe(
      [
        "error[E106]: block `B` has more than one `forward`",
        " --> b.gnn:6:3",
        "  |",
        "2 |   forward(x) = x",
        "  |   ------- first `forward` defined here",
        "...",
        "6 |   forward(y) = y",
        "  |   ^^^^^^^",
        "  |           - its parameter",
      ].join("\n"),
    );
  });

  it("shows the one line between two annotated lines instead of `...`", () => {
    const text = "a\nb\nc";
    sources.set("g.gnn", text);
    const d: Diagnostic = {
      code: "E101",
      severity: "error",
      message: "m",
      span: spanAt("g.gnn", text, 3, 1, 1),
      labels: [{ span: spanAt("g.gnn", text, 1, 1, 1), message: "here" }],
    };
    expect(formatDiagnostic(d, source).split("\n").slice(3, 7)).toEqual(["1 | a", "  | - here", "2 | b", "3 | c"]);
  });

  it("gives a label in another file a `:::` frame of its own", () => {
    sources.set("main.gnn", "model M {\n  b = ResBlok(4)\n}");
    sources.set("lib/blocks.gnn", "# blocks\nblock ResBlock(width: int) { }");
    const d: Diagnostic = {
      code: "E201",
      severity: "error",
      message: "unknown layer `ResBlok`",
      span: spanAt("main.gnn", sources.get("main.gnn")!, 2, 7, 7),
      labels: [{ span: spanAt("lib/blocks.gnn", sources.get("lib/blocks.gnn")!, 2, 7, 8), message: "`ResBlock` is defined here" }],
      help: "did you mean `ResBlock`?",
    };
    expect(formatDiagnostic(d, source)).toBe(
      [
        "error[E201]: unknown layer `ResBlok`",
        " --> main.gnn:2:7",
        "  |",
        "2 |   b = ResBlok(4)",
        "  |       ^^^^^^^",
        " ::: lib/blocks.gnn:2:7",
        "  |",
        "2 | block ResBlock(width: int) { }",
        "  |       -------- `ResBlock` is defined here",
        "  |",
        "  = help: did you mean `ResBlock`?",
      ].join("\n"),
    );
  });

  it("keeps carets aligned after tabs", () => {
    const text = "model M {\n\t\tconv = GCNConv(16 = 7)\n}";
    sources.set("tabs.gnn", text);
    const [d] = parse(text, "tabs.gnn").diagnostics;
    const lines = formatDiagnostic(d, source).split("\n");
    const sourceLine = lines[3];
    const caretLine = lines[4];
    expect(sourceLine).toBe("2 |         conv = GCNConv(16 = 7)");
    expect(caretLine.indexOf("^")).toBe(sourceLine.indexOf("="  , sourceLine.indexOf("16")));
  });

  it("widens the gutter for large line numbers", () => {
    const text = "\n".repeat(99) + "x";
    sources.set("w.gnn", text);
    const d: Diagnostic = { code: "E101", severity: "error", message: "m", span: spanAt("w.gnn", text, 100, 1, 1) };
    expect(formatDiagnostic(d, source).split("\n")).toEqual(["error[E101]: m", "   --> w.gnn:100:1", "    |", "100 | x", "    | ^"]);
  });

  it("underlines a multi-line span on its first line only, and a zero-width span with one caret", () => {
    const text = "abc def\nghi";
    sources.set("m.gnn", text);
    const multi: Diagnostic = {
      code: "E101",
      severity: "error",
      message: "m",
      span: { file: "m.gnn", start: { offset: 4, line: 1, column: 5 }, end: { offset: 11, line: 2, column: 4 } },
    };
    expect(formatDiagnostic(multi, source).split("\n")[4]).toBe("  |     ^^^");
    const point: Diagnostic = { ...multi, span: { file: "m.gnn", start: multi.span.start, end: multi.span.start } };
    expect(formatDiagnostic(point, source).split("\n")[4]).toBe("  |     ^");
  });

  it("crops very long lines around the span", () => {
    const text = `dataset d = f(${"a, ".repeat(100)}=)`;
    sources.set("long.gnn", text);
    const [d] = parse(text, "long.gnn").diagnostics;
    const [, , , sourceLine, caretLine] = formatDiagnostic(d, source).split("\n");
    expect(sourceLine.startsWith("1 | ...")).toBe(true);
    expect(sourceLine.length).toBeLessThan(140);
    expect(sourceLine[caretLine.indexOf("^")]).toBe("=");
  });

  it("shows the location alone when the source is unavailable", () => {
    const d: Diagnostic = {
      code: "E101",
      severity: "error",
      message: "m",
      span: spanAt("gone.gnn", "x", 1, 1, 1),
      labels: [{ span: spanAt("gone.gnn", "x", 1, 1, 1), message: "here" }],
      help: "h",
    };
    const throwing = () => {
      throw new Error("ENOENT");
    };
    expect(formatDiagnostic(d, throwing)).toBe(["error[E101]: m", " --> gone.gnn:1:1", "  = note: here", "  |", "  = help: h"].join("\n"));
  });

  it("colours only when asked", () => {
    const text = "model M { a = }";
    sources.set("c.gnn", text);
    const [d] = parse(text, "c.gnn").diagnostics;
    expect(formatDiagnostic(d, source)).not.toMatch(/\x1b\[/);
    const coloured = formatDiagnostic(d, source, { color: true });
    expect(coloured).toMatch(/\x1b\[1;31merror\[E102\]\x1b\[0m/);
    expect(coloured.replace(/\x1b\[[0-9;]*m/g, "")).toBe(formatDiagnostic(d, source));
  });

  it("labels notes and warnings by their severity", () => {
    const d: Diagnostic = { code: "E199", severity: "note", message: "too many errors", span: spanAt("n.gnn", "x", 1, 1, 1) };
    expect(formatDiagnostic(d, () => "x").split("\n")[0]).toBe("note[E199]: too many errors");
  });
});
