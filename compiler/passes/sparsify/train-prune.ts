import type { FuncBuilder } from "../../ir/builder.js";
import type { StepPlan, StepPoint } from "../../ir/step-plan.js";
import type { Func, ParamInfo } from "../../ir/types.js";
import { LOSS_RESULT } from "../../ir/training.js";
import { STEP_SCALAR, type Built } from "./built.js";
import type { SparsifyOptions } from "./options.js";
import { afterUpdate, editFunc, maskGradient, maskStates, patternParam, withPatterns, type TargetIds } from "./step-edit.js";
import type { Target } from "./targets.js";

/**
 * Train-and-prune with ADMM (Zhang et al. 2018) or its surrogate-Lagrangian variant SLR (Gurevin
 * et al. 2020), as the sparsification paper compares them (Peng et al., ICCD 2022):
 *
 *   train_step   steps 1 … D − 1: dense training.
 *   admm_begin   step D: a dense step, then Z ← Π(W) (the k largest |W| of each layer), U = 0.
 *   admm_step    steps D … P: the update reads g + ρ(W − Z + U), the gradient of the loss plus
 *                ρ/2‖W − Z + U‖².
 *   admm_update  every `every` steps after D: a penalised step, then Z ← Π(W + U) and the scaled
 *                dual U ← U + W − Z. SLR takes the multiplier step U ← U + (s/ρ)(W − Z) only when
 *                the Lagrangian f + ρ/2‖W − Z + U‖² − ρ/2‖U‖² (f: the step's loss) is below the
 *                last accepted one, which it then records.
 *   admm_prune   step P: a penalised step, then the hard prune: the mask keeps the k largest |W|,
 *                weights and optimizer states are masked.
 *   sparse_step  after P: retraining with the mask fixed (masked gradients, sparse kernels).
 *
 * D = `dense` and P = `penalty`, fractions of the run. Masks start full (dense training).
 */

export const LAGRANGIAN = "sparsify.lagrangian";

const stateOf = (t: Target, suffix: string): ParamInfo => ({
  name: `${t.param.name}_admm_${suffix}`,
  type: t.param.type,
  init: { kind: "zeros" },
  trainable: false,
  ...(t.param.stacked ? { stacked: true } : {}),
  ...(t.param.span ? { span: t.param.span } : {}),
});
const zOf = (t: Target) => stateOf(t, "z");
const uOf = (t: Target) => stateOf(t, "u");

function constant(b: FuncBuilder, value: number): number {
  return b.emit("t.const", [], { value, dtype: "f32" });
}

/** Σ x² over every element. */
function squaredNorm(b: FuncBuilder, x: number): number {
  const rank = (b.typeOf(x) as { shape: readonly unknown[] }).shape.length;
  return b.emit("t.sum", [b.emit("t.mul", [x, x])], { axes: Array.from({ length: rank }, (_, i) => i), keepdims: false });
}

