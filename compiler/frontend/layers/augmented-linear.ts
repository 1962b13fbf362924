import { dimMul } from "../../ir/dims.js";
import { argBool, argInt } from "../signature.js";
import { biasInit, channels, flag, hops, KAIMING_LINEAR, NODE_AND_GRAPH, withSelfLoops } from "./common.js";
import { graphInput, tensorInput, type LayerDef } from "./layer.js";

/**
 * The first layer of a graph-augmented MLP (GA-MLP, as trained by pdADMM-G): a Linear over the
 * augmented features [X, ÂX, Â²X, …, Âᴷ X] (Â the GCN-normalised adjacency with self loops), its
 * weight stored as Linear's over the concatenation: [out, (K+1)·in], block k multiplying Âᵏ X.
 *
 * It is computed as Σ_k Âᵏ (X W_kᵀ) + b, by Horner's rule Y_0 + Â(Y_1 + Â(Y_2 + …)): the
 * augmented matrix, (K+1) times as wide as X and dense where X is sparse (Coauthor CS: 18 333 ×
 * 27 220), is never formed; X W_kᵀ reads only X's nonzeros, and the K propagations run on
 * out-channel-wide rows.
 */
export const AugmentedLinear: LayerDef = {
  signature: {
    name: "AugmentedLinear",
    params: [channels("in_channels"), channels("out_channels"), hops(0), flag("bias", true)],
  },
  inputs: NODE_AND_GRAPH,
  params(args) {
    const inC = argInt(args, "in_channels");
    const width = dimMul(inC, (argInt(args, "K") as number) + 1);
    const ps = [{ name: "weight", shape: [argInt(args, "out_channels"), width], init: KAIMING_LINEAR, trainable: true }];
    if (argBool(args, "bias")) ps.push({ name: "bias", shape: [argInt(args, "out_channels")], init: biasInit(width), trainable: true });
    return ps;
  },
  validate(args, fail) {
    if (typeof argInt(args, "K") !== "number") fail("K", "the number of hops `K` of an AugmentedLinear must be known at compile time");
  },
  expand(ctx, args, inputs) {
    const inC = argInt(args, "in_channels");
    ctx.expectWidth(0, inC, "in_channels");
    const x = tensorInput(inputs, 0);
    const g = withSelfLoops(ctx, graphInput(inputs, 1));
    const norm = ctx.tensor("g.gcn_norm", [g.id]);
    const weight = ctx.param("weight");
    const block = (k: number) => {
      const w = ctx.tensor("t.slice", [weight.id], { axis: 1, start: dimMul(inC, k), size: inC });
      return ctx.tensor("t.matmul", [x.id, w.id], { transB: true });
    };
    const K = argInt(args, "K") as number;
    let h = block(K);
    for (let k = K - 1; k >= 0; k--) {
      const propagated = ctx.tensor("g.spmm", [g.id, norm.id, h.id], { reduce: "sum" });
      h = ctx.tensor("t.add", [block(k).id, propagated.id]);
    }
    return argBool(args, "bias") ? ctx.tensor("t.add", [h.id, ctx.param("bias").id]) : h;
  },
};
