import { error, type Diagnostic } from "../../grammar/diagnostics.js";
import { BuildError, FuncBuilder } from "../ir/builder.js";
import { formatType } from "../ir/type-utils.js";
import type { Func } from "../ir/types.js";
import type { LossSpec } from "./spec.js";
import { TRAIN_CODES } from "./codes.js";

/** Names of the inputs the loss adds to the forward's. */
export const LABELS_INPUT = "labels";
export const MASK_INPUT = "mask";
export const LOSS_RESULT = "loss";

/** The loss ops of classification losses over integer labels; the others need targets datasets cannot supply yet. */
const CLASS_LOSS_OPS: Partial<Record<LossSpec["name"], string>> = {
  cross_entropy: "nn.cross_entropy",
  nll: "nn.nll",
};

/**
 * `loss`: the forward's nodes, then the loss of its predictions against the new inputs `labels`
 * (i32[N]) and `mask` (f32[N], 1 on the nodes of the loss's split). Results: `loss`, then the
 * forward's other results (updated buffers such as running statistics), under their names.
 */
export function buildLossFunc(forward: Func, loss: LossSpec): Func | Diagnostic[] {
  const op = CLASS_LOSS_OPS[loss.name];
  if (loss.name === "reconstruction") {
    return [
      error(TRAIN_CODES.unsupportedLoss.code, "`reconstruction` trains graph auto-encoder modules, one at a time: it needs `schedule = decoupled(…)`", loss.span, {
        help: "add `schedule = decoupled(modules = […])`, or train a classifier with `cross_entropy`",
      }),
    ];
  }
  if (!op) {
    return [
      error(TRAIN_CODES.unsupportedLoss.code, `training with \`${loss.name}\` is not supported yet`, loss.span, {
        help: "it needs float targets per node, which no dataset loader provides yet; use `cross_entropy` or `nll`",
      }),
    ];
  }
  const b = new FuncBuilder(LOSS_RESULT, forward);
  const out = forward.results[0];
  const outType = b.typeOf(out);
  if (outType.kind !== "tensor" || outType.shape.length !== 2 || outType.dtype !== "f32") {
    return [
      error(TRAIN_CODES.badOutput.code, `\`${loss.name}\` needs the model to return f32[N, classes], but it returns ${formatType(outType)}`, loss.span),
    ];
  }
  const n = outType.shape[0];
  const labels = b.leaf("s.input", { kind: "tensor", dtype: "i32", shape: [n] }, { name: LABELS_INPUT }, loss.span);
  const mask = b.leaf("s.input", { kind: "tensor", dtype: "f32", shape: [n] }, { name: MASK_INPUT }, loss.span);
  let value: number;
  try {
    value = b.emit(op, [out, labels, mask], {}, loss.span);
  } catch (e) {
    if (!(e instanceof BuildError)) throw e;
    return [error(TRAIN_CODES.badOutput.code, `\`${loss.name}\` cannot take the model's predictions: ${e.detail.error}`, loss.span)];
  }
  return b.finish([value, ...forward.results.slice(1)], [LOSS_RESULT, ...forward.resultNames.slice(1)]);
}
