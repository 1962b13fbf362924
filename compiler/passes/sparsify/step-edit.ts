import { FuncBuilder } from "../../ir/builder.js";
import { rewriteFunc } from "../../ir/rewrite.js";
import { paramName } from "../../ir/struct-views.js";
import type { Func, ParamInfo } from "../../ir/types.js";
import { paramStep, type ParamStep } from "../../ir/training.js";
import { patternLength } from "../../ir/ops/sparse-matmul.js";
import type { Target } from "./targets.js";

/**
 * The edits `sparsify` makes to lowered functions, one building block each:
 *
 *  - `editFunc`: a copy of a function (under a new name) that reads each target's mask (and any
 *    other state the method keeps per weight) beside the weight; whose matmuls of a target's
 *    weight run on the mask's compressed pattern where `sparse` says so (sp.matmul; forward and
 *    the input's gradient); and, in a training step, whose update reads the gradient `gradient`
 *    makes of autodiff's. A sparse target's gradient may be computed at the mask's positions only
 *    (sp.sddmm) instead of densely, unless the dense gradient is wanted (RigL regrows by it).
 *  - `afterUpdate`: nodes appended after a step's update, replacing some of its results (new
 *    weights, states, masks): what a topology update, a hard prune or an ADMM dual update does
 *    once the optimizer has stepped.
 */

/** The ids one target's values have in an edited function. */
export interface TargetIds {
  target: Target;
  weight: number;
  mask: number;
  /** Extra state leaves, by parameter name. */
  state: Map<string, number>;
  /** The compressed mask, when the target's matmuls use it. */
  pattern?: number;
  /** In a step: autodiff's gradient (dense), when still computed. */
  dense?: number;
  /** In a step: where the step's update, its states and the gradient are (paramStep). */
  step?: ParamStep;
}

export interface EditOptions {
  /** The edited copy's name. */
  name: string;
  /** Extra state each target's values read (parameters, made by the caller). */
  state?(t: Target): readonly ParamInfo[];
  /** Whether the target's matmuls run on its mask's pattern. */
  sparse(t: Target): boolean;
  /**
   * Where that pattern comes from: `state`, the pattern parameter (patternParam) that every
   * function writing the mask also writes (withPatterns); absent, compressed from the mask here.
   */
  patterns?: "state";
  /** Keep the dense gradient of sparse targets (their update still reads a masked one). */
  denseGradient?: boolean;
  /**
   * In a step: the gradient the update reads, from autodiff's `g` (already masked when computed
   * as sp.sddmm: `masked`). Absent: the gradient is not changed.
   */
  gradient?(b: FuncBuilder, ids: TargetIds, g: number, masked: boolean): number;
}

/** A step's update of each target (undefined entries: the function is not a step, or the update is not lower.ts's). */
export function stepsOf(func: Func, targets: readonly Target[]): (ParamStep | undefined)[] {
  return targets.map((t) => paramStep(func, t.param.name));
}

