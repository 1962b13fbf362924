import { describe, expect, it } from "vitest";
import type { Module } from "../../compiler/ir/types.js";
import type { TensorValue, Value } from "../../compiler/ir/values.js";
import { runPipeline } from "../../compiler/passes/index.js";
import { initParams, runFunc } from "../../runtime/reference/index.js";
import { compileModule, funcOf, graph, N } from "../autodiff/helpers.js";
import { expectAllClose } from "../support/allclose.js";
import { random } from "../support/tensors.js";

/**
 * The layers PyG users reach for, each against a dense computation of its formula in PyG's
 * conventions (edge j → i, self loops added where PyG adds them), through the reference
 * interpreter, on a 5-node graph with an isolated node, edge weights and edge features. Each is
 * checked as written and after fuse-message (what training compiles).
 */

type M = number[][];
const F = 3;
const D = 2;
const E = graph.numEdges;
/** Edges (j → i) by id, in the graph's order (the order of edge_weight and edge_attr). */
const EDGES = Array.from(graph.src, (s, e) => [s, graph.dst[e]] as const);

function values(rows: number, cols: number, seed: number): M {
  const next = random(seed);
  return Array.from({ length: rows }, () => Array.from({ length: cols }, () => 2 * next() - 1));
}
const X = values(N, F, 1);
const W_EDGE = values(E, 1, 2).map((r) => 0.5 + Math.abs(r[0]));
const ATTR = values(E, D, 3);

const tensor = (m: M): TensorValue => ({ kind: "tensor", dtype: "f32", shape: [m.length, m[0].length], data: Float32Array.from(m.flat()) });
const rows = (t: TensorValue, cols = t.shape[t.shape.length - 1]): M => Array.from({ length: t.data.length / cols }, (_, i) => Array.from(t.data.subarray(i * cols, (i + 1) * cols)));
const mm = (a: M, w: M) => a.map((r) => w.map((wr) => wr.reduce((s, v, k) => s + v * r[k], 0))); // a Wᵀ, W stored [out, in]
const mmPlain = (a: M, w: M) => a.map((r) => w[0].map((_, c) => r.reduce((s, v, k) => s + v * w[k][c], 0))); // a W
const add = (a: M, b: M) => a.map((r, i) => r.map((v, j) => v + b[i][j]));
const scale = (a: M, k: number) => a.map((r) => r.map((v) => v * k));
const addRow = (a: M, b: ArrayLike<number>) => a.map((r) => r.map((v, j) => v + b[j]));
const relu = (v: number) => Math.max(0, v);
const leaky = (v: number, s = 0.2) => (v > 0 ? v : s * v);
const softmax = (xs: number[]) => {
  const top = Math.max(...xs);
  const ex = xs.map((v) => Math.exp(v - top));
  const z = ex.reduce((s, v) => s + v, 0);
  return ex.map((v) => v / z);
};
/** In-edges of node i: [edge id, source]. */
const into = (i: number) => EDGES.flatMap(([s, d], e) => (d === i ? [[e, s] as const] : []));

/** Parameters of `m` with every value nudged off its initialisation (biases would be 0). */
function paramsOf(m: Module): Record<string, TensorValue> {
  const next = random(11);
  const out: Record<string, TensorValue> = {};
  for (const [k, p] of Object.entries(initParams(m, 5))) out[k] = { ...p, data: p.data.map((v) => v + 0.4 * next() - 0.2) as Float32Array };
  return out;
}

/** Compile a one-layer model whose forward is `forward`, run `predict` as written and fused; both results. */
function run(members: string, forward: string, extraInputs = "", inputs: Record<string, Value> = {}) {
  const m = compileModule(`model Net(in_channels: int = ${F}) {
${members}
  forward(x: f32[N, in_channels], g: graph[N]${extraInputs}) = ${forward}
}`);
  const params = paramsOf(m);
  const env = { inputs: { x: tensor(X), graph, rng: { kind: "rng", key: [1, 2] } as Value, ...inputs }, params };
  const fused = runPipeline(m, "fuse-message,cse,dce").module;
  const out = (mod: Module) => runFunc(funcOf(mod, "predict"), env)[0] as TensorValue;
  const p = (name: string) => rows(params[name]);
  const vec = (name: string) => Array.from(params[name].data);
  return { plain: out(m), fused: out(fused), p, vec };
}

