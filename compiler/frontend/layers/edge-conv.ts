import { argStr } from "../signature.js";
import { str } from "../value.js";
import { NODE_AND_GRAPH } from "./common.js";
import { graphInput, tensorInput, type LayerDef } from "./layer.js";
import { propagateMessages } from "./propagation.js";

/**
 * PyG's `EdgeConv(nn, aggr="max")` (DGCNN, Wang et al.): out_i = aggr_j nn([x_i, x_j − x_i]), the
 * `nn` applied to every edge's concatenated features.
 */
export const EdgeConv: LayerDef = {
  signature: {
    name: "EdgeConv",
    params: [
      { name: "nn", kind: "module" },
      { name: "aggr", kind: "str", default: str("max"), oneOf: ["max", "mean", "add", "sum", "min"] },
    ],
  },
  inputs: NODE_AND_GRAPH,
  params: () => [],
  expand(ctx, args, inputs) {
    const x = tensorInput(inputs, 0);
    const message = propagateMessages(
      ctx,
      graphInput(inputs, 1),
      ({ i, j }) => {
        const xi = i(x);
        const edge = ctx.tensor("t.concat", [xi.id, ctx.tensor("t.sub", [j(x).id, xi.id]).id], { axis: 1 });
        const out = ctx.callChild("nn", [edge]);
        return out.kind === "tensor" ? out : ctx.fail("E305", "the `nn` of an EdgeConv must return a tensor");
      },
      argStr(args, "aggr"),
    );
    return message;
  },
};
