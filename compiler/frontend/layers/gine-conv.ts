import type { Dim } from "../../ir/types.js";
import { LIMITS } from "../../train/limits.js";
import type { Instance } from "../instance.js";
import { argBool, argFloat, argInt, type BoundArgs } from "../signature.js";
import { float } from "../value.js";
import { applyLinear, flag, linearParams, NODE_AND_GRAPH, ZEROS } from "./common.js";
import { graphInput, tensorInput, type LayerDef, type LocalParam } from "./layer.js";
import { propagateMessages } from "./propagation.js";

/**
 * PyG's `GINEConv(nn, eps, train_eps, edge_dim)` (Hu et al.): out = nn((1 + ε)·x_i + Σ_j ReLU(x_j + e_ji)),
 * the edge features first mapped to the node width by `lin` when `edge_dim` is given (else they
 * must already have it).
 */
export const GINEConv: LayerDef = {
  signature: {
    name: "GINEConv",
    params: [
      { name: "nn", kind: "module" },
      { name: "eps", kind: "float", default: float(0) },
      flag("train_eps", false),
      { name: "edge_dim", kind: "int", optional: true, min: 1, max: LIMITS.channels.max, boundsHelp: LIMITS.channels.why },
    ],
  },
  inputs: [...NODE_AND_GRAPH, { name: "edge_attr", kind: "tensor" }],
  validate(args, fail) {
    if (args.has("edge_dim") && nodeWidth(args) === undefined) {
      fail("edge_dim", "a GINEConv with `edge_dim` maps edge features to the input width of its `nn`, which must start with a Linear or an MLP", "e.g. `GINEConv(MLP([in_channels, 64, 64]), edge_dim = 3)`");
    }
  },
  params(args) {
    // As GINConv: the trainable ε is stored as its offset from `eps`.
    const ps: LocalParam[] = argBool(args, "train_eps") ? [{ name: "eps", shape: [1], init: ZEROS, trainable: true }] : [];
    if (args.has("edge_dim")) ps.push(...linearParams("lin.", argInt(args, "edge_dim"), nodeWidth(args)!, true));
    return ps;
  },
  expand(ctx, args, inputs) {
    const x = tensorInput(inputs, 0);
    const g = graphInput(inputs, 1);
    const edgeAttr = tensorInput(inputs, 2);
    if (args.has("edge_dim")) ctx.expectWidth(2, argInt(args, "edge_dim"), "edge_dim");
    const e = args.has("edge_dim") ? applyLinear(ctx, edgeAttr, "lin.weight", "lin.bias") : edgeAttr;
    if (e.type.shape[1] !== x.type.shape[1]) {
      return ctx.fail("E301", `the edge features (width ${e.type.shape[1]}) must have the node features' width ${x.type.shape[1]}`, {
        help: "give `edge_dim = …` to map them with a Linear first",
      });
    }
    const neighbours = propagateMessages(ctx, g, ({ j }) => ctx.tensor("t.relu", [ctx.tensor("t.add", [j(x).id, e.id]).id]));
    const onePlusEps = 1 + argFloat(args, "eps");
    let self = x;
    if (argBool(args, "train_eps")) self = ctx.tensor("t.mul", [x.id, ctx.tensor("t.add", [ctx.param("eps").id, ctx.constant(onePlusEps).id]).id]);
    else if (onePlusEps !== 1) self = ctx.tensor("t.mul", [x.id, ctx.constant(onePlusEps).id]);
    const out = ctx.callChild("nn", [ctx.tensor("t.add", [self.id, neighbours.id])]);
    if (out.kind !== "tensor") return ctx.fail("E305", "the `nn` of a GINEConv must return a tensor");
    return out;
  },
};

/** The input width of the `nn` argument, when it is a Linear, an MLP or a Sequential starting with one. */
function nodeWidth(args: BoundArgs): Dim | undefined {
  const nn = args.get("nn")?.value;
  return nn?.kind === "module" ? inputWidth(nn.instance) : undefined;
}

export function inputWidth(inst: Instance): Dim | undefined {
  if (inst.kind !== "layer") return undefined;
  const arg = (name: string) => inst.args.get(name)?.value;
  switch (inst.layer.signature.name) {
    case "Linear": {
      const v = arg("in_channels");
      return v?.kind === "int" ? v.value : undefined;
    }
    case "MLP": {
      const list = arg("channel_list");
      const first = list?.kind === "list" ? list.items[0] : undefined;
      return first?.kind === "int" ? first.value : undefined;
    }
    case "Sequential": {
      const list = arg("input_args")?.kind === "list" ? arg("input_args") : arg("modules");
      const first = list?.kind === "list" ? list.items[0] : undefined;
      return first?.kind === "module" ? inputWidth(first.instance) : undefined;
    }
    default:
      return undefined;
  }
}