function expectFormula(r: ReturnType<typeof run>, expected: M): void {
  const cols = expected[0].length;
  expectAllClose(rows(r.plain, cols).flat(), expected.flat(), { atol: 2e-5, rtol: 1e-4 });
  expectAllClose(rows(r.fused, cols).flat(), expected.flat(), { atol: 2e-5, rtol: 1e-4 });
}

const EDGE_WEIGHT: Record<string, Value> = { edge_weight: { kind: "tensor", dtype: "f32", shape: [E], data: Float32Array.from(W_EDGE) } };
const EDGE_ATTR: Record<string, Value> = { edge_attr: tensor(ATTR) };

/** D̃^-½ Ã D̃^-½ h with Ã = A (weighted) + I (loop weight `fill`), as PyG's gcn_norm. */
function gcnPropagate(h: M, weights?: number[], fill = 1): M {
  const w = (e: number) => weights?.[e] ?? 1;
  const deg = Array.from({ length: N }, (_, i) => into(i).reduce((s, [e]) => s + w(e), fill));
  return h.map((_, i) => h[0].map((__, c) => into(i).reduce((s, [e, j]) => s + (w(e) * h[j][c]) / Math.sqrt(deg[i] * deg[j]), (fill * h[i][c]) / deg[i])));
}

describe("GCNConv and GATConv with edge data", () => {
  it("GCNConv(x, g, edge_weight): weighted D̃^-½ÃD̃^-½ x Wᵀ + b (self loops weigh 1, 2 when improved)", () => {
    for (const improved of [false, true]) {
      const r = run(`  conv = GCNConv(in_channels, 2, improved = ${improved})`, "conv(x, g, edge_weight)", ", edge_weight: f32[E]", EDGE_WEIGHT);
      expectFormula(r, addRow(gcnPropagate(mm(X, r.p("conv.lin.weight")), W_EDGE, improved ? 2 : 1), r.vec("conv.bias")));
    }
  });

  it("GATConv(edge_dim = D): scores a_srcᵀΘx_j + a_dstᵀΘx_i + a_edgeᵀΘ_e e_ij, loops with the mean in-edge features", () => {
    const r = run(`  conv = GATConv(in_channels, 2, edge_dim = ${D})`, "conv(x, g, edge_attr)", `, edge_attr: f32[E, ${D}]`, EDGE_ATTR);
    const h = mm(X, r.p("conv.lin.weight"));
    const e = mm(ATTR, r.p("conv.lin_edge.weight"));
    const dot = (a: number[], b: number[]) => a.reduce((s, v, k) => s + v * b[k], 0);
    const [as, ad, ae] = ["att_src", "att_dst", "att_edge"].map((n) => r.vec(`conv.${n}`));
    const out = X.map((_, i) => {
      const ins = into(i);
      const loopAttr = ins.length ? ATTR[0].map((_, c) => ins.reduce((s, [eid]) => s + ATTR[eid][c], 0) / ins.length) : ATTR[0].map(() => 0);
      const loopE = mm([loopAttr], r.p("conv.lin_edge.weight"))[0];
      const srcs = [...ins.map(([, j]) => j), i];
      const edgeRows = [...ins.map(([eid]) => e[eid]), loopE];
      const alpha = softmax(srcs.map((j, k) => leaky(dot(as, h[j]) + dot(ad, h[i]) + dot(ae, edgeRows[k]))));
      return h[0].map((__, c) => srcs.reduce((s, j, k) => s + alpha[k] * h[j][c], 0));
    });
    expectFormula(r, addRow(out, r.vec("conv.bias")));
  });
});

