import { argBool, argFloat, argInt, argStr } from "../signature.js";
import { str } from "../value.js";
import { channels, flag, number } from "./common.js";
import { tensorInput, type LayerDef } from "./layer.js";
import { applyLayerNorm, layerNormParams, type LayerNormMode } from "./norm-core.js";

/** PyG's `LayerNorm`: mode "graph" (PyG's default) normalises over all nodes and channels, "node" per row. */
export const LayerNorm: LayerDef = {
  signature: {
    name: "LayerNorm",
    params: [
      channels("in_channels"),
      number("eps", 1e-5, { min: 0 }),
      flag("affine", true),
      { name: "mode", kind: "str", default: str("graph"), oneOf: ["graph", "node"] },
    ],
  },
  inputs: [{ name: "x", kind: "tensor" }],
  params(args) {
    return layerNormParams("", argInt(args, "in_channels"), argBool(args, "affine"));
  },
  expand(ctx, args, inputs) {
    ctx.expectWidth(0, argInt(args, "in_channels"), "in_channels");
    const mode = argStr(args, "mode") as LayerNormMode;
    return applyLayerNorm(ctx, tensorInput(inputs, 0), "", argFloat(args, "eps"), argBool(args, "affine"), mode);
  },
};
