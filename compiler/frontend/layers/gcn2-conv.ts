import { argBool, argFloat, argInt } from "../signature.js";
import type { TensorValue } from "../value.js";
import { channels, EDGE_WEIGHT_INPUT, flag, GLOROT } from "./common.js";
import { graphInput, optionalTensorInput, tensorInput, type LayerContext, type LayerDef, type LocalParam } from "./layer.js";
import { gcnNormalization } from "./propagation.js";
import type { BoundArgs } from "../signature.js";

/**
 * PyG's `GCN2Conv` (GCNII, Chen et al.): with x̃ = (1 − α) Â x + α x⁰ (initial residual),
 * out = (1 − β) x̃ + β x̃ W (identity mapping), β = log(θ / layer + 1), or 1 without θ.
 * Without shared weights the two terms get their own: (1 − β)((1 − α)Âx) + β (1 − α)Âx W₁ +
 * (1 − β) αx⁰ + β αx⁰ W₂. Inside `repeat(n)` with `theta` and no `layer`, the stack's iteration
 * numbers the layers 1…n (PyG's deep GCNII builds `GCN2Conv(…, layer = i + 1)` the same way).
 */
export const GCN2Conv: LayerDef = {
  signature: {
    name: "GCN2Conv",
    params: [
      channels("channels"),
      { name: "alpha", kind: "float", min: 0, max: 1 },
      { name: "theta", kind: "float", optional: true, min: 0 },
      { name: "layer", kind: "int", optional: true, min: 1 },
      flag("shared_weights", true),
      flag("cached", false),
      flag("add_self_loops", true),
      flag("normalize", true),
    ],
  },
  inputs: [
    { name: "x", kind: "tensor" },
    { name: "x_0", kind: "tensor" },
    { name: "edge_index", kind: "graph" },
    EDGE_WEIGHT_INPUT,
  ],
  params(args) {
    const c = argInt(args, "channels");
    const ps: LocalParam[] = [{ name: "weight1", shape: [c, c], init: GLOROT, trainable: true }];
    if (!argBool(args, "shared_weights")) ps.push({ name: "weight2", shape: [c, c], init: GLOROT, trainable: true });
    return ps;
  },
  expand(ctx, args, inputs) {
    const c = argInt(args, "channels");
    ctx.expectWidth(0, c, "channels");
    ctx.expectWidth(1, c, "channels");
    const x = tensorInput(inputs, 0);
    const x0 = tensorInput(inputs, 1);
    const g = graphInput(inputs, 2);
    const edgeWeight = optionalTensorInput(inputs, 3);
    const alpha = argFloat(args, "alpha");
    const { graph, weights } = argBool(args, "normalize")
      ? gcnNormalization(ctx, g, { improved: false, addSelfLoops: argBool(args, "add_self_loops"), edgeWeight })
      : { graph: g, weights: edgeWeight };
    const propagated = ctx.tensor("g.spmm", weights ? [graph.id, weights.id, x.id] : [graph.id, x.id], { reduce: "sum" });
    const h = scale(ctx, propagated, ctx.constant(1 - alpha));
    const h0 = scale(ctx, x0, ctx.constant(alpha));
    const beta = betaOf(ctx, args);
    const keep = ctx.tensor("t.sub", [ctx.constant(1).id, beta.id]);
    // (1 − β) v + β v W
    const mix = (v: TensorValue, weight: string) =>
      ctx.tensor("t.add", [scale(ctx, v, keep).id, scale(ctx, ctx.tensor("t.matmul", [v.id, ctx.param(weight).id]), beta).id]);
    if (argBool(args, "shared_weights")) return mix(ctx.tensor("t.add", [h.id, h0.id]), "weight1");
    return ctx.tensor("t.add", [mix(h, "weight1").id, mix(h0, "weight2").id]);
  },
};

function scale(ctx: LayerContext, v: TensorValue, k: TensorValue): TensorValue {
  return ctx.tensor("t.mul", [v.id, k.id]);
}

/** β = log(θ / layer + 1) as a scalar (the stack's iteration + 1 for `layer` inside a stack); 1 without θ. */
function betaOf(ctx: LayerContext, args: BoundArgs): TensorValue {
  if (!args.has("theta")) return ctx.constant(1);
  const theta = argFloat(args, "theta");
  if (args.has("layer")) return ctx.constant(Math.log(theta / (argInt(args, "layer") as number) + 1));
  if (!ctx.loopIndex) {
    return ctx.fail("E402", "a GCN2Conv with `theta` needs its `layer` (β = log(θ / layer + 1))", {
      help: "give `layer = …`, or stack it (`repeat(64) …`): the stack's iteration numbers the layers from 1",
    });
  }
  const layer = ctx.tensor("t.add", [ctx.tensor("t.cast", [ctx.loopIndex.id], { dtype: "f32" }).id, ctx.constant(1).id]);
  const ratio = ctx.tensor("t.div", [ctx.constant(theta).id, layer.id]);
  return ctx.tensor("t.log", [ctx.tensor("t.add", [ratio.id, ctx.constant(1).id]).id]);
}
