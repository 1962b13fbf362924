import type { Dim } from "../../ir/types.js";
import type { TensorValue } from "../value.js";
import { ONES, ZEROS } from "./common.js";
import type { LayerContext, LocalParam } from "./layer.js";

/** Shared by LayerNorm, BatchNorm and MLP's norms; `prefix` is `` or `norms.0.`. */

export interface BatchNormOptions {
  eps: number;
  momentum: number;
  affine: boolean;
  trackRunningStats: boolean;
}

/** PyG's BatchNorm wraps torch's BatchNorm1d as `module`, hence `module.weight` etc. */
export function batchNormParams(prefix: string, c: Dim, o: BatchNormOptions): LocalParam[] {
  const ps: LocalParam[] = [];
  if (o.affine) {
    ps.push({ name: `${prefix}module.weight`, shape: [c], init: ONES, trainable: true });
    ps.push({ name: `${prefix}module.bias`, shape: [c], init: ZEROS, trainable: true });
  }
  if (o.trackRunningStats) {
    ps.push({ name: `${prefix}module.running_mean`, shape: [c], init: ZEROS, trainable: false });
    ps.push({ name: `${prefix}module.running_var`, shape: [c], init: ONES, trainable: false });
  }
  return ps;
}

/**
 * Batch statistics in training mode (and whenever running statistics are not tracked), running
 * statistics in eval mode. In training mode the running statistics are updated as torch does:
 * r ← (1 − momentum)·r + momentum·s, with the unbiased batch variance.
 */
export function applyBatchNorm(ctx: LayerContext, x: TensorValue, prefix: string, c: Dim, o: BatchNormOptions): TensorValue {
  const name = (p: string) => `${prefix}module.${p}`;
  const filled = (value: number) => ctx.tensor("t.full", [], { value, shape: [c] });
  const weight = o.affine ? ctx.param(name("weight")) : filled(1);
  const bias = o.affine ? ctx.param(name("bias")) : filled(0);
  const runningMean = o.trackRunningStats ? ctx.param(name("running_mean")) : filled(0);
  const runningVar = o.trackRunningStats ? ctx.param(name("running_var")) : filled(1);
  const batchStats = ctx.training || !o.trackRunningStats;
  const y = ctx.tensor("nn.batch_norm", [x.id, weight.id, bias.id, runningMean.id, runningVar.id], { eps: o.eps, training: batchStats });
  if (ctx.training && o.trackRunningStats) {
    const mean = ctx.tensor("t.mean", [x.id], { axes: [0] });
    const centered = ctx.tensor("t.sub", [x.id, mean.id]);
    const sumSq = ctx.tensor("t.sum", [ctx.tensor("t.mul", [centered.id, centered.id]).id], { axes: [0] });
    // The node count may be symbolic, so count it: Σ 1 over the rows.
    const count = ctx.tensor("t.sum", [ctx.tensor("t.full", [], { value: 1, shape: [x.type.shape[0]] }).id], { axes: [0] });
    const unbiasedVar = ctx.tensor("t.div", [sumSq.id, ctx.tensor("t.sub", [count.id, ctx.constant(1).id]).id]);
    const blend = (running: TensorValue, batch: TensorValue) =>
      ctx.tensor("t.add", [
        ctx.tensor("t.mul", [running.id, ctx.constant(1 - o.momentum).id]).id,
        ctx.tensor("t.mul", [batch.id, ctx.constant(o.momentum).id]).id,
      ]);
    ctx.updateBuffer(name("running_mean"), blend(runningMean, mean));
    ctx.updateBuffer(name("running_var"), blend(runningVar, unbiasedVar));
  }
  return y;
}

export type LayerNormMode = "graph" | "node";

export function layerNormParams(prefix: string, c: Dim, affine: boolean): LocalParam[] {
  if (!affine) return [];
  return [
    { name: `${prefix}weight`, shape: [c], init: ONES, trainable: true },
    { name: `${prefix}bias`, shape: [c], init: ZEROS, trainable: true },
  ];
}

export function applyLayerNorm(ctx: LayerContext, x: TensorValue, prefix: string, eps: number, affine: boolean, mode: LayerNormMode): TensorValue {
  const inputs = affine ? [x.id, ctx.param(`${prefix}weight`).id, ctx.param(`${prefix}bias`).id] : [x.id];
  return ctx.tensor("nn.layer_norm", inputs, { eps, mode });
}
