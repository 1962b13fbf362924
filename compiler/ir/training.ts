import { paramName } from "./struct-views.js";
import type { Func, Node } from "./types.js";

/**
 * The training contract as IR sees it: the names lowering (compiler/train) gives a train block's
 * functions, results and optimizer states — which runners, checkpoints, step plans and
 * training-stage passes rely on — and a view of what a lowered `train_step` does with one
 * parameter. compiler/train builds that structure (lower.ts, optimizer-update.ts) and
 * test/train/training-view.test.ts checks this view against it for every optimizer.
 */

/** The function that trains one step (a step plan's default). */
export const TRAIN_STEP_FUNC = "train_step";
/** The model in evaluation mode (no dropout, running statistics); result `out`. */
export const PREDICT_FUNC = "predict";
/**
 * `predict` on the state, then `train_step` of it, as one function (passes/evaluate-ahead.ts):
 * results the step's, then predict's `out`. A trainer runs it for the step after an evaluated epoch.
 */
export const PREDICT_AND_STEP_FUNC = "predict_and_step";
/** The model's output among a forward's (and predict's) results. */
export const OUTPUT_RESULT = "out";
/** The scalar loss among a step's results (what a trainer logs). */
export const LOSS_RESULT = "loss";

/** The optimizer states lowering keeps per parameter, by kind. */
export const STATE_KINDS = ["buf", "m", "v"] as const;

/** The non-trainable parameter holding optimizer state `state` of `param`. */
export function stateName(state: string, param: string): string {
  return `opt.${state}.${param}`;
}

/**
 * Where a training-stage pass that changes how a parameter learns (masking its gradient, adding a
 * penalty's gradient) finds it in a lowered `train_step`:
 *
 *   gradient g  (autodiff's)  → t.mul(g, opt.clip_factor(…))  when clipping
 *                             → opt.l2(·, param)               with L2 weight decay
 *                             → opt.sgd_step(param, ·, …) | opt.adam_m(m, ·) → opt.adam_step(…, m′, …)
 *
 * The update is the result named after the parameter; its states are the results `opt.<kind>.<param>`.
 */

/** What a train step does with one parameter. */
export interface ParamStep {
  /** The `s.param` leaf of the parameter. */
  value: number;
  /** Autodiff's gradient (before clipping and weight decay), the value the update reads as "grad". */
  gradient: number;
  /** Index among the step's results of the updated parameter. */
  result: number;
  /** Indices among the step's results of its optimizer states (momentum, Adam's moments). */
  states: number[];
}

/** The parameter's gradient, update and states in `step`; undefined when the step does not update it as lower.ts does. */
export function paramStep(step: Func, param: string): ParamStep | undefined {
  const nodes = new Map<number, Node>();
  for (const n of step.body) nodes.set(n.id, n);
  const result = step.resultNames.indexOf(param);
  const update = nodes.get(step.results[result]);
  const value = step.body.find((n) => paramName(n) === param)?.id;
  if (!update || value === undefined) return undefined;
  let grad: Node | undefined;
  if (update.op === "opt.sgd_step") grad = nodes.get(update.inputs[1]);
  else if (update.op === "opt.adam_step") {
    const m = nodes.get(update.inputs[1]);
    grad = m?.op === "opt.adam_m" ? nodes.get(m.inputs[1]) : undefined;
  }
  // Weight decay reads the parameter; clipping multiplies by the global factor.
  if (grad?.op === "opt.l2" && grad.inputs[1] === value) grad = nodes.get(grad.inputs[0]);
  if (grad?.op === "t.mul" && nodes.get(grad.inputs[1])?.op === "opt.clip_factor") grad = nodes.get(grad.inputs[0]);
  if (!grad || grad.op.startsWith("opt.")) return undefined;
  const stateNames = STATE_KINDS.map((kind) => stateName(kind, param));
  const states = step.resultNames.flatMap((name, k) => (stateNames.includes(name) ? [k] : []));
  return { value, gradient: grad.id, result, states };
}
