import type { StepPlan, StepPoint, StepRule, StepScalar } from "../ir/step-plan.js";
import type { Module } from "../ir/types.js";
import { TRAIN_STEP_FUNC } from "../ir/training.js";

/**
 * Reading a module's step plan (compiler/ir/step-plan.ts) for a run of `total` steps: the function
 * of each step, the host scalars of each step, and how often each function runs. The trainer and
 * the FLOP accounting read the plan only through these, so they cannot disagree.
 */

const EMPTY: StepPlan = { init: [], rules: [], scalars: [] };

/** The module's plan; a module without one trains `train_step` every step. */
export function stepPlanOf(module: Module): StepPlan {
  return module.steps ?? EMPTY;
}

/** The step a point names in a run of `total` steps. */
export function resolvePoint(p: StepPoint, total: number): number {
  return "step" in p ? p.step : Math.floor(p.fraction * total);
}

function matches(rule: StepRule, t: number, total: number): boolean {
  const from = resolvePoint(rule.from, total);
  if (t < from || (rule.until && t > resolvePoint(rule.until, total))) return false;
  return (t - from) % rule.every === 0;
}

/** The function that trains step `t` (1-based) of a run of `total` steps. */
export function funcAt(plan: StepPlan, t: number, total: number): string {
  return plan.rules.find((r) => matches(r, t, total))?.func ?? TRAIN_STEP_FUNC;
}

function scalarAt(s: StepScalar, t: number, total: number): number {
  const from = resolvePoint(s.from, total);
  const until = resolvePoint(s.until, total);
  const p = until > from ? Math.min(1, Math.max(0, (t - from) / (until - from))) : t >= until ? 1 : 0;
  return s.scale * (s.formula === "cosine" ? (1 + Math.cos(Math.PI * p)) / 2 : (1 - p) ** 3);
}

/** The host-computed scalar inputs of step `t`, by input name. */
export function scalarsAt(plan: StepPlan, t: number, total: number): Record<string, number> {
  return Object.fromEntries(plan.scalars.map((s) => [s.name, scalarAt(s, t, total)]));
}

/** How many of steps `first + 1 … total` each function trains, in order of first use. */
export function stepCounts(plan: StepPlan, total: number, first = 0): Map<string, number> {
  const counts = new Map<string, number>();
  for (let t = first + 1; t <= total; t++) {
    const f = funcAt(plan, t, total);
    counts.set(f, (counts.get(f) ?? 0) + 1);
  }
  return counts;
}
