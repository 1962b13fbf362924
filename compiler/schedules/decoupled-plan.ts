import type { Func } from "../ir/types.js";
import { inputName } from "../ir/struct-views.js";
import { STEP_INPUT } from "../train/optimizer-options.js";
import type { SplitName } from "../train/spec.js";
import { uName, type ModuleShape } from "./decoupled-funcs.js";
import type { Options } from "./decoupled.js";
import type { InputSource, Phase, PlanStep } from "./program.js";

/**
 * The host plan of decoupled training (the phases ./decoupled.ts describes): FT pass 0, then per
 * round a BT pass (modules L..1, each input recomputed by the modules below it, its target from
 * the module above) and an FT pass (modules 1..L, each target recomputed from the last FT pass's
 * chain). A visit restarts the optimizer (and, backward, U) and runs `max_iter` steps.
 */

export interface PlanContext {
  shapes: readonly ModuleShape[];
  options: Options;
  funcs: ReadonlyMap<string, Func>;
  /** Each module's optimizer states, restarted at a visit. */
  optimizerStates: ReadonlyMap<string, readonly string[]>;
  /** The name of module t's step: forward or backward, against a target or on its own loss. */
  stepName(t: number, direction: "ft" | "bt", target: boolean): string;
  /** The rows a module's own loss draws batches from (the loss split, or all rows when unsupervised). */
  rows: SplitName | "all";
  /** Each learning-rate input's rate. */
  rates: ReadonlyMap<string, number>;
}

export function decoupledPhases(ctx: PlanContext): Phase[] {
  const { shapes, options: o, funcs, optimizerStates, stepName, rows, rates } = ctx;
  const L = shapes.length;
  const sources = (func: Func, m: ModuleShape, t: number): Record<string, InputSource> => {
    const out: Record<string, InputSource> = {};
    for (const n of func.body) {
      const name = inputName(n);
      if (name === `${m.name}.rows` || name === `${m.name}.train_rows`) out[name] = { from: "batch", rows, size: o.batch[t], symbol: name };
      else if (name === `${m.name}.all_rows`) out[name] = { from: "batch", rows: "all", size: o.batch[t], symbol: name };
      else if (name === "key") out[name] = { from: "key" };
      else if (name === STEP_INPUT) out[name] = { from: "step", counter: m.name };
      else if (name !== undefined && rates.has(name)) out[name] = { from: "value", value: rates.get(name)! };
    }
    return out;
  };
  const run = (func: string, times = 1, part?: string, m?: ModuleShape, t = 0): PlanStep => {
    const f = funcs.get(func)!;
    // A module's training steps log their loss; what runs once per visit logs nothing.
    return { kind: "run", func, times, inputs: m ? sources(f, m, t) : {}, ...(part ? { log: "loss", part } : {}) };
  };
  const propagate = (t: number, chain: "new" | "old") => {
    const m = shapes[t];
    return run(t === 0 ? "propagate.x" : `${chain === "new" ? "propagate" : "propagate_old"}.k${m.k}.${m.din}`);
  };
  const train = (t: number, func: string, backward: boolean): PlanStep[] => {
    const m = shapes[t];
    const reset = {
      kind: "reset",
      zeros: o.reset_optimizer ? (optimizerStates.get(m.name) ?? []) : [],
      identity: backward && t > 0 ? [uName(m)] : [],
      counters: o.reset_optimizer ? [m.name] : [],
    } as const;
    const resets: PlanStep[] = reset.zeros.length + reset.identity.length + reset.counters.length > 0 ? [reset] : [];
    return [...resets, run(func, o.max_iter[t], `module ${t + 1}`, m, t)];
  };
  const ft = (pass: number): Phase => {
    const steps: PlanStep[] = [];
    shapes.forEach((m, t) => {
      const last = t === L - 1;
      if (pass > 0 && !last) steps.push(propagate(t, "old"), run(`${m.name}.embed_old`), run(`${shapes[t + 1].name}.target`));
      steps.push(propagate(t, "new"), ...train(t, stepName(t, "ft", pass > 0 && !last), false), run(`${m.name}.embed`));
    });
    return { name: `ft.${pass}`, label: `FT pass ${pass}`, pass, steps, evaluate: true };
  };
  const bt = (pass: number): Phase => {
    const steps: PlanStep[] = [];
    for (let t = L - 1; t >= 0; t--) {
      for (let r = 0; r < t; r++) steps.push(propagate(r, "old"), run(`${shapes[r].name}.embed_old`));
      steps.push(propagate(t, "old"), ...train(t, stepName(t, "bt", t < L - 1), true));
      if (t > 0) steps.push(run(`${shapes[t].name}.target`));
    }
    return { name: `bt.${pass}`, label: `BT pass ${pass}`, pass, steps, evaluate: false };
  };
  const phases = [ft(0)];
  for (let pass = 1; pass <= o.passes; pass++) phases.push(bt(pass), ft(pass));
  return phases;

}
