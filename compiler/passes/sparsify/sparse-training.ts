import { FuncBuilder } from "../../ir/builder.js";
import type { StepPlan } from "../../ir/step-plan.js";
import type { Func } from "../../ir/types.js";
import { STEP_SCALAR, type Built } from "./built.js";
import type { SparsifyOptions } from "./options.js";
import { afterUpdate, editFunc, maskGradient, maskStates, patternParam, withPatterns } from "./step-edit.js";
import type { Target } from "./targets.js";

/**
 * Sparse training: the masks are sparse from the first step on (RigL, SET) or pruned gradually
 * (GMP), and the weights stay zero outside them.
 *
 * RigL / SET (Evci et al. 2020; Mocanu et al. 2018):
 *   sparse_init    before the first step: each layer's mask keeps `keep` uniformly random
 *                  positions, the weight is masked.
 *   train_step     the update reads the masked gradient (sp.sddmm or sp.mask), so weights and
 *                  optimizer states stay zero outside the mask; the non-zeros stay `keep` per layer.
 *   sparse_update  every `every` steps until `end`: the same step on the dense gradient, then per
 *                  layer drop the r_t·keep smallest-magnitude weights (r_t = drop/2·(1 + cos πt/T),
 *                  T = end, computed by the host) and regrow as many inactive positions with the
 *                  largest |gradient| (RigL) or at random (SET); regrown weights and their states are
 *                  0 (they were outside the mask), dropped ones are zeroed.
 * GMP (Zhu & Gupta 2017): masks start full; every `every` steps until `end` the step prunes each
 * layer to keep + ⌊(n − keep)(1 − t/T)³⌋ weights by magnitude; from `end` on the mask is fixed.
 */

export const DROP_FRACTION = "drop_fraction";
export const PRUNE_FRACTION = "prune_fraction";

/** Salts of the init masks' and SET's random draws, past any dropout site's (those count from 0). */
const INIT_SALT = 1 << 20;
const REGROW_SALT = 2 << 20;

function rngLeaf(b: FuncBuilder): number {
  return b.findLeaf("s.input", "rng") ?? b.leaf("s.input", { kind: "rng" }, { name: "rng" });
}

/** A fresh run's masks: `keep` random positions per layer; the weights masked. */
function sparseInit(targets: readonly Target[]): Func {
  const b = new FuncBuilder("sparse_init");
  const rng = rngLeaf(b);
  const results: number[] = [];
  const names: string[] = [];
  targets.forEach((t, k) => {
    b.at(t.param.span);
    const weight = b.leaf("s.param", t.param.type, { name: t.param.name });
    const full = b.leaf("s.param", t.param.type, { name: t.mask });
    const key = b.emit("s.rng_fold", [rng], { salt: INIT_SALT + k });
    const mask = b.emit("sp.grow", [b.emit("t.zeros_like", [full]), key], { total: t.keep });
    results.push(b.emit("sp.mask", [weight, mask]), mask);
    names.push(t.param.name, t.mask);
  });
  return b.finish(results, names);
}

/** `evaluated`: which targets `predict` multiplies through their compressed pattern. */
export function sparseTraining(step: Func, predict: Func, targets: readonly Target[], o: SparsifyOptions, sparse: (t: Target) => boolean, evaluated = sparse): Built {
  if (o.method === "gmp") return gradualPruning(step, targets, o, sparse);
  const masked = editFunc(step, targets, { name: step.name, sparse, patterns: "state", gradient: maskGradient }).func;
  const evaluation = editFunc(predict, targets, { name: predict.name, sparse: evaluated, patterns: "state" }).func;
  const topology = editFunc(step, targets, { name: "sparse_update", sparse, patterns: "state", denseGradient: true, gradient: maskGradient });
  const update = afterUpdate(topology.func, (b, results, add) => {
    const frac = b.leaf("s.input", STEP_SCALAR, { name: DROP_FRACTION });
    const rng = o.method === "set" ? rngLeaf(b) : undefined;
    topology.ids.forEach((ids, k) => {
      const t = ids.target;
      b.at(t.param.span);
      const kept = b.emit("sp.drop", [results[ids.step!.result], ids.mask, frac], { keep: t.keep, scale: -t.keep });
      const score = rng === undefined ? ids.dense! : b.emit("s.rng_fold", [rng], { salt: REGROW_SALT + k });
      const mask = b.emit("sp.grow", [kept, score], { total: t.keep });
      maskStates(b, ids, results, mask);
      add(t.mask, mask);
    });
  });
  const plan: StepPlan = {
    init: ["sparse_init"],
    rules: [{ func: "sparse_update", from: { step: o.every }, until: { fraction: o.end }, every: o.every }],
    scalars: [{ name: DROP_FRACTION, formula: "cosine", scale: o.drop, from: { step: 0 }, until: { fraction: o.end } }],
  };
  const writers = [sparseInit(targets), update].map((f) => withPatterns(f, targets, sparse));
  return { funcs: [masked, evaluation, ...writers], plan, state: targets.filter(sparse).map(patternParam) };
}

function gradualPruning(step: Func, targets: readonly Target[], o: SparsifyOptions, sparse: (t: Target) => boolean): Built {
  const masked = editFunc(step, targets, { name: step.name, sparse: () => false, gradient: maskGradient }).func;
  const fixed = editFunc(step, targets, { name: "sparse_step", sparse, gradient: maskGradient }).func;
  const pruning = editFunc(step, targets, { name: "gmp_prune", sparse: () => false, gradient: maskGradient });
  const prune = afterUpdate(pruning.func, (b, results, add) => {
    const frac = b.leaf("s.input", STEP_SCALAR, { name: PRUNE_FRACTION });
    for (const ids of pruning.ids) {
      const t = ids.target;
      b.at(t.param.span);
      const mask = b.emit("sp.drop", [results[ids.step!.result], ids.mask, frac], { keep: t.keep, scale: t.size - t.keep });
      maskStates(b, ids, results, mask);
      add(t.mask, mask);
    }
  });
  const end = { fraction: o.end };
  const plan: StepPlan = {
    init: [],
    // The last pruning step lands on `end` exactly (the schedule reaches the final density there).
    rules: [
      { func: "gmp_prune", from: end, until: end, every: 1 },
      { func: "gmp_prune", from: { step: o.every }, until: end, every: o.every },
      { func: "sparse_step", from: end, every: 1 },
    ],
    scalars: [{ name: PRUNE_FRACTION, formula: "cubic", scale: 1, from: { step: 0 }, until: end }],
    selectFrom: end,
  };
  return { funcs: [masked, fixed, prune], plan, state: [] };
}
