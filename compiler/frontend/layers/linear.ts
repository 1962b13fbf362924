import type { InitSpec } from "../../ir/types.js";
import { argBool, argInt, argStr } from "../signature.js";
import { applyLinear, channels, flag, GLOROT, KAIMING_LINEAR, linearParams } from "./common.js";
import { tensorInput, type LayerDef } from "./layer.js";

/** PyG's `Linear(in_channels, out_channels, bias=True, weight_initializer=None)`: y = x Wᵀ + b. */
export const Linear: LayerDef = {
  signature: {
    name: "Linear",
    params: [
      channels("in_channels"),
      channels("out_channels"),
      flag("bias", true),
      { name: "weight_initializer", kind: "str", optional: true, oneOf: ["glorot", "kaiming_uniform", "uniform"] },
    ],
  },
  inputs: [{ name: "x", kind: "tensor" }],
  params(args) {
    return linearParams("", argInt(args, "in_channels"), argInt(args, "out_channels"), argBool(args, "bias"), weightInit(argStr(args, "weight_initializer")));
  },
  expand(ctx, args, inputs) {
    ctx.expectWidth(0, argInt(args, "in_channels"), "in_channels");
    return applyLinear(ctx, tensorInput(inputs, 0), "weight", argBool(args, "bias") ? "bias" : undefined);
  },
};

/** PyG's initialisers: None and "kaiming_uniform" give PyTorch's default, "uniform" is U(±1/√fan_in). */
function weightInit(name: string | undefined): InitSpec {
  if (name === "glorot") return GLOROT;
  if (name === "uniform") return { kind: "uniform_fan_in" };
  return KAIMING_LINEAR;
}
