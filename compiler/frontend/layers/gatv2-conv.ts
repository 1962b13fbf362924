import { dimMul } from "../../ir/dims.js";
import { LIMITS } from "../../train/limits.js";
import { argBool, argFloat, argInt } from "../signature.js";
import { int, str, type TensorValue } from "../value.js";
import { addBias, applyDropout, applyLinear, channels, EDGE_ATTR_INPUT, flag, GLOROT, linearParams, NODE_AND_GRAPH, number, probability, withSelfLoops, ZEROS } from "./common.js";
import { graphInput, optionalTensorInput, tensorInput, type LayerDef, type LocalParam } from "./layer.js";
import { edgeAttrWithLoops, edgeFeatures, perEdge, propagateMessages } from "./propagation.js";

/**
 * PyG's `GATv2Conv` (Brody et al.): the attention applies its nonlinearity before the dot with a,
 * α_ij = softmax_j(aᵀ LeakyReLU(W_l x_j + W_r x_i [+ W_e e_ij])), out_i = Σ_j α_ij W_l x_j per
 * head, heads concatenated or averaged, plus bias. `share_weights` uses W_l for both ends.
 */
export const GATv2Conv: LayerDef = {
  signature: {
    name: "GATv2Conv",
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
      flag("share_weights", false),
    ],
  },
  inputs: [...NODE_AND_GRAPH, EDGE_ATTR_INPUT],
  params(args) {
    const inC = argInt(args, "in_channels");
    const width = dimMul(argInt(args, "heads"), argInt(args, "out_channels"));
    const ps: LocalParam[] = linearParams("lin_l.", inC, width, argBool(args, "bias"), GLOROT);
    if (!argBool(args, "share_weights")) ps.push(...linearParams("lin_r.", inC, width, argBool(args, "bias"), GLOROT));
    ps.push({ name: "att", shape: [1, argInt(args, "heads"), argInt(args, "out_channels")], init: GLOROT, trainable: true });
    if (args.has("edge_dim")) ps.push(...linearParams("lin_edge.", argInt(args, "edge_dim"), width, false, GLOROT));
    if (argBool(args, "bias")) ps.push({ name: "bias", shape: [argBool(args, "concat") ? width : argInt(args, "out_channels")], init: ZEROS, trainable: true });
    return ps;
  },
  expand(ctx, args, inputs) {
    ctx.expectWidth(0, argInt(args, "in_channels"), "in_channels");
    const x = tensorInput(inputs, 0);
    const g = graphInput(inputs, 1);
    const heads = argInt(args, "heads");
    const c = argInt(args, "out_channels");
    const bias = argBool(args, "bias");
    const perHead = (t: TensorValue) => ctx.tensor("t.reshape", [t.id], { shape: [t.type.shape[0], heads, c] });
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
    const n = x.type.shape[0];
    const merged = argBool(args, "concat") ? ctx.tensor("t.reshape", [out.id], { shape: [n, dimMul(heads, c)] }) : ctx.tensor("t.mean", [out.id], { axes: [1] });
    return addBias(ctx, merged, bias);
  },
};
