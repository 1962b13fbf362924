import { describe, expect, it } from "vitest";
import { compile } from "../compiler/index.js";
import { formatDiagnostic } from "../grammar/format.js";

// Whatever the input, the whole front end (parse → check → IR) returns diagnostics or a program:
// never an exception, never a hang. Grammar-level cases (10 MB, 100k brackets) live in test/grammar.
function compileText(text: string) {
  const result = compile(text, { file: "input.gnn" });
  for (const d of result.diagnostics) expect(formatDiagnostic(d, () => text)).toContain(d.code);
  return result;
}

const model = (forwardExpr: string, param = "") =>
  `model M(${param}) {\n  lin = Linear(4, 4)\n  forward(x: f32[N, 4], g: graph[N]) = lin(${forwardExpr})\n}\n`;

describe("front-end robustness", () => {
  it("returns diagnostics for binary garbage", () => {
    let seed = 7;
    const bytes = Array.from({ length: 4000 }, () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 0xff);
    const r = compileText(String.fromCharCode(...bytes));
    expect(r.program).toBeUndefined();
    expect(r.diagnostics.length).toBeGreaterThan(0);
  });

  it("accepts an empty file", () => {
    const r = compileText("");
    expect(r.diagnostics).toEqual([]);
    expect(r.program?.modules).toEqual([]);
  });

  it("compiles an operator chain just under the depth limit", () => {
    const r = compileText(model(Array(990).fill("x").join(" + ")));
    expect(r.diagnostics).toEqual([]);
    expect(r.program?.modules[0].funcs[0].body.filter((n) => n.op === "t.add").length).toBe(989 + 1); // the chain, plus Linear's bias
  });

  it("rejects a 100,000-term chain with E111 instead of overflowing the stack", () => {
    const tensor = compileText(model(Array(100_000).fill("x").join("+")));
    expect(tensor.diagnostics.map((d) => d.code)).toEqual(["E111"]);
    const scalar = compileText(model("x", `a: int = ${Array(100_000).fill("1").join("+")}`));
    expect(scalar.diagnostics.map((d) => d.code)).toEqual(["E111"]);
  });

  it("compiles brackets nested just under the bracket limit", () => {
    const r = compileText(model("(".repeat(150) + "x" + ")".repeat(150)));
    expect(r.diagnostics).toEqual([]);
  });
});
