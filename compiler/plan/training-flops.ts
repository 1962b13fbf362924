import { stepCounts, stepPlanOf } from "../ir/step-plan.js";
import { TRAIN_STEP_FUNC } from "../ir/training.js";
import type { Func, Module } from "../ir/types.js";
import { funcCost } from "./flops.js";

/**
 * A run's training FLOPs from the IR cost model, exactly: each step costs the function its step
 * plan runs there (compiler/ir/step-plan.ts), and a fresh run adds its init functions once. With
 * RigL's plan this is RigL's accounting — sparse steps cost their pattern products, and the
 * topology steps the dense gradient they compute — without a formula: the functions say it.
 * The dense reference is the `train_step` of the same training compiled without the passes after
 * lowering (compiler/pipeline.ts's baseline), every step.
 */

export interface FunctionFlops {
  name: string;
  /** FLOPs of one call. */
  flops: number;
  /** Calls in the run (init functions: 1). */
  calls: number;
}

export interface TrainingFlops {
  steps: number;
  /** The functions the run calls, init functions first, with their FLOPs per call and calls. */
  functions: FunctionFlops[];
  /** One dense step: the baseline's `train_step`. */
  denseStep: number;
  /** The run: Σ calls × FLOPs per call. */
  run: number;
  /** The dense run: steps × denseStep. */
  denseRun: number;
}

function named(module: Module, name: string): Func {
  const f = module.funcs.find((g) => g.name === name);
  if (!f) throw new Error(`module ${module.name} has no function ${name}`);
  return f;
}

/**
 * `trained`: the module after every pass; `baseline`: without those after lowering (its
 * train_step is the dense step); a run of `steps` steps of a block planned for `planned` steps.
 */
export function trainingFlops(trained: Module, baseline: Module, steps: number, symbols: Readonly<Record<string, number>>, planned = steps): TrainingFlops {
  const plan = stepPlanOf(trained);
  const calls = [...plan.init.map((name): [string, number] => [name, 1]), ...stepCounts(plan, planned, 0, steps)];
  const functions = calls.map(([name, count]) => ({ name, flops: funcCost(named(trained, name), symbols).flops, calls: count }));
  const denseStep = funcCost(named(baseline, TRAIN_STEP_FUNC), symbols).flops;
  return { steps, functions, denseStep, run: functions.reduce((n, f) => n + f.flops * f.calls, 0), denseRun: steps * denseStep };
}