export function editFunc(func: Func, targets: readonly Target[], o: EditOptions): { func: Func; ids: TargetIds[] } {
  const steps = o.gradient ? stepsOf(func, targets) : targets.map(() => undefined);
  const ids: (TargetIds | undefined)[] = targets.map(() => undefined);
  const byWeight = new Map<number, number>();
  const byGradient = new Map<number, number>();
  const weightOf = new Map(targets.map((t, k) => [t.param.name, k]));
  steps.forEach((s, k) => {
    if (s) byGradient.set(s.gradient, k);
  });
  const edited = rewriteFunc(func, (node, { b, keep }) => {
    const name = paramName(node);
    const k = name === undefined ? undefined : weightOf.get(name);
    if (k !== undefined) {
      // The mask and the method's state are read beside the weight, at the top level.
      const t = targets[k];
      const weight = keep();
      const mask = b.leaf("s.param", t.param.type, { name: t.mask }, t.param.span);
      const state = new Map((o.state?.(t) ?? []).map((p) => [p.name, b.leaf("s.param", p.type, { name: p.name }, p.span)]));
      const pattern = !o.sparse(t)
        ? undefined
        : o.patterns === "state"
          ? b.leaf("s.param", patternParam(t).type, { name: t.pattern }, t.param.span)
          : b.emit("sp.pattern", [mask], { nnz: t.keep }, t.param.span);
      ids[k] = { target: t, weight, mask, state, ...(pattern !== undefined ? { pattern } : {}), ...(steps[k] ? { step: steps[k] } : {}) };
      byWeight.set(weight, k);
      return weight;
    }
    const w = node.op === "t.matmul" && node.attrs.transA !== true ? byWeight.get(node.inputs[1]) : undefined;
    const matmulOf = w === undefined ? undefined : ids[w];
    if (matmulOf?.pattern !== undefined) {
      return b.emit("sp.matmul", [node.inputs[0], matmulOf.weight, matmulOf.pattern], { nnz: matmulOf.target.keep, transB: node.attrs.transB === true });
    }
    const g = byGradient.get(node.id);
    const gradOf = g === undefined ? undefined : ids[g];
    if (!gradOf || !o.gradient) return undefined;
    // Autodiff's gradient of W in y = x·Wᵀ is ȳᵀ·x: at the mask's positions only, it is an sddmm.
    const product = node.op === "t.matmul" && node.attrs.transA === true && node.attrs.transB !== true;
    if (gradOf.pattern !== undefined && product && !o.denseGradient) {
      const sampled = b.emit("sp.sddmm", [node.inputs[0], node.inputs[1], gradOf.pattern], { nnz: gradOf.target.keep });
      return o.gradient(b, gradOf, sampled, true);
    }
    gradOf.dense = keep();
    return o.gradient(b, gradOf, gradOf.dense, false);
  });
  const missing = targets.filter((_, k) => !ids[k]);
  if (missing.length) throw new Error(`sparsify: ${func.name} does not read ${missing.map((t) => t.param.name).join(", ")}`);
  return { func: { ...edited, name: o.name }, ids: ids as TargetIds[] };
}

/**
 * The compressed pattern of target t's mask as a parameter: a mask changes only at topology
 * updates and prunes, so the steps and evaluations between them read it instead of compressing
 * the mask again each time (on Coauthor CS, hidden 512, that was 3 launches and 21 ms per
 * function). Its value is only meaningful once a function that writes the mask has run.
 */
export function patternParam(t: Target): ParamInfo {
  return {
    name: t.pattern,
    type: { kind: "tensor", dtype: "i32", shape: [patternLength(t.rows, t.cols, t.keep)] },
    init: { kind: "zeros" },
    trainable: false,
    ...(t.param.span ? { span: t.param.span } : {}),
  };
}

/** `func` also writing the pattern of each mask it writes whose target `sparse` compresses. */
export function withPatterns(func: Func, targets: readonly Target[], sparse: (t: Target) => boolean): Func {
  return afterUpdate(func, (b, results, add) => {
    for (const t of targets) {
      const at = func.resultNames.indexOf(t.mask);
      if (!sparse(t) || at < 0) continue;
      b.at(t.param.span);
      add(t.pattern, b.emit("sp.pattern", [results[at]], { nnz: t.keep }));
    }
  });
}

/** The masked gradient: what a sparse step's update reads (`masked` already when computed at the mask's positions). */
export function maskGradient(b: FuncBuilder, ids: TargetIds, g: number, masked: boolean): number {
  return masked ? g : b.emit("sp.mask", [g, ids.mask], {}, ids.target.param.span);
}

/**
 * `func` with what `build` emits appended after its nodes; `build` may replace results (by
 * index) and add results (by name).
 */
export function afterUpdate(func: Func, build: (b: FuncBuilder, results: number[], add: (name: string, id: number) => void) => void): Func {
  const b = new FuncBuilder(func.name, func);
  const results = [...func.results];
  const names = [...func.resultNames];
  build(b, results, (name, id) => {
    results.push(id);
    names.push(name);
  });
  return b.finish(results, names);
}

/** Each of the step's updated states of target `ids` masked by `mask` (results replaced in place). */
export function maskStates(b: FuncBuilder, ids: TargetIds, results: number[], mask: number): void {
  const span = ids.target.param.span;
  const step = ids.step!;
  results[step.result] = b.emit("sp.mask", [results[step.result], mask], {}, span);
  for (const s of step.states) results[s] = b.emit("sp.mask", [results[s], mask], {}, span);
}
