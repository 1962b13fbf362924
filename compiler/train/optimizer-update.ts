import type { Span } from "../../grammar/span.js";
import type { OptimizerName, OptimizerOptions } from "./spec.js";
import type { TensorType } from "../ir/types.js";
import type { FuncBuilder } from "../ir/builder.js";
import { stateName } from "./optimizer-options.js";

/** One parameter to update: its current value, its (possibly clipped) gradient. */
export interface ParamToUpdate {
  name: string;
  type: TensorType;
  value: number;
  grad: number;
  span?: Span;
}

/** The ids of the updated parameter and of each updated optimizer state, by state name. */
export interface UpdatedParam {
  param: number;
  states: { name: string; value: number }[];
}

/** Scalar inputs shared by every update: this parameter's learning rate and the step count. */
export interface StepScalars {
  lr: number;
  t: number;
}

/**
 * Emit the optimizer's update of one parameter, with torch.optim's semantics:
 * - sgd: L2 decay on the gradient, optional momentum buffer (Nesterov or not), param − lr·d;
 * - adam: L2 decay on the gradient, both moments, the bias-corrected step;
 * - adamw: decoupled decay of the parameter (by lr·wd), then Adam's step without L2.
 * States are read as `s.param` leaves named `opt.<state>.<param>` (zeros at the start).
 */
export function emitUpdate(b: FuncBuilder, optimizer: OptimizerName, p: ParamToUpdate, o: OptimizerOptions, s: StepScalars): UpdatedParam {
  const state = (kind: string) => b.leaf("s.param", p.type, { name: stateName(kind, p.name) }, p.span);
  const wd = o.weightDecay;
  if (optimizer === "sgd") {
    const g = wd > 0 ? b.emit("opt.l2", [p.grad, p.value], { weight_decay: wd }, p.span) : p.grad;
    const momentum = o.momentum ?? 0;
    if (momentum === 0) return { param: b.emit("opt.sgd_step", [p.value, g, s.lr], {}, p.span), states: [] };
    const buf = b.emit("opt.sgd_buf", [state("buf"), g, s.t], { momentum }, p.span);
    const param = b.emit("opt.sgd_step", [p.value, g, buf, s.lr], { momentum, nesterov: o.nesterov ?? false }, p.span);
    return { param, states: [{ name: stateName("buf", p.name), value: buf }] };
  }
  const [beta1, beta2] = o.betas ?? [0.9, 0.999];
  const decoupled = optimizer === "adamw";
  const g = !decoupled && wd > 0 ? b.emit("opt.l2", [p.grad, p.value], { weight_decay: wd }, p.span) : p.grad;
  const start = decoupled && wd > 0 ? b.emit("opt.decay", [p.value, s.lr], { weight_decay: wd }, p.span) : p.value;
  const m = b.emit("opt.adam_m", [state("m"), g], { beta1 }, p.span);
  const v = b.emit("opt.adam_v", [state("v"), g], { beta2 }, p.span);
  const param = b.emit("opt.adam_step", [start, m, v, s.lr, s.t], { beta1, beta2, eps: o.eps ?? 1e-8 }, p.span);
  return {
    param,
    states: [
      { name: stateName("m", p.name), value: m },
      { name: stateName("v", p.name), value: v },
    ],
  };
}
