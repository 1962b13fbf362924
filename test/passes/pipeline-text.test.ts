import { describe, expect, it } from "vitest";
import { parsePipelineText } from "../../compiler/passes/pipeline-text.js";

const names = (text: string) => parsePipelineText(text).entries.map((e) => e.name);

describe("pipeline text", () => {
  it("reads plain names, with whitespace anywhere between tokens", () => {
    expect(names("shape-inference,cse,dce")).toEqual(["shape-inference", "cse", "dce"]);
    expect(names("  shape-inference ,\n cse , dce  ")).toEqual(["shape-inference", "cse", "dce"]);
    expect(parsePipelineText("   ").entries).toEqual([]);
    expect(parsePipelineText("").diagnostics).toEqual([]);
  });

  it("reads options as text with spans pointing at key and value", () => {
    const { entries, diagnostics } = parsePipelineText("cse,sparsify{density=0.1, method = rigl}");
    expect(diagnostics).toEqual([]);
    const sp = entries[1];
    expect(sp.options.map((o) => [o.key, o.value])).toEqual([
      ["density", "0.1"],
      ["method", "rigl"],
    ]);
    expect(sp.nameSpan.start.column).toBe(5);
    expect(sp.options[0].valueSpan.start.column).toBe(22);
    expect(sp.options[0].valueSpan.end.column).toBe(25);
    expect(sp.span.end.offset).toBe("cse,sparsify{density=0.1, method = rigl}".length);
  });

  it("reads quoted values with commas, braces and escapes", () => {
    const { entries, diagnostics } = parsePipelineText('p{path="a,b}{c", q="say \\"hi\\""}');
    expect(diagnostics).toEqual([]);
    expect(entries[0].options.map((o) => o.value)).toEqual(["a,b}{c", 'say "hi"']);
  });

  it("reports every malformed entry and keeps the good ones", () => {
    const { entries, diagnostics } = parsePipelineText("cse,{x=1},dce{=2},sparsify{density 0.1},dce");
    expect(entries.map((e) => e.name)).toEqual(["cse", "dce"]);
    expect(diagnostics.map((d) => d.code)).toEqual(["E602", "E602", "E602"]);
    expect(diagnostics.map((d) => d.span.start.column)).toEqual([5, 15, 36]);
    expect(diagnostics[0].message).toBe("expected a pass name, found `{`");
    expect(diagnostics[2].message).toBe("expected `=` after option `density`");
  });

  it("reports trailing commas, empty entries, unclosed braces and strings", () => {
    const msg = (t: string) => parsePipelineText(t).diagnostics.map((d) => d.message);
    expect(msg("cse,")).toEqual(["expected a pass name after `,`"]);
    expect(msg("cse,,dce")).toEqual(["expected a pass name, found `,`"]);
    expect(msg("p{a=1")).toEqual(["unclosed `{`"]);
    expect(msg('p{a="x}')).toEqual(["unclosed string"]);
    expect(msg("p{}")).toEqual(["empty option list"]);
    expect(msg("cse dce")).toEqual(["expected `,` between passes, found `d`"]);
  });

  it("hints at braces when options are written with parentheses", () => {
    const d = parsePipelineText("sparsify(density=0.1)").diagnostics;
    expect(d).toHaveLength(1);
    expect(d[0].help).toBe("write `sparsify{key=value}`");
  });

  it("spans carry the given file name and line/column across newlines", () => {
    const { diagnostics } = parsePipelineText("cse,\n  %bad", "--passes");
    expect(diagnostics[0].span.file).toBe("--passes");
    expect(diagnostics[0].span.start).toEqual({ offset: 7, line: 2, column: 3 });
  });
});
