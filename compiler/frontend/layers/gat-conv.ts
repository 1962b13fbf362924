import { dimMul } from "../../ir/dims.js";
import { argBool, argFloat, argInt } from "../signature.js";
import { LIMITS } from "../../train/limits.js";
import { int } from "../value.js";
import { str } from "../value.js";
import { addBias, applyDropout, channels, EDGE_ATTR_INPUT, flag, GLOROT, NODE_AND_GRAPH, number, probability, withSelfLoops, ZEROS } from "./common.js";
import { graphInput, optionalTensorInput, tensorInput, type LayerDef, type LocalParam } from "./layer.js";
import { edgeAttrWithLoops, edgeFeatures } from "./propagation.js";

/**
 * PyG's `GATConv`: α_ij = softmax_j(LeakyReLU(a_srcᵀ Θx_j + a_dstᵀ Θx_i [+ a_edgeᵀ Θ_e e_ij])) over
 * j ∈ N(i) (∪ {i}), out_i = Σ_j α_ij Θx_j per head, heads concatenated or averaged, plus bias.
 * With `edge_dim`, edge features enter the scores; a self loop's features are the mean of its
 * node's in-edges' (fill_value = "mean").
 */
export const GATConv: LayerDef = {
  signature: {
    name: "GATConv",
    params: [
      channels("in_channels"),
      channels("out_channels"),
      { name: "heads", kind: "int", default: int(1), min: 1, max: LIMITS.heads.max, boundsHelp: LIMITS.heads.why },
      flag("concat", true),
      number("negative_slope", 0.2),
      probability("dropout", 0.0),
      flag("add_self_loops", true),
      { name: "edge_dim", kind: "int", optional: true, min: 1, max: LIMITS.channels.max, boundsHelp: LIMITS.channels.why },
      { name: "fill_value", kind: "str", default: str("mean"), oneOf: ["mean"] },
      flag("bias", true),
    ],
  },
  inputs: [...NODE_AND_GRAPH, EDGE_ATTR_INPUT],
  params(args) {
    const inC = argInt(args, "in_channels");
    const c = argInt(args, "out_channels");
    const h = argInt(args, "heads");
    const ps: LocalParam[] = [
      { name: "lin.weight", shape: [dimMul(h, c), inC], init: GLOROT, trainable: true },
      { name: "att_src", shape: [1, h, c], init: GLOROT, trainable: true },
      { name: "att_dst", shape: [1, h, c], init: GLOROT, trainable: true },
    ];
    if (args.has("edge_dim")) {
      ps.push({ name: "lin_edge.weight", shape: [dimMul(h, c), argInt(args, "edge_dim")], init: GLOROT, trainable: true });
      ps.push({ name: "att_edge", shape: [1, h, c], init: GLOROT, trainable: true });
    }
    if (argBool(args, "bias")) {
      ps.push({ name: "bias", shape: [argBool(args, "concat") ? dimMul(h, c) : c], init: ZEROS, trainable: true });
    }
    return ps;
  },
  expand(ctx, args, inputs) {
    ctx.expectWidth(0, argInt(args, "in_channels"), "in_channels");
    const x = tensorInput(inputs, 0);
    const g = graphInput(inputs, 1);
    const heads = argInt(args, "heads");
    const c = argInt(args, "out_channels");
    const n = x.type.shape[0];
    const projected = ctx.tensor("t.matmul", [x.id, ctx.param("lin.weight").id], { transB: true });
    const perHead = ctx.tensor("t.reshape", [projected.id], { shape: [n, heads, c] });
    // Attention logits per node and head: (Θx ⊙ a).sum(-1), for sources and destinations.
    const scoreOf = (att: string) =>
      ctx.tensor("t.sum", [ctx.tensor("t.mul", [perHead.id, ctx.param(att).id]).id], { axes: [2] });
    const alphaSrc = scoreOf("att_src");
    const alphaDst = scoreOf("att_dst");
    const edgeAttr = edgeFeatures(ctx, args, optionalTensorInput(inputs, 2));
    const looped = argBool(args, "add_self_loops") ? (edgeAttr ? edgeAttrWithLoops(ctx, g, edgeAttr) : { graph: withSelfLoops(ctx, g) }) : { graph: g, attr: edgeAttr };
    const graph = looped.graph;
    let logits = ctx.tensor("g.sddmm", [graph.id, alphaSrc.id, alphaDst.id], { op: "add" });
    if (looped.attr) {
      const e = ctx.tensor("t.matmul", [looped.attr.id, ctx.param("lin_edge.weight").id], { transB: true });
      const perHeadEdge = ctx.tensor("t.reshape", [e.id], { shape: [graph.type.edges, heads, c] });
      const alphaEdge = ctx.tensor("t.sum", [ctx.tensor("t.mul", [perHeadEdge.id, ctx.param("att_edge").id]).id], { axes: [2] });
      logits = ctx.tensor("t.add", [logits.id, alphaEdge.id]);
    }
    const activated = ctx.tensor("t.leaky_relu", [logits.id], { slope: argFloat(args, "negative_slope") });
    const alpha = applyDropout(ctx, ctx.tensor("g.edge_softmax", [graph.id, activated.id]), argFloat(args, "dropout"));
    const out = ctx.tensor("g.spmm", [graph.id, alpha.id, perHead.id], { reduce: "sum" });
    const concat = argBool(args, "concat");
    const merged = concat
      ? ctx.tensor("t.reshape", [out.id], { shape: [n, dimMul(heads, c)] })
      : ctx.tensor("t.mean", [out.id], { axes: [1] });
    return addBias(ctx, merged, argBool(args, "bias"));
  },
};
