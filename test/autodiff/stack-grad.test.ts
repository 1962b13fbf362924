import { describe, expect, it } from "vitest";
import type { TensorValue } from "../../compiler/ir/values.js";
import { runPipeline } from "../../compiler/passes/index.js";
import { runFunc } from "../../runtime/reference/index.js";
import { compileModule, funcOf, gradOk, itMatchesFiniteDifferences, makeEnv, weightedSumLoss } from "./helpers.js";

/**
 * Autodiff through stacks — repeat (stored block inputs), tied repeat, reversible (inverted
 * coupling, nothing stored) and equilibrium (implicit differentiation) — against central finite
 * differences in f64, for every trainable parameter including the stacked ones.
 */

const WIDTH = 4;

function stackModel(stack: string, body: string, forward: string): string {
  return `block Body(width: int) {
${body}
}
model Net(in_channels: int = ${WIDTH}) {
  lin_in = Linear(in_channels, 4)
  stack = ${stack} Body(4${stack.startsWith("reversible") ? " / 2" : ""})
  head = Linear(4, 3)
  forward(x: f32[N, in_channels], g: graph[N]) = ${forward}
}`;
}

const DENSE = `  lin = Linear(width, width)\n  forward(h) = tanh(lin(h))`;
const CONV = `  norm = LayerNorm(width, mode = "node")\n  conv = SAGEConv(width, width)\n  forward(h, g) = conv(relu(norm(h)), g)`;

// A contraction in h (small weights through tanh): the fixed point exists and iteration finds it.
const CONTRACTION = `  lin = Linear(width, width)\n  forward(h, u) = tanh(0.3 * lin(h) + u)`;
const DROPOUT = `  lin = Linear(width, width)\n  forward(h, g) = lin(dropout(relu(h), 0.5))`;

const MODELS: Record<string, string> = {
  "repeat(3) of dense blocks": stackModel("repeat(3)", DENSE, "head(stack(lin_in(x)))"),
  "repeat(3) of graph blocks": stackModel("repeat(3)", CONV, "head(stack(lin_in(x), g))"),
  "tied repeat(3)": stackModel("repeat(3, tied = true)", CONV, "head(stack(lin_in(x), g))"),
  "reversible(groups = 2) repeat(3)": stackModel("reversible(groups = 2) repeat(3)", CONV, "head(stack(lin_in(x), g))"),
  "reversible(groups = 4) repeat(2)": stackModel("reversible(groups = 4) repeat(2)", CONV, "head(stack(lin_in(x), g))").replace("Body(4 / 2)", "Body(1)"),
  "repeat(3) with dropout in the block (replayed)": stackModel("repeat(3)", DROPOUT, "head(stack(lin_in(x), g))"),
  "reversible repeat(3) with dropout in the block (replayed)": stackModel("reversible(groups = 2) repeat(3)", DROPOUT, "head(stack(lin_in(x), g))"),
  "equilibrium (implicit differentiation)": stackModel(
    "equilibrium(max_iter = 200, tol = 1e-13)",
    CONTRACTION,
    "head(stack(lin_in(x), lin_in(x)))",
  ),
};

describe("autodiff through stacks matches finite differences", () => {
  itMatchesFiniteDifferences(MODELS, WIDTH);
});

describe("reversible gradients equal plain autodiff through the same, stored computation", () => {
  it("s.reversible (inverted coupling) vs expand-reversible (stored block inputs), f32, 1e-5 relative", () => {
    const src = stackModel("reversible(groups = 2) repeat(6)", CONV, "head(stack(lin_in(x), g))");
    const m = compileModule(src);
    const expanded = runPipeline(m, "expand-reversible").module;
    expect(funcOf(expanded, "forward").body.some((n) => n.op === "s.reversible")).toBe(false);
    const lossRev = weightedSumLoss(funcOf(m, "forward"));
    const lossPlain = weightedSumLoss(funcOf(expanded, "forward"));
    const env = makeEnv(m, lossRev, WIDTH);
    const run = (f: typeof lossRev) => {
      const g = gradOk(f, [{ result: "loss", wrt: ["*"] }], m);
      const values = runFunc(g, env);
      return new Map(g.resultNames.map((name, k) => [name, values[k] as TensorValue]));
    };
    const rev = run(lossRev);
    const plain = run(lossPlain);
    expect([...rev.keys()]).toEqual([...plain.keys()]);
    for (const [name, a] of rev) {
      const b = plain.get(name)!;
      const scale = Math.max(...b.data.map(Math.abs), 1e-30);
      const worst = Math.max(...a.data.map((v, k) => Math.abs(v - b.data[k])));
      expect(worst / scale, name).toBeLessThan(1e-5);
    }
  });
});
