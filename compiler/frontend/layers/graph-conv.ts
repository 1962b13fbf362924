import { argBool, argInt, argStr } from "../signature.js";
import { str } from "../value.js";
import { applyLinear, channels, EDGE_WEIGHT_INPUT, flag, linearParams, NODE_AND_GRAPH } from "./common.js";
import { graphInput, optionalTensorInput, tensorInput, type LayerDef } from "./layer.js";
import { perEdge, propagateMessages, type Ends } from "./propagation.js";

/**
 * PyG's `GraphConv` (Morris et al.'s k-GNN layer): out_i = lin_rel(aggr_j w_ji · x_j) + lin_root(x_i),
 * the message an edge weight (1 without `edge_weight`) times x_j.
 */
export const GraphConv: LayerDef = {
  signature: {
    name: "GraphConv",
    params: [
      channels("in_channels"),
      channels("out_channels"),
      { name: "aggr", kind: "str", default: str("add"), oneOf: ["add", "sum", "mean", "max"] },
      flag("bias", true),
    ],
  },
  inputs: [...NODE_AND_GRAPH, EDGE_WEIGHT_INPUT],
  params(args) {
    const inC = argInt(args, "in_channels");
    const outC = argInt(args, "out_channels");
    return [...linearParams("lin_rel.", inC, outC, argBool(args, "bias")), ...linearParams("lin_root.", inC, outC, false)];
  },
  expand(ctx, args, inputs) {
    ctx.expectWidth(0, argInt(args, "in_channels"), "in_channels");
    const x = tensorInput(inputs, 0);
    const w = optionalTensorInput(inputs, 2);
    const message = ({ j }: Ends) => {
      const xj = j(x);
      return w ? ctx.tensor("t.mul", [perEdge(ctx, w, xj).id, xj.id]) : xj;
    };
    const aggregated = propagateMessages(ctx, graphInput(inputs, 1), message, argStr(args, "aggr"));
    const rel = applyLinear(ctx, aggregated, "lin_rel.weight", argBool(args, "bias") ? "lin_rel.bias" : undefined);
    return ctx.tensor("t.add", [rel.id, applyLinear(ctx, x, "lin_root.weight").id]);
  },
};