export function trainAndPrune(step: Func, targets: readonly Target[], o: SparsifyOptions, sparse: (t: Target) => boolean): Built {
  const slr = o.method === "prune_slr";
  const state = (t: Target) => [zOf(t), uOf(t)];
  const z = (ids: TargetIds) => ids.state.get(zOf(ids.target).name)!;
  const u = (ids: TargetIds) => ids.state.get(uOf(ids.target).name)!;
  const penalised = (b: FuncBuilder, ids: TargetIds, g: number) => {
    const gap = b.emit("t.add", [b.emit("t.sub", [ids.weight, z(ids)]), u(ids)]);
    return b.emit("t.add", [g, b.emit("t.mul", [gap, constant(b, o.rho)])]);
  };
  const none = () => false;
  const loss = step.resultNames.indexOf(LOSS_RESULT);

  const begin = editFunc(step, targets, { name: "admm_begin", state, sparse: none, gradient: (_b, _ids, g) => g });
  const admmBegin = afterUpdate(begin.func, (b, results, add) => {
    let lagrangian = results[loss];
    for (const ids of begin.ids) {
      const w = results[ids.step!.result];
      const next = b.emit("sp.topk", [w], { keep: ids.target.keep });
      add(zOf(ids.target).name, next);
      if (slr) lagrangian = b.emit("t.add", [lagrangian, b.emit("t.mul", [squaredNorm(b, b.emit("t.sub", [w, next])), constant(b, o.rho / 2)])]);
    }
    // SLR's first Lagrangian (U = 0), the first multiplier step's reference.
    if (slr) add(LAGRANGIAN, lagrangian);
  });

  const admmStep = editFunc(step, targets, { name: "admm_step", state, sparse: none, gradient: penalised }).func;

  const update = editFunc(step, targets, { name: "admm_update", state, sparse: none, gradient: penalised });
  const admmUpdate = afterUpdate(update.func, (b, results, add) => {
    const dual = update.ids.map((ids) => {
      const w = results[ids.step!.result];
      const next = b.emit("sp.topk", [b.emit("t.add", [w, u(ids)])], { keep: ids.target.keep });
      add(zOf(ids.target).name, next);
      return { ids, residual: b.emit("t.sub", [w, next]) };
    });
    if (!slr) {
      for (const { ids, residual } of dual) add(uOf(ids.target).name, b.emit("t.add", [u(ids), residual]));
      return;
    }
    // The Lagrangian at the new point, against the last accepted one.
    let lagrangian = results[loss];
    for (const { ids, residual } of dual) {
      const penalty = b.emit("t.sub", [squaredNorm(b, b.emit("t.add", [residual, u(ids)])), squaredNorm(b, u(ids))]);
      lagrangian = b.emit("t.add", [lagrangian, b.emit("t.mul", [penalty, constant(b, o.rho / 2)])]);
    }
    const last = b.leaf("s.param", STEP_SCALAR, { name: LAGRANGIAN });
    const accept = b.emit("t.step", [b.emit("t.sub", [last, lagrangian])], { at_zero: 0 });
    const stepSize = b.emit("t.mul", [accept, constant(b, o.slr_step / o.rho)]);
    for (const { ids, residual } of dual) add(uOf(ids.target).name, b.emit("t.add", [u(ids), b.emit("t.mul", [residual, stepSize])]));
    const keep = b.emit("t.sub", [constant(b, 1), accept]);
    add(LAGRANGIAN, b.emit("t.add", [b.emit("t.mul", [last, keep]), b.emit("t.mul", [lagrangian, accept])]));
  });

  const prune = editFunc(step, targets, { name: "admm_prune", state, sparse: none, gradient: penalised });
  const admmPrune = afterUpdate(prune.func, (b, results, add) => {
    for (const ids of prune.ids) {
      const mask = b.emit("sp.drop", [results[ids.step!.result], ids.mask], { keep: ids.target.keep });
      maskStates(b, ids, results, mask);
      add(ids.target.mask, mask);
    }
  });

  const retrain = editFunc(step, targets, { name: "sparse_step", sparse, patterns: "state", gradient: maskGradient }).func;

  const dense: StepPoint = { fraction: o.dense };
  const end: StepPoint = { fraction: o.penalty };
  const plan: StepPlan = {
    init: [],
    rules: [
      { func: "admm_begin", from: dense, until: dense, every: 1 },
      { func: "admm_prune", from: end, until: end, every: 1 },
      { func: "admm_update", from: dense, until: end, every: o.every },
      { func: "admm_step", from: dense, until: end, every: 1 },
      { func: "sparse_step", from: end, every: 1 },
    ],
    scalars: [],
    selectFrom: end,
  };
  const extra: ParamInfo[] = [...targets.flatMap(state), ...targets.filter(sparse).map(patternParam)];
  if (slr) extra.push({ name: LAGRANGIAN, type: STEP_SCALAR, init: { kind: "zeros" }, trainable: false });
  return { funcs: [admmBegin, admmStep, admmUpdate, withPatterns(admmPrune, targets, sparse), retrain], plan, state: extra };
}
