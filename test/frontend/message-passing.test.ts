import { describe, expect, it } from "vitest";
import type { Module } from "../../compiler/ir/types.js";
import type { TensorValue } from "../../compiler/ir/values.js";
import { runPipeline } from "../../compiler/passes/index.js";
import { formatDiagnostic } from "../../grammar/format.js";
import { runFunc } from "../../runtime/reference/index.js";
import { compileModule, funcOf, gradients, gradOk, makeEnv, weightedSumLoss, graph, N } from "../autodiff/helpers.js";
import { expectAllClose } from "../support/allclose.js";
import { compileErr, FILE } from "./helpers.js";

/**
 * Message passing written in the language (PyG's MessagePassing): `message`, `aggr`, `update` and
 * `propagate`, checked against dense formulas, against the built-in GATConv (outputs and
 * gradients, after fuse-message), and for its located errors.
 */

const WIDTH = 5;

/** GATConv written by hand, with the built-in's parameter names and shapes. */
const USER_GAT = `block MyGAT(in_channels: int, out_channels: int, heads: int = 1, negative_slope: float = 0.2) {
  lin     = Linear(in_channels, heads * out_channels, bias = false)
  att_src = Parameter([1, heads, out_channels])
  att_dst = Parameter([1, heads, out_channels])
  bias    = Parameter([heads * out_channels], init = "zeros")
  message(x_i, x_j) {
    alpha = leaky_relu(sum(x_j * att_src, dim = -1) + sum(x_i * att_dst, dim = -1), negative_slope)
    return unsqueeze(edge_softmax(alpha), -1) * x_j
  }
  forward(x, g) {
    h = reshape(lin(x), [-1, heads, out_channels])
    return reshape(propagate(add_self_loops(g), x = h), [-1, heads * out_channels]) + bias
  }
}`;

function netWith(layer: string, blocks = USER_GAT): Module {
  return compileModule(`${blocks}
model Net(in_channels: int = ${WIDTH}) {
  conv = ${layer}
  forward(x: f32[N, in_channels], g: graph[N]) = conv(x, g)
}`);
}

describe("a user-written GAT message equals GATConv", () => {
  for (const heads of [1, 2]) {
    it(`reproduces GATConv's outputs and gradients (heads = ${heads})`, () => {
      const builtin = netWith(`GATConv(in_channels, 3, heads = ${heads})`);
      const user = netWith(`MyGAT(in_channels, 3, heads = ${heads})`);
      expect(user.params.map((p) => [p.name, p.type.shape])).toEqual(builtin.params.map((p) => [p.name, p.type.shape]));
      // The same parameters, the same data; the user's model as training compiles it (fused).
      const env = makeEnv(builtin, funcOf(builtin, "forward"), WIDTH);
      const fused = runPipeline(user, "fuse-message,cse,dce").module;
      const outputs = (m: Module) => runFunc(funcOf(m, "predict"), env)[0] as TensorValue;
      expectAllClose(outputs(fused), outputs(builtin), { atol: 1e-6, rtol: 1e-5 });
      const grads = (m: Module) => {
        const loss = weightedSumLoss(funcOf(m, "forward"));
        return gradients(gradOk(loss, [{ result: "loss", wrt: ["*"] }], m), env);
      };
      const [a, b] = [grads(fused), grads(builtin)];
      expect(Object.keys(a).sort()).toEqual(Object.keys(b).sort());
      for (const name of Object.keys(b)) expectAllClose(a[name], b[name], { atol: 1e-9, rtol: 1e-7 });
    });
  }

  it("fuses into the built-in's kernels: SDDMM, edge softmax and one SpMM, no gather left", () => {
    const ops = (m: Module) => funcOf(runPipeline(m, "fuse-message,cse,dce").module, "predict").body.map((n) => n.op).filter((op) => op.startsWith("g."));
    expect(ops(netWith("MyGAT(in_channels, 3, heads = 2)"))).toEqual(ops(netWith("GATConv(in_channels, 3, heads = 2)")));
  });
});

/** In-neighbours of node i in the test graph (helpers.ts): 5 nodes, node 4 isolated. */
function incoming(i: number): number[] {
  return Array.from(graph.src).filter((_, e) => graph.dst[e] === i);
}

