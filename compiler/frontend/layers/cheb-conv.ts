import { argBool, argInt } from "../signature.js";
import { str, type TensorValue } from "../value.js";
import { addBias, applyLinear, channels, EDGE_WEIGHT_INPUT, flag, GLOROT, NODE_AND_GRAPH, ZEROS } from "./common.js";
import { graphInput, optionalTensorInput, tensorInput, type LayerDef, type LocalParam } from "./layer.js";
import { LIMITS } from "../../train/limits.js";
import { gcnNormalization } from "./propagation.js";

/**
 * PyG's `ChebConv(K, normalization="sym")`: out = Σ_{k<K} lins[k](T_k) + b with the Chebyshev
 * basis of L̂ = 2L/λ_max − I, λ_max = 2: T_0 = x, T_1 = L̂x, T_k = 2L̂T_{k−1} − T_{k−2}. For the
 * symmetric Laplacian L = I − D^-½AD^-½ that is L̂ = −D^-½AD^-½ (no self loops; edge weights
 * when given).
 */
export const ChebConv: LayerDef = {
  signature: {
    name: "ChebConv",
    params: [
      channels("in_channels"),
      channels("out_channels"),
      { name: "K", kind: "int", min: 1, max: LIMITS.hops.max, boundsHelp: LIMITS.hops.why },
      { name: "normalization", kind: "str", default: str("sym"), oneOf: ["sym"] },
      flag("bias", true),
    ],
  },
  inputs: [...NODE_AND_GRAPH, EDGE_WEIGHT_INPUT],
  validate(args, fail) {
    if (typeof argInt(args, "K") !== "number") fail("K", "`K` of a ChebConv must be known at compile time");
  },
  params(args) {
    const inC = argInt(args, "in_channels");
    const outC = argInt(args, "out_channels");
    const ps: LocalParam[] = Array.from({ length: argInt(args, "K") as number }, (_, k) => ({ name: `lins.${k}.weight`, shape: [outC, inC], init: GLOROT, trainable: true }));
    if (argBool(args, "bias")) ps.push({ name: "bias", shape: [outC], init: ZEROS, trainable: true });
    return ps;
  },
  expand(ctx, args, inputs) {
    ctx.expectWidth(0, argInt(args, "in_channels"), "in_channels");
    const x = tensorInput(inputs, 0);
    const norm = gcnNormalization(ctx, graphInput(inputs, 1), { improved: false, addSelfLoops: false, edgeWeight: optionalTensorInput(inputs, 2) });
    const laplacian = ctx.tensor("t.neg", [norm.weights.id]);
    const apply = (h: TensorValue) => ctx.tensor("g.spmm", [norm.graph.id, laplacian.id, h.id], { reduce: "sum" });
    const basis: TensorValue[] = [x];
    for (let k = 1; k < (argInt(args, "K") as number); k++) {
      const next = apply(basis[k - 1]);
      basis.push(k === 1 ? next : ctx.tensor("t.sub", [ctx.tensor("t.mul", [next.id, ctx.constant(2).id]).id, basis[k - 2].id]));
    }
    const terms = basis.map((t, k) => applyLinear(ctx, t, `lins.${k}.weight`));
    const out = terms.slice(1).reduce((sum, t) => ctx.tensor("t.add", [sum.id, t.id]), terms[0]);
    return addBias(ctx, out, argBool(args, "bias"));
  },
};