describe("propagation layers", () => {
  it("APPNP: xᵏ = (1 − α)Âxᵏ⁻¹ + αx⁰, K = 3 (no parameters)", () => {
    const r = run("  prop = APPNP(K = 3, alpha = 0.1)", "prop(x, g)");
    let h = X;
    for (let k = 0; k < 3; k++) h = add(scale(gcnPropagate(h), 0.9), scale(X, 0.1));
    expectFormula(r, h);
  });

  it("GCN2Conv: (1 − β)x̃ + βx̃W₁ with x̃ = (1 − α)Âx + αx⁰, β = log(θ/layer + 1); unshared weights", () => {
    const x0 = values(N, F, 7);
    const x0Input = { x_0: tensor(x0) };
    const beta = Math.log(0.5 / 2 + 1);
    const shared = run("  conv = GCN2Conv(in_channels, alpha = 0.1, theta = 0.5, layer = 2)", "conv(x, x_0, g)", `, x_0: f32[N, ${F}]`, x0Input);
    const tilde = add(scale(gcnPropagate(X), 0.9), scale(x0, 0.1));
    expectFormula(shared, add(scale(tilde, 1 - beta), scale(mmPlain(tilde, shared.p("conv.weight1")), beta)));
    const apart = run("  conv = GCN2Conv(in_channels, alpha = 0.1, theta = 0.5, layer = 2, shared_weights = false)", "conv(x, x_0, g)", `, x_0: f32[N, ${F}]`, x0Input);
    const h = scale(gcnPropagate(X), 0.9);
    const h0 = scale(x0, 0.1);
    const mix = (v: M, w: M) => add(scale(v, 1 - beta), scale(mmPlain(v, w), beta));
    expectFormula(apart, add(mix(h, apart.p("conv.weight1")), mix(h0, apart.p("conv.weight2"))));
  });

  it("GCN2Conv in repeat(3): the stack's iteration numbers the layers 1, 2, 3", () => {
    const src = `block Deep(c: int) {
  conv = GCN2Conv(c, alpha = 0.2, theta = 1.5)
  forward(h, x0, g) = conv(h, x0, g)
}`;
    const m = compileModule(`${src}
model Net(in_channels: int = ${F}) {
  stack = repeat(3) Deep(in_channels)
  forward(x: f32[N, in_channels], g: graph[N]) = stack(x, x, g)
}`);
    const params = paramsOf(m);
    const out = runFunc(funcOf(m, "predict"), { inputs: { x: tensor(X), graph }, params })[0] as TensorValue;
    const w = params["stack.conv.weight1"];
    let h = X;
    for (let l = 1; l <= 3; l++) {
      const beta = Math.log(1.5 / l + 1);
      const wl = rows({ ...w, shape: [F, F], data: w.data.subarray((l - 1) * F * F, l * F * F) });
      const tilde = add(scale(gcnPropagate(h), 0.8), scale(X, 0.2));
      h = add(scale(tilde, 1 - beta), scale(mmPlain(tilde, wl), beta));
    }
    expectAllClose(rows(out).flat(), h.flat(), { atol: 2e-5, rtol: 1e-4 });
  });

  it("ChebConv(K = 3): lin₀(x) + lin₁(L̂x) + lin₂(2L̂²x − x) + b, L̂ = −D^-½AD^-½", () => {
    const r = run("  conv = ChebConv(in_channels, 2, K = 3)", "conv(x, g)");
    const deg = Array.from({ length: N }, (_, i) => into(i).length);
    const lhat = (h: M) => h.map((_, i) => h[0].map((__, c) => into(i).reduce((s, [, j]) => s - h[j][c] / Math.sqrt(deg[i] * deg[j]), 0)));
    const t1 = lhat(X);
    const t2 = add(scale(lhat(t1), 2), scale(X, -1));
    const out = [X, t1, t2].map((t, k) => mm(t, r.p(`conv.lins.${k}.weight`))).reduce(add);
    expectFormula(r, addRow(out, r.vec("conv.bias")));
  });

  it("GraphConv: lin_rel(Σ_j w_ji x_j) + lin_root(x_i), and with aggr = \"mean\"", () => {
    const r = run("  conv = GraphConv(in_channels, 2)", "conv(x, g, edge_weight)", ", edge_weight: f32[E]", EDGE_WEIGHT);
    const agg = X.map((_, i) => X[0].map((__, c) => into(i).reduce((s, [e, j]) => s + W_EDGE[e] * X[j][c], 0)));
    expectFormula(r, add(addRow(mm(agg, r.p("conv.lin_rel.weight")), r.vec("conv.lin_rel.bias")), mm(X, r.p("conv.lin_root.weight"))));
    const mean = run('  conv = GraphConv(in_channels, 2, aggr = "mean")', "conv(x, g)");
    const avg = X.map((_, i) => X[0].map((__, c) => (into(i).length ? into(i).reduce((s, [, j]) => s + X[j][c], 0) / into(i).length : 0)));
    expectFormula(mean, add(addRow(mm(avg, mean.p("conv.lin_rel.weight")), mean.vec("conv.lin_rel.bias")), mm(X, mean.p("conv.lin_root.weight"))));
  });
});