describe("aggregations and update match their formulas", () => {
  const x = (m: Module) => makeEnv(m, funcOf(m, "predict"), WIDTH).inputs.x as TensorValue;
  const run = (aggr: string, update = "") => {
    const m = compileModule(`block Agg() {
  aggr = "${aggr}"
  message(x_i, x_j) = x_j * 2.0 - x_i
  ${update}
  forward(x, g) = propagate(g, x = x)
}
model Net(in_channels: int = ${WIDTH}) {
  agg = Agg()
  forward(x: f32[N, in_channels], g: graph[N]) = agg(x, g)
}`);
    const env = makeEnv(m, funcOf(m, "predict"), WIDTH);
    return { out: runFunc(funcOf(m, "predict"), env)[0] as TensorValue, x: x(m) };
  };
  const at = (t: TensorValue, i: number, c: number) => t.data[i * WIDTH + c];
  const messages = (xs: TensorValue, i: number, c: number) => incoming(i).map((j) => 2 * at(xs, j, c) - at(xs, i, c));
  const formulas: Record<string, (ms: number[]) => number> = {
    sum: (ms) => ms.reduce((s, v) => s + v, 0),
    add: (ms) => ms.reduce((s, v) => s + v, 0),
    mean: (ms) => (ms.length ? ms.reduce((s, v) => s + v, 0) / ms.length : 0),
    max: (ms) => (ms.length ? Math.max(...ms) : 0),
    min: (ms) => (ms.length ? Math.min(...ms) : 0),
    softmax: (ms) => {
      const top = Math.max(...ms);
      const z = ms.reduce((s, v) => s + Math.exp(v - top), 0);
      return ms.reduce((s, v) => s + (Math.exp(v - top) / z) * v, 0);
    },
  };
  for (const [aggr, f] of Object.entries(formulas)) {
    it(`aggr = "${aggr}"`, () => {
      const { out, x: xs } = run(aggr);
      const expected = Array.from({ length: N * WIDTH }, (_, k) => f(messages(xs, Math.floor(k / WIDTH), k % WIDTH)));
      expectAllClose(Array.from(out.data), expected, { atol: 1e-5, rtol: 1e-5 });
    });
  }

  it("update(aggr_out, x) gets the aggregate and propagate's node tensors by name", () => {
    const { out, x: xs } = run("max", "update(aggr_out, x) = aggr_out + 3.0 * x");
    const expected = Array.from({ length: N * WIDTH }, (_, k) => formulas.max(messages(xs, Math.floor(k / WIDTH), k % WIDTH)) + 3 * xs.data[k]);
    expectAllClose(Array.from(out.data), expected, { atol: 1e-5, rtol: 1e-5 });
  });
});

describe("message-passing errors are located and say what to write", () => {
  const errorOf = (source: string) => {
    const d = compileErr(source).filter((x) => x.severity === "error");
    expect(d.length).toBeGreaterThan(0);
    return { d: d[0], text: formatDiagnostic(d[0], () => source) };
  };
  const model = (body: string, forward = "propagate(g, x = x)") => `block B() {
  ${body}
  forward(x, g) = ${forward}
}
model Net() {
  b = B()
  forward(x: f32[N, 4], g: graph[N]) = b(x, g)
}`;

  it("E316: a message parameter propagate was not given, with a did-you-mean", () => {
    const { d, text } = errorOf(model("message(x_j, edge_atr) = x_j", "propagate(g, x = x, edge_attr = x)"));
    expect(d.code).toBe("E316");
    expect(d.message).toBe("`message` of `B` reads `edge_atr`, which `propagate` was not given");
    expect(text).toContain(`${FILE}:2:16`);
    expect(d.help).toBe("did you mean `edge_attr`?");
  });

  it("E319: a node tensor read as an edge tensor, naming both", () => {
    const { d } = errorOf(model("message(x) = x"));
    expect(d.code).toBe("E319");
    expect(d.message).toBe("`x` is f32[N,4], but its use needs a row per edge (E rows)");
    expect(d.help).toMatch(/read it as `x_i` or `x_j`/);
  });

  it("E319: a message that does not return edge rows", () => {
    const { d } = errorOf(model("message(x_j) = sum(x_j)"));
    expect(d.code).toBe("E319");
    expect(d.message).toMatch(/must return a tensor with a row per edge \(E rows\), found f32\[\]/);
  });

  it("E317: an unknown aggregation, with a did-you-mean", () => {
    const { d } = errorOf(model('aggr = "maxx"\n  message(x_j) = x_j'));
    expect(d.code).toBe("E317");
    expect(d.help).toBe('did you mean "max"?');
  });

  it("E112 and E106: an unknown method and a second message", () => {
    expect(errorOf(model("mesage(x_j) = x_j")).d).toMatchObject({ code: "E112", help: "did you mean `message`?" });
    expect(errorOf(model("message(x_j) = x_j\n  message(x_i) = x_i")).d).toMatchObject({ code: "E106", message: "block `B` has more than one `message`" });
  });

  it("E318: an update without a message", () => {
    const { d } = errorOf(model("update(aggr_out) = aggr_out", "x"));
    expect(d).toMatchObject({ code: "E318", message: "`B` defines `update` but no `message`: nothing would call it" });
  });

  it("edge_softmax outside a message needs its graph; propagate's tensors are named", () => {
    expect(errorOf(model("lin = Linear(4, 4)", "edge_softmax(x)")).d.message).toMatch(/call it inside `message`, or give the graph/);
    expect(errorOf(model("message(x_j) = x_j", "propagate(g, x)")).d).toMatchObject({ code: "E404" });
  });
});
