import { formatName, formatNumber } from "./text-format.js";
import { PREDICT_AND_STEP_FUNC, PREDICT_FUNC, TRAIN_STEP_FUNC } from "./training.js";
import type { Module } from "./types.js";

/**
 * A step plan: which lowered function trains each step of a run, when that differs by step (a
 * sparse topology update every ΔT steps, the phases of train-and-prune), which functions
 * initialise state before a fresh run's first step, and which scalar inputs the host computes per
 * step (like a learning rate). Technique passes write it; the epoch trainer follows it through a
 * runner; the FLOP accounting sums it. A module without one runs `train_step` every step.
 *
 * Steps are numbered from 1. A point of the run is a step number, or a fraction (rounded down) of
 * the train block's steps — its `epochs`, one step each; a run told to stop earlier or later
 * (`--epochs`) or resumed keeps the block's plan, so that a split run trains as an unbroken one.
 *
 * Text form (after the module's params; see print.ts and parse.ts):
 *   step init sparse_init
 *   step sparse_update{every=50, from=50, until_fraction=0.75}
 *   step scalar drop_fraction = cosine{from=0, scale=0.5, until_fraction=0.75}
 *   step select{from_fraction=0.6}
 */

export type StepPoint = { readonly step: number } | { readonly fraction: number };

/** Function `func` trains the steps t with from ≤ t ≤ until and (t − from) divisible by `every`. */
export interface StepRule {
  readonly func: string;
  readonly from: StepPoint;
  /** Absent: to the end of the run. */
  readonly until?: StepPoint;
  readonly every: number;
}

export const STEP_FORMULAS = ["cosine", "cubic"] as const;
export type StepFormula = (typeof STEP_FORMULAS)[number];

/**
 * A scalar input computed on the host for each step: `scale · f(p)` with p = (t − from)/(until −
 * from) clamped to [0, 1]; cosine f(p) = (1 + cos πp)/2 (RigL's drop fraction), cubic f(p) = (1 − p)³
 * (gradual magnitude pruning's schedule).
 */
export interface StepScalar {
  readonly name: string;
  readonly formula: StepFormula;
  readonly scale: number;
  readonly from: StepPoint;
  readonly until: StepPoint;
}

export interface StepPlan {
  /** Run once each, in order, before the first step of a run that does not resume from saved state. */
  readonly init: readonly string[];
  /** The first rule that matches a step names its function; `train_step` when none does. */
  readonly rules: readonly StepRule[];
  readonly scalars: readonly StepScalar[];
  /**
   * The first step whose state is the method's result (a pruned model): selection (`select =
   * best(…)`) considers only evaluations from here on. Absent: every step.
   */
  readonly selectFrom?: StepPoint;
}

/** The point as the text form writes it: `from=50` or `from_fraction=0.75`. */
export function pointAttr(key: string, p: StepPoint): string {
  return "step" in p ? `${key}=${formatNumber(p.step)}` : `${key}_fraction=${formatNumber(p.fraction)}`;
}

export function printStepPlan(plan: StepPlan): string[] {
  const lines = plan.init.map((f) => `step init ${formatName(f)}`);
  for (const r of plan.rules) {
    const attrs = [`every=${formatNumber(r.every)}`, pointAttr("from", r.from), ...(r.until ? [pointAttr("until", r.until)] : [])];
    lines.push(`step ${formatName(r.func)}{${attrs.join(", ")}}`);
  }
  if (plan.selectFrom) lines.push(`step select{${pointAttr("from", plan.selectFrom)}}`);
  for (const s of plan.scalars) {
    lines.push(`step scalar ${formatName(s.name)} = ${s.formula}{${[pointAttr("from", s.from), `scale=${formatNumber(s.scale)}`, pointAttr("until", s.until)].join(", ")}}`);
  }
  return lines;
}

/** Every problem of a plan against the module's function names (verify.ts reports them). */
export function stepPlanProblems(plan: StepPlan, funcs: ReadonlySet<string>): string[] {
  const out: string[] = [];
  const point = (what: string, p: StepPoint) => {
    if ("step" in p ? !(Number.isInteger(p.step) && p.step >= 0) : !(p.fraction >= 0 && p.fraction <= 1)) {
      out.push(`step plan: ${what} must be a step ≥ 0 or a fraction in [0, 1], got ${JSON.stringify(p)}`);
    }
  };
  for (const f of plan.init) if (!funcs.has(f)) out.push(`step plan: init function ${f} is not defined`);
  for (const r of plan.rules) {
    if (!funcs.has(r.func)) out.push(`step plan: function ${r.func} is not defined`);
    if (!(Number.isInteger(r.every) && r.every >= 1)) out.push(`step plan: every of ${r.func} must be an integer ≥ 1, got ${r.every}`);
    point(`from of ${r.func}`, r.from);
    if (r.until) point(`until of ${r.func}`, r.until);
  }
  if (plan.selectFrom) point("select from", plan.selectFrom);
  for (const s of plan.scalars) {
    if (!(STEP_FORMULAS as readonly string[]).includes(s.formula)) out.push(`step plan: scalar ${s.name} has unknown formula ${s.formula}`);
    if (!Number.isFinite(s.scale)) out.push(`step plan: scalar ${s.name} needs a finite scale`);
    point(`from of scalar ${s.name}`, s.from);
    point(`until of scalar ${s.name}`, s.until);
  }
  return out;
}

// ------------------------------------------------------------------ reading a plan for a run

// The trainer and the FLOP accounting read a plan only through these, so they cannot disagree.

const EMPTY: StepPlan = { init: [], rules: [], scalars: [] };

/** The module's plan; a module without one trains `train_step` every step. */
export function stepPlanOf(module: Module): StepPlan {
  return module.steps ?? EMPTY;
}

/** The step a point names when the block trains `total` steps. */
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

/** Whether an evaluation after step `t` may be selected (the plan's `selectFrom`). */
export function selectableAt(plan: StepPlan, t: number, total: number): boolean {
  return !plan.selectFrom || t >= resolvePoint(plan.selectFrom, total);
}

/** How many of steps `first + 1 … last` each function trains (points resolved for `total`), in order of first use. */
export function stepCounts(plan: StepPlan, total: number, first = 0, last = total): Map<string, number> {
  const counts = new Map<string, number>();
  for (let t = first + 1; t <= last; t++) {
    const f = funcAt(plan, t, total);
    counts.set(f, (counts.get(f) ?? 0) + 1);
  }
  return counts;
}

/**
 * The functions a run loads whose steps (and initialisation) run `stepFuncs`: those, `predict`,
 * and `predict_and_step` where the plain step is among them and the module has it (the
 * evaluation run with the next step, passes/evaluate-ahead.ts). In order, each once.
 */
export function runFuncs(module: Module, stepFuncs: Iterable<string>): string[] {
  const names = new Set([...stepFuncs, PREDICT_FUNC]);
  if (names.has(TRAIN_STEP_FUNC) && module.funcs.some((f) => f.name === PREDICT_AND_STEP_FUNC)) names.add(PREDICT_AND_STEP_FUNC);
  return [...names];
}
