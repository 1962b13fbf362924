import { describe } from "vitest";
import { runPipeline } from "../../compiler/passes/index.js";
import { EDGE_DIM, itMatchesFiniteDifferences } from "./helpers.js";

/**
 * Gradients of the PyG layers (and message passing written in the language) w.r.t. every
 * trainable parameter against central finite differences (f64 interpreter), for the module as
 * the frontend writes it and after fuse-message (the SpMM/SDDMM form training compiles).
 */

const WIDTH = 4;

function model(layers: string, forward: string, inputs = ""): string {
  return `model Net(in_channels: int = ${WIDTH}) {
${layers}
  forward(x: f32[N, in_channels], g: graph[N]${inputs}) = ${forward}
}`;
}

const EDGE_WEIGHT = ", edge_weight: f32[E]";
const EDGE_ATTR = `, edge_attr: f32[E, ${EDGE_DIM}]`;

const MODELS: Record<string, string> = {
  "GCNConv with edge_weight": model("  conv = GCNConv(in_channels, 2)", "conv(x, g, edge_weight)", EDGE_WEIGHT),
  "GATConv with edge_dim": model(`  conv = GATConv(in_channels, 2, heads = 2, edge_dim = ${EDGE_DIM})`, "conv(x, g, edge_attr)", EDGE_ATTR),
  APPNP: model("  lin = Linear(in_channels, 2)\n  prop = APPNP(K = 2, alpha = 0.2)", "prop(lin(x), g, edge_weight)", EDGE_WEIGHT),
  "JumpingKnowledge (cat and max)": model(
    "  a = GCNConv(in_channels, 3)\n  b = GCNConv(3, 3)\n  cat = JumpingKnowledge(\"cat\")\n  mx = JumpingKnowledge(\"max\")\n  head = Linear(9, 2)",
    "head(cat([a(x, g), b(a(x, g), g), mx([a(x, g), b(a(x, g), g)])]))",
  ),
  GraphConv: model("  conv = GraphConv(in_channels, 2, aggr = \"mean\")", "conv(x, g, edge_weight)", EDGE_WEIGHT),
  ChebConv: model("  conv = ChebConv(in_channels, 2, K = 3)", "conv(x, g)"),
  GATv2Conv: model(`  conv = GATv2Conv(in_channels, 2, heads = 2, edge_dim = ${EDGE_DIM})`, "conv(x, g, edge_attr)", EDGE_ATTR),
  "GCN2Conv (unshared weights)": model("  lin = Linear(in_channels, 3)\n  conv = GCN2Conv(3, alpha = 0.1, theta = 0.5, layer = 3, shared_weights = false)\n  head = Linear(3, 2)", "head(conv(lin(x), lin(x), g))"),
  "TransformerConv with beta and edge_dim": model(`  conv = TransformerConv(in_channels, 2, heads = 2, beta = true, edge_dim = ${EDGE_DIM})`, "conv(x, g, edge_attr)", EDGE_ATTR),
  "GINEConv with train_eps": model(`  conv = GINEConv(Linear(in_channels, 2), train_eps = true, edge_dim = ${EDGE_DIM})`, "conv(x, g, edge_attr)", EDGE_ATTR),
  EdgeConv: model("  conv = EdgeConv(MLP([2 * in_channels, 3, 2]))", "conv(x, g)"),
  Sequential: model('  seq = Sequential("x, edge_index", [[GraphConv(in_channels, 3), "x, edge_index -> x"], ReLU(), Linear(3, 2)])', "seq(x, g)"),
};

const GRAPH_LEVEL: Record<string, string> = {
  "GIN with global_add_pool and global_max_pool": model(
    "  conv = GINConv(Linear(in_channels, 3))\n  head = Linear(6, 2)",
    "head(concat([global_add_pool(relu(conv(x, g)), batch, size = 3), global_max_pool(relu(conv(x, g)), batch, size = 3)]))",
    ", batch: i32[N]",
  ),
};

/** A message written in the language: GAT-style attention with edge features, then mean aggregation. */
const USER_MESSAGE = `block Att(in_channels: int, out_channels: int) {
  lin = Linear(in_channels, out_channels, bias = false)
  lin_e = Linear(${EDGE_DIM}, 1)
  att = Parameter([1, out_channels])
  aggr = "mean"
  message(x_i, x_j, e) = unsqueeze(edge_softmax(tanh(sum(x_i * att, dim = -1) + sum(x_j * att, dim = -1) + sum(lin_e(e), dim = -1))), -1) * x_j
  update(aggr_out, x) = aggr_out + x
  forward(x, g, e) = propagate(g, x = lin(x), e = e)
}
${model("  conv = Att(in_channels, 2)", "conv(x, g, edge_attr)", EDGE_ATTR)}`;

const fused = (m: Parameters<typeof runPipeline>[0]) => runPipeline(m, "fuse-message,cse,dce").module;

describe("autodiff of the PyG layers matches finite differences", () => {
  itMatchesFiniteDifferences({ ...MODELS, ...GRAPH_LEVEL, "message passing written in the language": USER_MESSAGE }, WIDTH);
});

describe("… and after fuse-message (the fused SpMM/SDDMM form training uses)", () => {
  itMatchesFiniteDifferences({ ...MODELS, "message passing written in the language": USER_MESSAGE }, WIDTH, fused);
});
