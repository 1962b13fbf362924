import type { BoundArgs } from "../signature.js";
import { argBool, argFloat, argInt } from "../signature.js";
import { channels, flag, number } from "./common.js";
import { tensorInput, type LayerDef } from "./layer.js";
import { applyBatchNorm, batchNormParams, type BatchNormOptions } from "./norm-core.js";

/** PyG's `BatchNorm` (torch's BatchNorm1d over the nodes); running statistics are non-trainable buffers. */
export const BatchNorm: LayerDef = {
  signature: {
    name: "BatchNorm",
    params: [
      channels("in_channels"),
      number("eps", 1e-5, { min: 0 }),
      number("momentum", 0.1, { min: 0, max: 1 }),
      flag("affine", true),
      flag("track_running_stats", true),
    ],
  },
  inputs: [{ name: "x", kind: "tensor" }],
  params(args) {
    return batchNormParams("", argInt(args, "in_channels"), options(args));
  },
  expand(ctx, args, inputs) {
    const c = argInt(args, "in_channels");
    ctx.expectWidth(0, c, "in_channels");
    return applyBatchNorm(ctx, tensorInput(inputs, 0), "", c, options(args));
  },
};

function options(args: BoundArgs): BatchNormOptions {
  return {
    eps: argFloat(args, "eps"),
    momentum: argFloat(args, "momentum"),
    affine: argBool(args, "affine"),
    trackRunningStats: argBool(args, "track_running_stats"),
  };
}
