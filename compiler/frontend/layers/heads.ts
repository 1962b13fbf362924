import { dimMul } from "../../ir/dims.js";
import type { Dim } from "../../ir/types.js";
import { LIMITS } from "../../train/limits.js";
import { argBool, argInt, type BoundArgs, type SigParam } from "../signature.js";
import { int, str, type GraphValue, type TensorValue, type Value } from "../value.js";
import { channels, flag, number, probability } from "./common.js";
import { graphInput, tensorInput, type LayerContext } from "./layer.js";

/** What the multi-head attention layers (GATConv, GATv2Conv, TransformerConv) share. */

export const HEADS: SigParam = { name: "heads", kind: "int", default: int(1), min: 1, max: LIMITS.heads.max, boundsHelp: LIMITS.heads.why };
export const EDGE_DIM: SigParam = { name: "edge_dim", kind: "int", optional: true, min: 1, max: LIMITS.channels.max, boundsHelp: LIMITS.channels.why };

/** GATConv's arguments, which GATv2Conv takes too (PyG's order and defaults). */
export const GAT_PARAMS: readonly SigParam[] = [
  channels("in_channels"),
  channels("out_channels"),
  HEADS,
  flag("concat", true),
  number("negative_slope", 0.2),
  probability("dropout", 0.0),
  flag("add_self_loops", true),
  EDGE_DIM,
  { name: "fill_value", kind: "str", default: str("mean"), oneOf: ["mean"] },
  flag("bias", true),
];

/** heads × out_channels: the projections' width, and the output's when heads are concatenated. */
export function headsWidth(args: BoundArgs): Dim {
  return dimMul(argInt(args, "heads"), argInt(args, "out_channels"));
}

/** The output width: heads × out_channels concatenated, out_channels averaged. */
export function outputWidth(args: BoundArgs): Dim {
  return argBool(args, "concat") ? headsWidth(args) : argInt(args, "out_channels");
}

export interface Heads {
  x: TensorValue;
  g: GraphValue;
  heads: Dim;
  c: Dim;
  /** Rows of heads × C as [rows, heads, C]. */
  perHead(t: TensorValue): TensorValue;
  /** [N, heads, C] as the layer's output: heads concatenated, or averaged. */
  merge(out: TensorValue): TensorValue;
}

/** The inputs (x checked against in_channels) and the per-head views of an attention layer's call. */
export function attentionHeads(ctx: LayerContext, args: BoundArgs, inputs: readonly (Value | undefined)[]): Heads {
  ctx.expectWidth(0, argInt(args, "in_channels"), "in_channels");
  const x = tensorInput(inputs, 0);
  const heads = argInt(args, "heads");
  const c = argInt(args, "out_channels");
  const n = x.type.shape[0];
  return {
    x,
    g: graphInput(inputs, 1),
    heads,
    c,
    perHead: (t) => ctx.tensor("t.reshape", [t.id], { shape: [t.type.shape[0], heads, c] }),
    merge: (out) =>
      argBool(args, "concat") ? ctx.tensor("t.reshape", [out.id], { shape: [n, dimMul(heads, c)] }) : ctx.tensor("t.mean", [out.id], { axes: [1] }),
  };
}
