import { dimMul } from "../../ir/dims.js";
import { argBool, argFloat, argInt, type BoundArgs } from "../signature.js";
import type { TensorValue } from "../value.js";
import { applyDropout, applyLinear, channels, EDGE_ATTR_INPUT, flag, linearParams, NODE_AND_GRAPH, probability } from "./common.js";
import { attentionHeads, EDGE_DIM, HEADS, headsWidth, outputWidth } from "./heads.js";
import { optionalTensorInput, type LayerContext, type LayerDef, type LocalParam } from "./layer.js";
import { edgeFeatures, perEdge, propagateMessages } from "./propagation.js";

/**
 * PyG's `TransformerConv` (Shi et al.): per head, α_ij = softmax_j((W_q x_i)ᵀ(W_k x_j + W_e e_ij) / √C),
 * out_i = Σ_j α_ij (W_v x_j + W_e e_ij); heads concatenated or averaged; then the root term
 * W_s x_i added, or with `beta` gated: β = σ(w_βᵀ[out, W_s x, out − W_s x]), out = β W_s x + (1 − β) out.
 */
export const TransformerConv: LayerDef = {
  signature: {
    name: "TransformerConv",
    params: [
      channels("in_channels"),
      channels("out_channels"),
      HEADS,
      flag("concat", true),
      flag("beta", false),
      probability("dropout", 0.0),
      EDGE_DIM,
      flag("bias", true),
      flag("root_weight", true),
    ],
  },
  inputs: [...NODE_AND_GRAPH, EDGE_ATTR_INPUT],
  params(args) {
    const inC = argInt(args, "in_channels");
    const bias = argBool(args, "bias");
    const width = headsWidth(args);
    const ps: LocalParam[] = ["key", "query", "value"].flatMap((k) => linearParams(`lin_${k}.`, inC, width, bias));
    if (args.has("edge_dim")) ps.push(...linearParams("lin_edge.", argInt(args, "edge_dim"), width, false));
    if (argBool(args, "root_weight")) {
      const out = outputWidth(args);
      ps.push(...linearParams("lin_skip.", inC, out, bias));
      if (argBool(args, "beta")) ps.push(...linearParams("lin_beta.", dimMul(3, out), 1, false));
    }
    return ps;
  },
  expand(ctx, args, inputs) {
    const { x, g, c, perHead, merge } = attentionHeads(ctx, args, inputs);
    const bias = argBool(args, "bias");
    const project = (name: string) => perHead(applyLinear(ctx, x, `lin_${name}.weight`, bias ? `lin_${name}.bias` : undefined));
    const [query, key, value] = [project("query"), project("key"), project("value")];
    const attr = edgeFeatures(ctx, args, optionalTensorInput(inputs, 2));
    const edge = attr && perHead(applyLinear(ctx, attr, "lin_edge.weight"));
    const scale = typeof c === "number" ? 1 / Math.sqrt(c) : undefined;
    if (scale === undefined) return ctx.fail("E311", "the `out_channels` of a TransformerConv must be known at compile time (its scores divide by √out_channels)");
    const out = propagateMessages(ctx, g, ({ i, j }) => {
      const keyJ = edge ? ctx.tensor("t.add", [j(key).id, edge.id]) : j(key);
      const scores = ctx.tensor("t.sum", [ctx.tensor("t.mul", [i(query).id, keyJ.id]).id], { axes: [2] });
      const scaled = ctx.tensor("t.mul", [scores.id, ctx.constant(scale).id]);
      const alpha = applyDropout(ctx, ctx.tensor("g.edge_softmax", [g.id, scaled.id]), argFloat(args, "dropout"));
      const valueJ = edge ? ctx.tensor("t.add", [j(value).id, edge.id]) : j(value);
      return ctx.tensor("t.mul", [perEdge(ctx, alpha, valueJ).id, valueJ.id]);
    });
    return argBool(args, "root_weight") ? withRoot(ctx, args, x, merge(out)) : merge(out);
  },
};

function withRoot(ctx: LayerContext, args: BoundArgs, x: TensorValue, out: TensorValue): TensorValue {
  const root = applyLinear(ctx, x, "lin_skip.weight", argBool(args, "bias") ? "lin_skip.bias" : undefined);
  if (!argBool(args, "beta")) return ctx.tensor("t.add", [out.id, root.id]);
  const gateInput = ctx.tensor("t.concat", [out.id, root.id, ctx.tensor("t.sub", [out.id, root.id]).id], { axis: 1 });
  const gate = ctx.tensor("t.sigmoid", [applyLinear(ctx, gateInput, "lin_beta.weight").id]);
  const mixed = ctx.tensor("t.mul", [gate.id, root.id]);
  const rest = ctx.tensor("t.mul", [ctx.tensor("t.sub", [ctx.constant(1).id, gate.id]).id, out.id]);
  return ctx.tensor("t.add", [mixed.id, rest.id]);
}
