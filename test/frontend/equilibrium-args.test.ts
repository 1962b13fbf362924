import { describe, expect, it } from "vitest";
import { formatDiagnostic } from "../../grammar/format.js";
import { allNodes, compileErr, compileOk, FILE, func, onlyModule } from "./helpers.js";

/** `equilibrium(max_iter, tol, anderson)`: Anderson memory reaches the loop's attrs; bad values are errors with a location and a hint. */

function model(modifier: string): string {
  return `block Cell(width: int) {
  lin = Linear(width, width)
  forward(h, u) = tanh(0.5 * lin(h) + u)
}
model Deq(in_channels: int = 8) {
  lin_in = Linear(in_channels, 8)
  deq = ${modifier} Cell(8)
  forward(x: f32[N, in_channels], g: graph[N]) -> f32[N, 8] {
    u = lin_in(x)
    return deq(u, u)
  }
}`;
}

const loopAttrs = (modifier: string) =>
  allNodes(func(onlyModule(compileOk(model(modifier))), "forward")).find((n) => n.op === "s.loop")!.attrs;

describe("equilibrium arguments", () => {
  it("anderson = m becomes the loop's anderson attr; absent or 0 leaves plain iteration", () => {
    expect(loopAttrs("equilibrium(max_iter = 20, tol = 1e-4, anderson = 5)")).toEqual({ trip: 20, mode: "equilibrium", max_iter: 20, tol: 1e-4, anderson: 5 });
    expect(loopAttrs("equilibrium(max_iter = 20, anderson = 0)")).toEqual({ trip: 20, mode: "equilibrium", max_iter: 20, tol: 1e-5 });
    expect(loopAttrs("equilibrium()")).toEqual({ trip: 30, mode: "equilibrium", max_iter: 30, tol: 1e-5 });
  });

  it("an anderson memory out of range is E406 at the argument, with a hint", () => {
    for (const bad of ["-1", "17"]) {
      const source = model(`equilibrium(anderson = ${bad})`);
      const d = compileErr(source);
      expect(d.map((x) => x.code)).toEqual(["E406"]);
      expect(d[0].message).toBe(`\`anderson\` of \`equilibrium\` must be an int in [0, 16], found ${bad}`);
      expect(source.slice(d[0].span.start.offset, d[0].span.end.offset)).toBe(bad); // the value, as other argument errors
      expect(d[0].help).toMatch(/0 turns acceleration off/);
      expect(formatDiagnostic(d[0], () => source)).toContain(`${FILE}:7:`);
    }
  });

  it("a non-integer memory, a negative tol and a zero max_iter are rejected with their codes", () => {
    const float = compileErr(model("equilibrium(anderson = 2.5)"));
    expect(float.map((x) => x.code)).toEqual(["E405"]);
    expect(float[0].help).toMatch(/integer/);
    expect(compileErr(model("equilibrium(tol = -1.0)")).map((x) => x.code)).toEqual(["E406"]);
    expect(compileErr(model("equilibrium(max_iter = 0)")).map((x) => x.code)).toEqual(["E406"]);
    expect(compileErr(model("equilibrium(andersen = 5)")).map((x) => [x.code, x.help])).toEqual([["E401", expect.stringMatching(/anderson/)]]);
  });
});
