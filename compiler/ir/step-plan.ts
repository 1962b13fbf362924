import { formatName, formatNumber } from "./text-format.js";

/**
 * A step plan: which lowered function trains each step of a run, when that differs by step (a
 * sparse topology update every ΔT steps, the phases of train-and-prune), which functions
 * initialise state before a fresh run's first step, and which scalar inputs the host computes per
 * step (like a learning rate). Technique passes write it; the epoch trainer follows it through a
 * runner; the FLOP accounting sums it. A module without one runs `train_step` every step.
 *
 * Steps are numbered from 1. A point of the run is a step number, or a fraction of the run's
 * steps (rounded down), so that phases follow the length of the run they are given.
 *
 * Text form (after the module's params; see print.ts and parse.ts):
 *   step init sparse_init
 *   step sparse_update{every=50, from=50, until_fraction=0.75}
 *   step scalar drop_fraction = cosine{from=0, scale=0.5, until_fraction=0.75}
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
  for (const s of plan.scalars) {
    if (!(STEP_FORMULAS as readonly string[]).includes(s.formula)) out.push(`step plan: scalar ${s.name} has unknown formula ${s.formula}`);
    if (!Number.isFinite(s.scale)) out.push(`step plan: scalar ${s.name} needs a finite scale`);
    point(`from of scalar ${s.name}`, s.from);
    point(`until of scalar ${s.name}`, s.until);
  }
  return out;
}