describe("attention layers", () => {
  it("GATv2Conv (2 heads, edge features): aᵀLeakyReLU(W_l x_j + W_r x_i + W_e e_ij), heads concatenated", () => {
    const r = run(`  conv = GATv2Conv(in_channels, 2, heads = 2, edge_dim = ${D}, add_self_loops = false)`, "conv(x, g, edge_attr)", `, edge_attr: f32[E, ${D}]`, EDGE_ATTR);
    const xl = addRow(mm(X, r.p("conv.lin_l.weight")), r.vec("conv.lin_l.bias"));
    const xr = addRow(mm(X, r.p("conv.lin_r.weight")), r.vec("conv.lin_r.bias"));
    const e = mm(ATTR, r.p("conv.lin_edge.weight"));
    const att = r.vec("conv.att");
    const out = X.map((_, i) => {
      const ins = into(i);
      return [0, 1].flatMap((hd) => {
        const cols = [2 * hd, 2 * hd + 1];
        const alpha = softmax(ins.map(([eid, j]) => cols.reduce((s, c, k) => s + att[2 * hd + k] * leaky(xl[j][c] + xr[i][c] + e[eid][c]), 0)));
        return cols.map((c) => ins.reduce((s, [, j], k) => s + alpha[k] * xl[j][c], 0));
      });
    });
    expectFormula(r, addRow(out, r.vec("conv.bias")));
  });

  it("TransformerConv (2 heads, edge features, root weight): softmax(q_iᵀ(k_j + e_ij)/√C)(v_j + e_ij) + W_s x_i", () => {
    const r = run(`  conv = TransformerConv(in_channels, 2, heads = 2, edge_dim = ${D})`, "conv(x, g, edge_attr)", `, edge_attr: f32[E, ${D}]`, EDGE_ATTR);
    const lin = (n: string, v: M = X) => addRow(mm(v, r.p(`conv.lin_${n}.weight`)), r.vec(`conv.lin_${n}.bias`));
    const [q, k, v] = [lin("query"), lin("key"), lin("value")];
    const e = mm(ATTR, r.p("conv.lin_edge.weight"));
    const out = X.map((_, i) => {
      const ins = into(i);
      return [0, 1].flatMap((hd) => {
        const cols = [2 * hd, 2 * hd + 1];
        const alpha = softmax(ins.map(([eid, j]) => cols.reduce((s, c) => s + q[i][c] * (k[j][c] + e[eid][c]), 0) / Math.sqrt(2)));
        return cols.map((c) => ins.reduce((s, [eid, j], n) => s + alpha[n] * (v[j][c] + e[eid][c]), 0));
      });
    });
    expectFormula(r, add(out, lin("skip")));
  });

  it("TransformerConv with beta gates the root term: β = σ(w_βᵀ[out, r, out − r])", () => {
    const r = run("  conv = TransformerConv(in_channels, 2, beta = true)", "conv(x, g)");
    const lin = (n: string) => addRow(mm(X, r.p(`conv.lin_${n}.weight`)), r.vec(`conv.lin_${n}.bias`));
    const [q, k, v, root] = [lin("query"), lin("key"), lin("value"), lin("skip")];
    const wb = r.vec("conv.lin_beta.weight");
    const out = X.map((_, i) => {
      const ins = into(i);
      const alpha = softmax(ins.map(([, j]) => (q[i][0] * k[j][0] + q[i][1] * k[j][1]) / Math.sqrt(2)));
      const o = [0, 1].map((c) => ins.reduce((s, [, j], n) => s + alpha[n] * v[j][c], 0));
      const gateIn = [...o, ...root[i], ...o.map((val, c) => val - root[i][c])];
      const beta = 1 / (1 + Math.exp(-gateIn.reduce((s, val, c) => s + val * wb[c], 0)));
      return o.map((val, c) => beta * root[i][c] + (1 - beta) * val);
    });
    expectFormula(r, out);
  });
});

