import { argBool, argFloat } from "../signature.js";
import { float } from "../value.js";
import { flag, NODE_AND_GRAPH, ZEROS } from "./common.js";
import { graphInput, tensorInput, type LayerDef } from "./layer.js";

/**
 * PyG's `GINConv(nn, eps=0.0, train_eps=False)`: out = nn((1 + ε)·x_i + Σ_j x_j). `nn` is any
 * layer or block instance; its parameters are named under `nn.`.
 */
export const GINConv: LayerDef = {
  signature: {
    name: "GINConv",
    params: [{ name: "nn", kind: "module" }, { name: "eps", kind: "float", default: float(0) }, flag("train_eps", false)],
  },
  inputs: NODE_AND_GRAPH,
  params(args) {
    // PyG initialises the trainable ε to `eps`; we store the offset from `eps` (initially 0) and
    // add `eps` back in the expansion, which trains identically with the zeros initialiser.
    return argBool(args, "train_eps") ? [{ name: "eps", shape: [1], init: ZEROS, trainable: true }] : [];
  },
  expand(ctx, args, inputs) {
    const x = tensorInput(inputs, 0);
    const g = graphInput(inputs, 1);
    const neighbours = ctx.tensor("g.spmm", [g.id, x.id], { reduce: "sum" });
    const onePlusEps = 1 + argFloat(args, "eps");
    let self = x;
    if (argBool(args, "train_eps")) {
      const scale = ctx.tensor("t.add", [ctx.param("eps").id, ctx.constant(onePlusEps).id]);
      self = ctx.tensor("t.mul", [x.id, scale.id]);
    } else if (onePlusEps !== 1) {
      self = ctx.tensor("t.mul", [x.id, ctx.constant(onePlusEps).id]);
    }
    const combined = ctx.tensor("t.add", [self.id, neighbours.id]);
    const out = ctx.callChild("nn", [combined]);
    if (out.kind !== "tensor") return ctx.fail("E305", "the `nn` of a GINConv must return a tensor");
    return out;
  },
};
