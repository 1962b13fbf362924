import { argBool, argFloat, argInt } from "../signature.js";
import { addBias, applyDropout, applyLinear, EDGE_ATTR_INPUT, flag, GLOROT, linearParams, NODE_AND_GRAPH, withSelfLoops, ZEROS } from "./common.js";
import { attentionHeads, GAT_PARAMS, headsWidth, outputWidth } from "./heads.js";
import { optionalTensorInput, type LayerDef, type LocalParam } from "./layer.js";
import { edgeAttrWithLoops, edgeFeatures, perEdge, propagateMessages } from "./propagation.js";

/**
 * PyG's `GATv2Conv` (Brody et al.): the attention applies its nonlinearity before the dot with a,
 * α_ij = softmax_j(aᵀ LeakyReLU(W_l x_j + W_r x_i [+ W_e e_ij])), out_i = Σ_j α_ij W_l x_j per
 * head, heads concatenated or averaged, plus bias. `share_weights` uses W_l for both ends.
 */
export const GATv2Conv: LayerDef = {
  signature: { name: "GATv2Conv", params: [...GAT_PARAMS, flag("share_weights", false)] },
  inputs: [...NODE_AND_GRAPH, EDGE_ATTR_INPUT],
  params(args) {
    const inC = argInt(args, "in_channels");
    const width = headsWidth(args);
    const ps: LocalParam[] = linearParams("lin_l.", inC, width, argBool(args, "bias"), GLOROT);
    if (!argBool(args, "share_weights")) ps.push(...linearParams("lin_r.", inC, width, argBool(args, "bias"), GLOROT));
    ps.push({ name: "att", shape: [1, argInt(args, "heads"), argInt(args, "out_channels")], init: GLOROT, trainable: true });
    if (args.has("edge_dim")) ps.push(...linearParams("lin_edge.", argInt(args, "edge_dim"), width, false, GLOROT));
    if (argBool(args, "bias")) ps.push({ name: "bias", shape: [outputWidth(args)], init: ZEROS, trainable: true });
    return ps;
  },
  expand(ctx, args, inputs) {
    const { x, g, perHead, merge } = attentionHeads(ctx, args, inputs);
    const bias = argBool(args, "bias");
    const xl = perHead(applyLinear(ctx, x, "lin_l.weight", bias ? "lin_l.bias" : undefined));
    const xr = argBool(args, "share_weights") ? xl : perHead(applyLinear(ctx, x, "lin_r.weight", bias ? "lin_r.bias" : undefined));
    const attr = edgeFeatures(ctx, args, optionalTensorInput(inputs, 2));
    const looped = argBool(args, "add_self_loops") ? (attr ? edgeAttrWithLoops(ctx, g, attr) : { graph: withSelfLoops(ctx, g) }) : { graph: g, attr };
    const graph = looped.graph;
    const out = propagateMessages(ctx, graph, ({ i, j }) => {
      const xj = j(xl);
      let s = ctx.tensor("t.add", [i(xr).id, xj.id]);
      if (looped.attr) s = ctx.tensor("t.add", [s.id, perHead(applyLinear(ctx, looped.attr, "lin_edge.weight")).id]);
      s = ctx.tensor("t.leaky_relu", [s.id], { slope: argFloat(args, "negative_slope") });
      const scores = ctx.tensor("t.sum", [ctx.tensor("t.mul", [s.id, ctx.param("att").id]).id], { axes: [2] });
      const alpha = applyDropout(ctx, ctx.tensor("g.edge_softmax", [graph.id, scores.id]), argFloat(args, "dropout"));
      return ctx.tensor("t.mul", [perEdge(ctx, alpha, xj).id, xj.id]);
    });
    return addBias(ctx, merge(out), bias);
  },
};
