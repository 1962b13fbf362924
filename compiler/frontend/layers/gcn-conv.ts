import { argBool, argInt } from "../signature.js";
import { addBias, channels, EDGE_WEIGHT_INPUT, flag, GLOROT, NODE_AND_GRAPH, ZEROS } from "./common.js";
import { graphInput, optionalTensorInput, tensorInput, type LayerDef } from "./layer.js";
import { gcnNormalization } from "./propagation.js";

/**
 * PyG's `GCNConv`: out = D̃^-½ Ã D̃^-½ (x Wᵀ) + b with Ã = A + I (weighted by `edge_weight` when
 * given). Expands to add_self_loops → gcn_norm → matmul → weighted spmm → bias.
 */
export const GCNConv: LayerDef = {
  signature: {
    name: "GCNConv",
    params: [
      channels("in_channels"),
      channels("out_channels"),
      flag("improved", false),
      // A caching hint in PyG; CSE shares the normalisation between layers here.
      flag("cached", false),
      flag("add_self_loops", true),
      flag("normalize", true),
      flag("bias", true),
    ],
  },
  inputs: [...NODE_AND_GRAPH, EDGE_WEIGHT_INPUT],
  params(args) {
    const inC = argInt(args, "in_channels");
    const outC = argInt(args, "out_channels");
    const ps = [{ name: "lin.weight", shape: [outC, inC], init: GLOROT, trainable: true }];
    if (argBool(args, "bias")) ps.push({ name: "bias", shape: [outC], init: ZEROS, trainable: true });
    return ps;
  },
  expand(ctx, args, inputs) {
    ctx.expectWidth(0, argInt(args, "in_channels"), "in_channels");
    const x = tensorInput(inputs, 0);
    const g = graphInput(inputs, 1);
    const edgeWeight = optionalTensorInput(inputs, 2);
    const h = ctx.tensor("t.matmul", [x.id, ctx.param("lin.weight").id], { transB: true });
    let out;
    if (argBool(args, "normalize")) {
      // PyG adds self loops only as part of the normalisation.
      const norm = gcnNormalization(ctx, g, { improved: argBool(args, "improved"), addSelfLoops: argBool(args, "add_self_loops"), edgeWeight });
      out = ctx.tensor("g.spmm", [norm.graph.id, norm.weights.id, h.id], { reduce: "sum" });
    } else {
      out = ctx.tensor("g.spmm", edgeWeight ? [g.id, edgeWeight.id, h.id] : [g.id, h.id], { reduce: "sum" });
    }
    return addBias(ctx, out, argBool(args, "bias"));
  },
};
