import { argBool, argFloat, argInt } from "../signature.js";
import { addBias, applyDropout, EDGE_ATTR_INPUT, GLOROT, NODE_AND_GRAPH, withSelfLoops, ZEROS } from "./common.js";
import { attentionHeads, GAT_PARAMS, headsWidth, outputWidth } from "./heads.js";
import { optionalTensorInput, type LayerDef, type LocalParam } from "./layer.js";
import { edgeAttrWithLoops, edgeFeatures } from "./propagation.js";

/**
 * PyG's `GATConv`: α_ij = softmax_j(LeakyReLU(a_srcᵀ Θx_j + a_dstᵀ Θx_i [+ a_edgeᵀ Θ_e e_ij])) over
 * j ∈ N(i) (∪ {i}), out_i = Σ_j α_ij Θx_j per head, heads concatenated or averaged, plus bias.
 * With `edge_dim`, edge features enter the scores; a self loop's features are the mean of its
 * node's in-edges' (fill_value = "mean").
 */
export const GATConv: LayerDef = {
  signature: { name: "GATConv", params: GAT_PARAMS },
  inputs: [...NODE_AND_GRAPH, EDGE_ATTR_INPUT],
  params(args) {
    const h = argInt(args, "heads");
    const c = argInt(args, "out_channels");
    const ps: LocalParam[] = [
      { name: "lin.weight", shape: [headsWidth(args), argInt(args, "in_channels")], init: GLOROT, trainable: true },
      { name: "att_src", shape: [1, h, c], init: GLOROT, trainable: true },
      { name: "att_dst", shape: [1, h, c], init: GLOROT, trainable: true },
    ];
    if (args.has("edge_dim")) {
      ps.push({ name: "lin_edge.weight", shape: [headsWidth(args), argInt(args, "edge_dim")], init: GLOROT, trainable: true });
      ps.push({ name: "att_edge", shape: [1, h, c], init: GLOROT, trainable: true });
    }
    if (argBool(args, "bias")) ps.push({ name: "bias", shape: [outputWidth(args)], init: ZEROS, trainable: true });
    return ps;
  },
  expand(ctx, args, inputs) {
    const { x, g, perHead, merge } = attentionHeads(ctx, args, inputs);
    const projected = perHead(ctx.tensor("t.matmul", [x.id, ctx.param("lin.weight").id], { transB: true }));
    // Attention logits per node and head: (Θx ⊙ a).sum(-1), for sources and destinations.
    const scoreOf = (rows: typeof projected, att: string) =>
      ctx.tensor("t.sum", [ctx.tensor("t.mul", [rows.id, ctx.param(att).id]).id], { axes: [2] });
    const edgeAttr = edgeFeatures(ctx, args, optionalTensorInput(inputs, 2));
    const looped = argBool(args, "add_self_loops") ? (edgeAttr ? edgeAttrWithLoops(ctx, g, edgeAttr) : { graph: withSelfLoops(ctx, g) }) : { graph: g, attr: edgeAttr };
    const graph = looped.graph;
    let logits = ctx.tensor("g.sddmm", [graph.id, scoreOf(projected, "att_src").id, scoreOf(projected, "att_dst").id], { op: "add" });
    if (looped.attr) {
      const e = perHead(ctx.tensor("t.matmul", [looped.attr.id, ctx.param("lin_edge.weight").id], { transB: true }));
      logits = ctx.tensor("t.add", [logits.id, scoreOf(e, "att_edge").id]);
    }
    const activated = ctx.tensor("t.leaky_relu", [logits.id], { slope: argFloat(args, "negative_slope") });
    const alpha = applyDropout(ctx, ctx.tensor("g.edge_softmax", [graph.id, activated.id]), argFloat(args, "dropout"));
    const out = ctx.tensor("g.spmm", [graph.id, alpha.id, projected.id], { reduce: "sum" });
    return addBias(ctx, merge(out), argBool(args, "bias"));
  },
};
