import { describe } from "vitest";
import { itMatchesFiniteDifferences } from "./helpers.js";

/**
 * Gradients of whole compiled models w.r.t. every trainable parameter, checked against central
 * finite differences of the loss (f64 interpreter). Two losses per model: `sum(out * r)` for a
 * fixed random r, and masked cross-entropy.
 */

const WIDTH = 4;

function model(layers: string, forward: string): string {
  return `model Net(in_channels: int = ${WIDTH}) {
${layers}
  forward(x: f32[N, in_channels], g: graph[N]) = ${forward}
}`;
}

const MODELS: Record<string, string> = {
  GCN: model("  conv1 = GCNConv(in_channels, 3)\n  conv2 = GCNConv(3, 2)", "conv2(relu(conv1(x, g)), g)"),
  SAGE: model("  conv1 = SAGEConv(in_channels, 3)\n  conv2 = SAGEConv(3, 2)", "conv2(relu(conv1(x, g)), g)"),
  GAT: model("  conv1 = GATConv(in_channels, 2, heads = 2)\n  conv2 = GATConv(4, 2, heads = 1)", "conv2(elu(conv1(x, g)), g)"),
  GIN: model("  conv = GINConv(Linear(in_channels, 3), train_eps = true)\n  lin = Linear(3, 2)", "lin(relu(conv(x, g)))"),
  SGC: model("  conv = SGConv(in_channels, 3, K = 2)", "conv(x, g)"),
  "BatchNorm/LayerNorm": model(
    "  lin = Linear(in_channels, 3)\n  bn = BatchNorm(3)\n  ln = LayerNorm(3)\n  head = Linear(3, 2)",
    "head(relu(ln(bn(lin(x)))))",
  ),
};

describe("autodiff of compiled models matches finite differences", () => {
  itMatchesFiniteDifferences(MODELS, WIDTH);
});
