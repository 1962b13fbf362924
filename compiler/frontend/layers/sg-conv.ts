import { argBool, argInt } from "../signature.js";
import { applyLinear, channels, flag, hops, linearParams, NODE_AND_GRAPH, withSelfLoops } from "./common.js";
import { graphInput, tensorInput, type LayerDef } from "./layer.js";

/** PyG's `SGConv`: out = lin(Âᴷ x) with Â the GCN-normalised adjacency; the K hops are unrolled. */
export const SGConv: LayerDef = {
  signature: {
    name: "SGConv",
    params: [
      channels("in_channels"),
      channels("out_channels"),
      hops(1),
      flag("cached", false),
      flag("add_self_loops", true),
      flag("bias", true),
    ],
  },
  inputs: NODE_AND_GRAPH,
  params(args) {
    return linearParams("lin.", argInt(args, "in_channels"), argInt(args, "out_channels"), argBool(args, "bias"));
  },
  validate(args, fail) {
    if (typeof argInt(args, "K") !== "number") fail("K", "the number of hops `K` of an SGConv must be known at compile time");
  },
  expand(ctx, args, inputs) {
    ctx.expectWidth(0, argInt(args, "in_channels"), "in_channels");
    const g = graphInput(inputs, 1);
    const graph = argBool(args, "add_self_loops") ? withSelfLoops(ctx, g) : g;
    const weights = ctx.tensor("g.gcn_norm", [graph.id]);
    let h = tensorInput(inputs, 0);
    const hops = argInt(args, "K") as number;
    for (let k = 0; k < hops; k++) h = ctx.tensor("g.spmm", [graph.id, weights.id, h.id], { reduce: "sum" });
    return applyLinear(ctx, h, "lin.weight", argBool(args, "bias") ? "lin.bias" : undefined);
  },
};
