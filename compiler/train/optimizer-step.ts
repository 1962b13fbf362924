import { gradResultName } from "../autodiff/index.js";
import type { FuncBuilder } from "../ir/builder.js";
import type { Func, ParamInfo } from "../ir/types.js";
import { lrInputFor, optionsFor, STEP_INPUT, LR_INPUT } from "./optimizer-options.js";
import { emitUpdate } from "./optimizer-update.js";
import type { OptimizerSpec } from "./spec.js";

const SCALAR = { kind: "tensor", dtype: "f32", shape: [] } as const;

/**
 * The optimizer's update of every trainable parameter of `params` that `grads` (a function built
 * by `differentiate` on the builder's base) has a gradient for: optional global-norm clipping,
 * then each parameter's update with its group's options. Adds the inputs `t` (the 1-based step
 * count) and the learning rate(s); returns the updated parameters and optimizer states as
 * results under their own names, and the states to declare (non-trainable, zeros at start).
 */
export function emitOptimizerStep(b: FuncBuilder, grads: Func, params: readonly ParamInfo[], optimizer: OptimizerSpec): { results: number[]; names: string[]; states: ParamInfo[] } {
  const span = optimizer.span;
  const t = b.leaf("s.input", SCALAR, { name: STEP_INPUT }, span);
  const lrIds = new Map<string, number>();
  const lrFor = (param: string) => {
    const name = lrInputFor(optimizer, param);
    if (!lrIds.has(name)) lrIds.set(name, b.leaf("s.input", SCALAR, { name }, span));
    return lrIds.get(name)!;
  };
  lrFor(LR_INPUT); // always an input, so every step takes the same scalars

  const trained = params.filter((p) => p.trainable && grads.resultNames.includes(gradResultName(p.name)));
  let gradIds = trained.map((p) => grads.results[grads.resultNames.indexOf(gradResultName(p.name))]);
  if (optimizer.clipNorm !== undefined && gradIds.length) {
    const norm = b.emit("opt.global_norm", gradIds, {}, span);
    const factor = b.emit("opt.clip_factor", [norm], { max_norm: optimizer.clipNorm }, span);
    gradIds = gradIds.map((g) => b.emit("t.mul", [g, factor], {}, span));
  }

  const results: number[] = [];
  const names: string[] = [];
  const states: ParamInfo[] = [];
  trained.forEach((p, k) => {
    const value = b.findLeaf("s.param", p.name) ?? b.leaf("s.param", p.type, { name: p.name }, p.span);
    const updated = emitUpdate(b, optimizer.name, { name: p.name, type: p.type, value, grad: gradIds[k], span: p.span }, optionsFor(optimizer, p.name), { lr: lrFor(p.name), t });
    results.push(updated.param);
    names.push(p.name);
    for (const s of updated.states) {
      results.push(s.value);
      names.push(s.name);
      states.push({ name: s.name, type: p.type, init: { kind: "zeros" }, trainable: false, ...(p.stacked ? { stacked: true } : {}), span: p.span });
    }
  });
  return { results, names, states };
}
