import { describe, expect, it } from "vitest";
import type { Func, Module } from "../../compiler/ir/types.js";
import type { TensorValue } from "../../compiler/ir/values.js";
import { runPipeline } from "../../compiler/passes/index.js";
import { runFunc } from "../../runtime/reference/index.js";
import { compileModule, funcOf, makeEnv } from "../autodiff/helpers.js";
import { expectAllClose } from "../support/allclose.js";

/**
 * fuse-message keeps what every function computes (reference interpreter before and after, on
 * seeded data) and leaves no [E, F] gather where the message is a node term times an edge term.
 */

const WIDTH = 6;

function block(body: string, forward = "propagate(g, x = lin(x))", aggr = ""): Module {
  return compileModule(`block Conv(in_channels: int, out_channels: int) {
  lin = Linear(in_channels, out_channels, bias = false)
  att = Parameter([1, out_channels])
  ${aggr}
  ${body}
  forward(x, g) = ${forward}
}

model Net(in_channels: int = ${WIDTH}) {
  conv = Conv(in_channels, 4)
  forward(x: f32[N, in_channels], g: graph[N]) = conv(x, g)
}`);
}

function fused(m: Module): Module {
  return runPipeline(m, "fuse-message,cse,dce").module;
}

function ops(f: Func): string[] {
  return f.body.map((n) => n.op);
}

function expectSameValues(m: Module): Func {
  const before = funcOf(m, "predict");
  const after = funcOf(fused(m), "predict");
  const env = makeEnv(m, before, WIDTH);
  expectAllClose(runFunc(after, env)[0] as TensorValue, runFunc(before, env)[0] as TensorValue, { atol: 1e-5, rtol: 1e-5 });
  return after;
}

describe("fuse-message keeps the values and drops the gathers", () => {
  const cases: [string, Module, string[]][] = [
    ["x_j alone, sum: an unweighted SpMM", block("message(x_j) = x_j"), ["g.spmm"]],
    ["x_j alone, max: a max SpMM", block("message(x_j) = x_j", undefined, 'aggr = "max"'), ["g.spmm"]],
    [
      "an edge term times x_j: a weighted SpMM, scores by SDDMM (GAT with one head)",
      block(
        "message(x_i, x_j) = unsqueeze(edge_softmax(leaky_relu(sum(x_i * att, dim = -1) + sum(x_j * att, dim = -1), 0.2)), -1) * x_j",
        "propagate(add_self_loops(g), x = lin(x))",
      ),
      ["g.sddmm", "g.edge_softmax", "g.spmm"],
    ],
    [
      "a difference of the two ends (an SDDMM of the negated destination)",
      block("message(x_i, x_j) = unsqueeze(sigmoid(sum(x_j - x_i, dim = -1)), -1) * x_j"),
      ["g.sddmm", "g.spmm"],
    ],
    [
      "a dot product of the ends: one SDDMM{dot}",
      block("message(x_i, x_j) = unsqueeze(sum(x_i * x_j, dim = -1), -1) * x_j"),
      ["g.sddmm", "g.spmm"],
    ],
    ["a transform of x_j moves to the nodes", block("message(x_j) = relu(x_j * att + 1.0)"), ["g.spmm"]],
  ];
  for (const [name, m, expected] of cases) {
    it(name, () => {
      const after = expectSameValues(m);
      expect(ops(after).filter((op) => op.startsWith("g.gather"))).toEqual([]);
      for (const op of expected) expect(ops(after)).toContain(op);
    });
  }
});

describe("fuse-message leaves what it cannot fuse, still computing the same", () => {
  it("a message concatenating both ends keeps its edge rows (EdgeConv's), the difference as an SDDMM", () => {
    const after = expectSameValues(block("message(x_i, x_j) = relu(concat([x_i, x_j - x_i]))", undefined, 'aggr = "max"'));
    expect(ops(after)).toContain("g.gather_dst");
    expect(ops(after)).toContain("g.sddmm");
    expect(ops(after)).toContain("g.scatter_max");
  });

  it("an operand that varies by edge is not moved to the nodes", () => {
    const m = compileModule(`block Conv(in_channels: int) {
  message(x_j, w) = x_j * unsqueeze(w, -1) + unsqueeze(w, -1)
  forward(x, g, w) = propagate(g, x = x, w = w)
}
model Net(in_channels: int = ${WIDTH}) {
  conv = Conv(in_channels)
  forward(x: f32[N, in_channels], g: graph[N], edge_weight: f32[E]) = conv(x, g, edge_weight)
}`);
    const after = funcOf(fused(m), "predict");
    expect(ops(after)).toContain("g.gather_src");
    expect(ops(after)).toContain("g.scatter_sum");
  });

  it("changes nothing in a model without message passing", () => {
    const m = compileModule(`model Net(in_channels: int = ${WIDTH}) {
  conv = GATConv(in_channels, 3, heads = 2)
  forward(x: f32[N, in_channels], g: graph[N]) = conv(x, g)
}`);
    const r = runPipeline(m, "fuse-message");
    expect(r.module).toEqual(m);
  });
});
