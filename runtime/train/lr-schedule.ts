import type { LrScheduleSpec, OptionValue } from "../../compiler/train/spec.js";

/**
 * Learning-rate schedules in PyTorch's closed forms. `epoch` counts from 0: `lrAt(s, lr, e)` is the
 * rate used during epoch e, i.e. after e calls of scheduler.step() in PyTorch.
 *
 *   step(step_size, gamma = 0.1)                 StepLR:  lr·gamma^⌊e/step_size⌋
 *   cosine(T_max, eta_min = 0)                   CosineAnnealingLR: eta_min + (lr − eta_min)(1 + cos(π·e/T_max))/2
 *   cosine_restarts(T_0, T_mult = 1, eta_min = 0) CosineAnnealingWarmRestarts: the same within each period,
 *                                                periods T_0, T_0·T_mult, T_0·T_mult², …
 *
 * Argument names are PyTorch's; the lower-case spellings t_max, t_0 and t_mult are accepted too.
 */

/** What a schedule is made of (the frontend's LrScheduleSpec without its span). */
export type LrSchedule = Pick<LrScheduleSpec, "name" | "args">;

interface ArgRule {
  /** Accepted spellings, PyTorch's first. */
  names: readonly string[];
  default?: number;
  integer?: boolean;
  /** Smallest allowed value. */
  min: number;
}

const RULES: Record<LrSchedule["name"], readonly ArgRule[]> = {
  step: [
    { names: ["step_size"], integer: true, min: 1 },
    { names: ["gamma"], default: 0.1, min: 0 },
  ],
  cosine: [
    { names: ["T_max", "t_max"], integer: true, min: 1 },
    { names: ["eta_min"], default: 0, min: 0 },
  ],
  cosine_restarts: [
    { names: ["T_0", "t_0"], integer: true, min: 1 },
    { names: ["T_mult", "t_mult"], default: 1, integer: true, min: 1 },
    { names: ["eta_min"], default: 0, min: 0 },
  ],
};

/** The schedule's arguments by PyTorch name, defaults filled in, plus every problem found. */
function resolveArgs(s: LrSchedule): { values: Record<string, number>; problems: string[] } {
  const rules = RULES[s.name];
  const values: Record<string, number> = {};
  const problems: string[] = [];
  if (!rules) return { values, problems: [`unknown learning-rate schedule \`${s.name}\``] };
  const known = new Set(rules.flatMap((r) => r.names));
  for (const k of Object.keys(s.args)) {
    if (!known.has(k)) problems.push(`\`${s.name}\` has no option \`${k}\`; it takes ${rules.map((r) => r.names[0]).join(", ")}`);
  }
  for (const rule of rules) {
    const name = rule.names[0];
    const given = rule.names.filter((n) => n in s.args);
    if (given.length > 1) problems.push(`\`${name}\` is given twice (as ${given.join(" and ")})`);
    const raw: OptionValue | undefined = given.length ? s.args[given[0]] : rule.default;
    if (raw === undefined) {
      problems.push(`\`${s.name}\` needs \`${name}\``);
      continue;
    }
    if (typeof raw !== "number" || !Number.isFinite(raw) || (rule.integer && !Number.isInteger(raw)) || raw < rule.min) {
      problems.push(`\`${name}\` must be ${rule.integer ? "an integer" : "a number"} ≥ ${rule.min}, got ${String(raw)}`);
      continue;
    }
    values[name] = raw;
  }
  return { values, problems };
}

/** Every problem with a schedule's arguments (empty when it is usable). */
export function lrScheduleProblems(s: LrSchedule): string[] {
  return resolveArgs(s).problems;
}

function cosine(baseLr: number, etaMin: number, tCur: number, period: number): number {
  return etaMin + ((baseLr - etaMin) * (1 + Math.cos((Math.PI * tCur) / period))) / 2;
}

/** The position within the current warm-restart period and that period's length. */
function restartPosition(epoch: number, t0: number, tMult: number): { tCur: number; period: number } {
  if (tMult === 1) return { tCur: epoch % t0, period: t0 };
  // Walk the geometric periods: exact in integers, unlike PyTorch's log-based shortcut (same result).
  let period = t0;
  let tCur = epoch;
  while (tCur >= period) {
    tCur -= period;
    period *= tMult;
  }
  return { tCur, period };
}

/** The learning rate during epoch `epoch` (from 0); `baseLr` when there is no schedule. Throws on bad arguments. */
export function lrAt(schedule: LrSchedule | undefined, baseLr: number, epoch: number): number {
  if (!(Number.isInteger(epoch) && epoch >= 0)) throw new Error(`epoch must be an integer ≥ 0, got ${epoch}`);
  if (!schedule) return baseLr;
  const { values, problems } = resolveArgs(schedule);
  if (problems.length) throw new Error(`learning-rate schedule \`${schedule.name}\`: ${problems.join("; ")}`);
  switch (schedule.name) {
    case "step":
      return baseLr * values.gamma ** Math.floor(epoch / values.step_size);
    case "cosine":
      return cosine(baseLr, values.eta_min, epoch, values.T_max);
    case "cosine_restarts": {
      const { tCur, period } = restartPosition(epoch, values.T_0, values.T_mult);
      return cosine(baseLr, values.eta_min, tCur, period);
    }
  }
}