describe("edge-function layers, JumpingKnowledge, Sequential and pooling", () => {
  it("GINEConv(edge_dim): nn((1 + ε)x_i + Σ_j ReLU(x_j + lin(e_ji)))", () => {
    const r = run(`  conv = GINEConv(Linear(in_channels, 2), eps = 0.3, edge_dim = ${D})`, "conv(x, g, edge_attr)", `, edge_attr: f32[E, ${D}]`, EDGE_ATTR);
    const e = addRow(mm(ATTR, r.p("conv.lin.weight")), r.vec("conv.lin.bias"));
    const combined = X.map((row, i) => row.map((val, c) => 1.3 * val + into(i).reduce((s, [eid, j]) => s + relu(X[j][c] + e[eid][c]), 0)));
    expectFormula(r, addRow(mm(combined, r.p("conv.nn.weight")), r.vec("conv.nn.bias")));
  });

  it("EdgeConv: max_j nn([x_i, x_j − x_i]) (0 for a node without in-edges)", () => {
    const r = run("  conv = EdgeConv(Linear(2 * in_channels, 2))", "conv(x, g)");
    const w = r.p("conv.nn.weight");
    const b = r.vec("conv.nn.bias");
    const out = X.map((xi, i) => {
      const msgs = into(i).map(([, j]) => addRow(mm([[...xi, ...X[j].map((v, c) => v - xi[c])]], w), b)[0]);
      return [0, 1].map((c) => (msgs.length ? Math.max(...msgs.map((m) => m[c])) : 0));
    });
    expectFormula(r, out);
  });

  it("JumpingKnowledge: cat concatenates the layers' outputs, max takes their elementwise maximum", () => {
    const lins = "  a = Linear(in_channels, 2)\n  b = Linear(in_channels, 2)";
    const cat = run(`${lins}\n  jk = JumpingKnowledge("cat")`, "jk([a(x), b(x)])");
    const [ha, hb] = ["a", "b"].map((n) => addRow(mm(X, cat.p(`${n}.weight`)), cat.vec(`${n}.bias`)));
    expectFormula(cat, ha.map((r, i) => [...r, ...hb[i]]));
    const max = run(`${lins}\n  jk = JumpingKnowledge("max")`, "jk([a(x), b(x)])");
    const [ma, mb] = ["a", "b"].map((n) => addRow(mm(X, max.p(`${n}.weight`)), max.vec(`${n}.bias`)));
    expectFormula(max, ma.map((r, i) => r.map((v, c) => Math.max(v, mb[i][c]))));
  });

  it("Sequential: each entry reads and writes named values; an entry without a header takes the one before's", () => {
    const r = run('  seq = Sequential("x, edge_index", [[GraphConv(in_channels, 2), "x, edge_index -> x"], ReLU(inplace = true), Linear(2, 2)])', "seq(x, g)");
    const agg = X.map((_, i) => X[0].map((__, c) => into(i).reduce((s, [, j]) => s + X[j][c], 0)));
    const conv = add(addRow(mm(agg, r.p("seq.module_0.lin_rel.weight")), r.vec("seq.module_0.lin_rel.bias")), mm(X, r.p("seq.module_0.lin_root.weight")));
    expectFormula(r, addRow(mm(conv.map((row) => row.map(relu)), r.p("seq.module_2.weight")), r.vec("seq.module_2.bias")));
  });

  it("global_add/mean/max_pool: one row per graph of the batch vector (a graph without nodes pools to 0)", () => {
    const batch: Value = { kind: "tensor", dtype: "i32", shape: [N], data: Int32Array.of(0, 0, 1, 1, 3) };
    const groups = [[0, 1], [2, 3], [], [4]];
    const pools: Record<string, (v: number[]) => number> = {
      global_add_pool: (v) => v.reduce((s, x) => s + x, 0),
      global_mean_pool: (v) => (v.length ? v.reduce((s, x) => s + x, 0) / v.length : 0),
      global_max_pool: (v) => (v.length ? Math.max(...v) : 0),
    };
    for (const [fn, f] of Object.entries(pools)) {
      const r = run("", `${fn}(x, batch, size = 4)`, ", batch: i32[N]", { batch });
      expectFormula(r, groups.map((nodes) => X[0].map((_, c) => f(nodes.map((i) => X[i][c])))));
    }
  });
});
