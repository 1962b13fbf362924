import { emitBatchNorm } from "./batch-norm.js";
import { CodegenError, type KernelEmitter, type LaunchesEmitter } from "./emit-context.js";
import { emitCopy, emitFill, emitZerosLike } from "./fill.js";
import { emitLayerNorm } from "./layer-norm.js";
import { classLossGradLaunches, emitClassLoss, emitClassLossGrad } from "./loss-class.js";
import { emitElementwiseLoss, emitElementwiseLossGrad } from "./loss-elementwise.js";
import { emitReduction } from "./reduce.js";
import { emitDropout, emitDropoutMask, emitRngFold } from "./rng.js";
import { emitLogSoftmax, emitSoftmax } from "./softmax.js";

/** None of these ops has an in-place variant: each writes a fresh output binding. */
function refusingInPlace(emit: KernelEmitter): KernelEmitter {
  return (node, inputs, options) => {
    if (options.inPlace) throw new CodegenError(node.op, "has no in-place variant", node.span);
    return emit(node, inputs, options);
  };
}

const EMITTERS: readonly [string, KernelEmitter][] = [
  ["t.sum", emitReduction],
  ["t.mean", emitReduction],
  ["t.max", emitReduction],
  ["t.softmax", emitSoftmax],
  ["t.log_softmax", emitLogSoftmax],
  ["nn.layer_norm", emitLayerNorm],
  ["nn.batch_norm", emitBatchNorm],
  ["nn.cross_entropy", emitClassLoss],
  ["nn.cross_entropy_grad", emitClassLossGrad],
  ["nn.nll", emitClassLoss],
  ["nn.nll_grad", emitClassLossGrad],
  ["nn.bce_with_logits", emitElementwiseLoss],
  ["nn.bce_with_logits_grad", emitElementwiseLossGrad],
  ["nn.mse", emitElementwiseLoss],
  ["nn.mse_grad", emitElementwiseLossGrad],
  ["s.rng_fold", emitRngFold],
  ["nn.dropout", emitDropout],
  ["nn.dropout_mask", emitDropoutMask],
  ["t.full", emitFill],
  ["t.const", emitFill],
  ["t.zeros_like", emitZerosLike],
  ["t.stop_gradient", emitCopy],
];

/**
 * Emitters for reductions, softmax, normalisation, losses, RNG ops, fills and copies, keyed by
 * op (the map in emit.ts spreads this list).
 */
export const NN_EMITTERS: readonly [string, KernelEmitter][] = EMITTERS.map(([op, emit]) => [op, refusingInPlace(emit)]);

/** A class loss's gradient runs as two launches: its mean's denominator, then the rows (loss-class.ts). */
export const NN_LAUNCHES: readonly [string, LaunchesEmitter][] = [
  ["nn.cross_entropy_grad", classLossGradLaunches],
  ["nn.nll_grad", classLossGradLaunches],
];
