import type { Dim } from "../../ir/types.js";
import { argBool, argFloat, argStr, type BoundArgs } from "../signature.js";
import { LIMITS } from "../../train/limits.js";
import { bool, str } from "../value.js";
import { ACTIVATIONS, applyActivation, type ActivationName } from "./activation.js";
import { applyDropout, applyLinear, linearParams, probability } from "./common.js";
import { tensorInput, type LayerDef, type LocalParam } from "./layer.js";
import { applyBatchNorm, applyLayerNorm, batchNormParams, layerNormParams } from "./norm-core.js";

const BATCH_NORM_DEFAULTS = { eps: 1e-5, momentum: 0.1, affine: true, trackRunningStats: true };

/**
 * PyG's `MLP(channel_list, dropout=0.0, act='relu', norm=None, bias=True)`: Linear → norm → act →
 * dropout per layer, the last layer plain (PyG's plain_last). Unlike PyG (norm="batch_norm"),
 * there is no norm unless asked for.
 */
export const MLP: LayerDef = {
  signature: {
    name: "MLP",
    params: [
      { name: "channel_list", kind: "ints" },
      probability("dropout", 0.0),
      { name: "act", kind: "str", default: str("relu"), oneOf: ACTIVATIONS },
      { name: "norm", kind: "str", optional: true, oneOf: ["batch_norm", "layer_norm"] },
      { name: "bias", kind: "bool", default: bool(true) },
    ],
  },
  inputs: [{ name: "x", kind: "tensor" }],
  validate(args, fail) {
    const list = channelList(args);
    if (list.length < 2) fail("channel_list", "the `channel_list` of an MLP needs at least two sizes (input and output)", "e.g. `MLP([in_channels, 64, out_channels])`");
    if (list.some((c) => typeof c === "number" && (c < 1 || c > LIMITS.channels.max))) {
      fail("channel_list", `every size in the \`channel_list\` of an MLP must be in [1, ${LIMITS.channels.max}]`, LIMITS.channels.why);
    }
  },
  params(args) {
    const list = channelList(args);
    const norm = argStr(args, "norm");
    const ps: LocalParam[] = [];
    for (let i = 0; i + 1 < list.length; i++) ps.push(...linearParams(`lins.${i}.`, list[i], list[i + 1], argBool(args, "bias")));
    for (let i = 0; i + 2 < list.length; i++) {
      if (norm === "batch_norm") ps.push(...batchNormParams(`norms.${i}.`, list[i + 1], BATCH_NORM_DEFAULTS));
      if (norm === "layer_norm") ps.push(...layerNormParams(`norms.${i}.`, list[i + 1], true));
    }
    return ps;
  },
  expand(ctx, args, inputs) {
    const list = channelList(args);
    ctx.expectWidth(0, list[0], "channel_list[0]");
    const norm = argStr(args, "norm");
    const bias = argBool(args, "bias");
    let h = tensorInput(inputs, 0);
    for (let i = 0; i + 1 < list.length; i++) {
      h = applyLinear(ctx, h, `lins.${i}.weight`, bias ? `lins.${i}.bias` : undefined);
      if (i + 2 === list.length) break; // the last layer stays plain
      if (norm === "batch_norm") h = applyBatchNorm(ctx, h, `norms.${i}.`, list[i + 1], BATCH_NORM_DEFAULTS);
      if (norm === "layer_norm") h = applyLayerNorm(ctx, h, `norms.${i}.`, 1e-5, true, "graph");
      h = applyActivation(ctx, argStr(args, "act") as ActivationName, h);
      h = applyDropout(ctx, h, argFloat(args, "dropout"));
    }
    return h;
  },
};

function channelList(args: BoundArgs): Dim[] {
  const v = args.get("channel_list")?.value;
  if (v?.kind !== "list") throw new Error("internal: MLP channel_list is not a list");
  return v.items.map((item) => (item.kind === "int" ? item.value : 0));
}
