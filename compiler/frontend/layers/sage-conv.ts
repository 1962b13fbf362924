import { argBool, argInt, argStr } from "../signature.js";
import { str, type TensorValue } from "../value.js";
import { applyLinear, channels, flag, linearParams, NODE_AND_GRAPH } from "./common.js";
import { graphInput, tensorInput, type LayerContext, type LayerDef } from "./layer.js";

/**
 * PyG's `SAGEConv`: out = lin_l(aggr_j x_j) + lin_r(x_i), optionally L2-normalised per row.
 * With `project`, neighbours pass through relu(lin(x)) before aggregation (the root term does not).
 */
export const SAGEConv: LayerDef = {
  signature: {
    name: "SAGEConv",
    params: [
      channels("in_channels"),
      channels("out_channels"),
      { name: "aggr", kind: "str", default: str("mean"), oneOf: ["mean", "sum", "add", "max"] },
      flag("normalize", false),
      flag("root_weight", true),
      flag("project", false),
      flag("bias", true),
    ],
  },
  inputs: NODE_AND_GRAPH,
  params(args) {
    const inC = argInt(args, "in_channels");
    const outC = argInt(args, "out_channels");
    const ps = argBool(args, "project") ? linearParams("lin.", inC, inC, true) : [];
    ps.push(...linearParams("lin_l.", inC, outC, argBool(args, "bias")));
    if (argBool(args, "root_weight")) ps.push(...linearParams("lin_r.", inC, outC, false));
    return ps;
  },
  expand(ctx, args, inputs) {
    ctx.expectWidth(0, argInt(args, "in_channels"), "in_channels");
    const x = tensorInput(inputs, 0);
    const g = graphInput(inputs, 1);
    const neighbours = argBool(args, "project") ? ctx.tensor("t.relu", [applyLinear(ctx, x, "lin.weight", "lin.bias").id]) : x;
    const aggr = argStr(args, "aggr") === "add" ? "sum" : argStr(args, "aggr")!;
    const agg = ctx.tensor("g.spmm", [g.id, neighbours.id], { reduce: aggr });
    let out = applyLinear(ctx, agg, "lin_l.weight", argBool(args, "bias") ? "lin_l.bias" : undefined);
    if (argBool(args, "root_weight")) out = ctx.tensor("t.add", [out.id, applyLinear(ctx, x, "lin_r.weight").id]);
    return argBool(args, "normalize") ? l2NormalizeRows(ctx, out) : out;
  },
};

/** torch's F.normalize(p=2, dim=-1): x / max(‖x‖₂, 1e-12) per row. */
function l2NormalizeRows(ctx: LayerContext, x: TensorValue): TensorValue {
  const squares = ctx.tensor("t.mul", [x.id, x.id]);
  const sum = ctx.tensor("t.sum", [squares.id], { axes: [1], keepdims: true });
  const norm = ctx.tensor("t.sqrt", [sum.id]);
  const safe = ctx.tensor("t.maximum", [norm.id, ctx.constant(1e-12).id]);
  return ctx.tensor("t.div", [x.id, safe.id]);
}
