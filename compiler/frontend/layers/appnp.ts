import { argBool, argFloat, argInt } from "../signature.js";
import { applyDropout, EDGE_WEIGHT_INPUT, flag, hops, NODE_AND_GRAPH, probability } from "./common.js";
import { graphInput, optionalTensorInput, tensorInput, type LayerDef } from "./layer.js";
import { gcnNormalization } from "./propagation.js";

/**
 * PyG's `APPNP(K, alpha)`: personalised-PageRank propagation, x⁰ = x,
 * xᵏ = (1 − α) Â xᵏ⁻¹ + α x⁰ for k = 1…K, with Â the GCN-normalised adjacency (edge weights
 * dropped out with probability `dropout` in training, afresh each hop). No parameters; the K
 * hops are unrolled.
 */
export const APPNP: LayerDef = {
  signature: {
    name: "APPNP",
    params: [
      // K and alpha have no defaults in PyG either.
      { ...hops(0), default: undefined },
      { name: "alpha", kind: "float", min: 0, max: 1 },
      probability("dropout", 0.0),
      flag("cached", false),
      flag("add_self_loops", true),
      flag("normalize", true),
    ],
  },
  inputs: [...NODE_AND_GRAPH, EDGE_WEIGHT_INPUT],
  params: () => [],
  validate(args, fail) {
    if (typeof argInt(args, "K") !== "number") fail("K", "the number of hops `K` of APPNP must be known at compile time");
  },
  expand(ctx, args, inputs) {
    const x0 = tensorInput(inputs, 0);
    const g = graphInput(inputs, 1);
    const edgeWeight = optionalTensorInput(inputs, 2);
    const { graph, weights } = argBool(args, "normalize")
      ? gcnNormalization(ctx, g, { improved: false, addSelfLoops: argBool(args, "add_self_loops"), edgeWeight })
      : { graph: g, weights: edgeWeight };
    const alpha = argFloat(args, "alpha");
    const teleport = ctx.tensor("t.mul", [x0.id, ctx.constant(alpha).id]);
    let h = x0;
    for (let k = 0; k < (argInt(args, "K") as number); k++) {
      const w = weights && applyDropout(ctx, weights, argFloat(args, "dropout"));
      const propagated = ctx.tensor("g.spmm", w ? [graph.id, w.id, h.id] : [graph.id, h.id], { reduce: "sum" });
      h = ctx.tensor("t.add", [ctx.tensor("t.mul", [propagated.id, ctx.constant(1 - alpha).id]).id, teleport.id]);
    }
    return h;
  },
};
