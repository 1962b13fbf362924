import type { Diagnostic } from "../../grammar/diagnostics.js";
import type { Module } from "../ir/types.js";
import type { ScheduleName, SplitName, TrainSpec } from "../train/spec.js";
import type { ScheduleOption } from "./options.js";

/**
 * Schedules: programs of programs (design.md §9). `passes = […]` rewrites the IR of one training
 * step; a schedule trains several programs in an order the host drives. The compiler lowers a
 * `schedule = kind(…)` train block to a ScheduleProgram: ordinary IR functions (in a Module, so
 * they go through the rest of the compile pipeline as `train_step` does: technique passes,
 * cleanup, fusion and kernels on the GPU) and a host plan (data) saying which function runs in
 * which order and how often, what flows between them and what is reported.
 *
 * What a schedule kind provides (the contract every kind — decoupled, admm, soup — follows):
 *
 *  1. `options`: the schema of `kind(…)`'s options. The frontend checks a train block against it
 *     (unknown names with did-you-mean, types, ranges, per-item list lengths), each error located
 *     at its option, before anything is lowered (options.ts).
 *  2. `uses`: which train-block keys the kind reads besides data, loss, optimizer, select and
 *     report. A kind that builds its own functions from its options (decoupled) does not take
 *     `model`; one that trains for its own count of iterations does not take `epochs`. The
 *     frontend neither requires nor accepts the keys a kind does not use.
 *  3. `lower(spec, module)`: the program, or located diagnostics for what depends on the rest of
 *     the block (the loss, the reports, the optimizer). Lowering runs in the compile pipeline,
 *     which `gnnc check` runs too: check refuses what training would.
 *       - Every state entry a function reads or writes — parameters, optimizer states, and the
 *         tensors that flow between functions — is a `Module.params` entry (non-trainable ones
 *         for what is not a parameter), so a runner initialises it and keeps it on the device.
 *         A function hands a tensor to the next by returning it under the entry's name.
 *       - Functions take their per-run values as named inputs; the plan says where each comes
 *         from (InputSource), and the driver supplies them.
 *  4. A host driver, runtime/schedules/<kind>.ts: a client of the Runner (the interface the epoch
 *     trainer uses, so it runs on the GPU and the reference device alike) that follows the plan
 *     phase by phase, evaluates where the plan says, reports each phase (progress, time, metrics)
 *     and saves or resumes at phase boundaries (runtime/schedules/driver.ts does the shared part).
 *
 * Every numeric update is a function of the program: the host only draws batches, counts steps,
 * resets state to its initial kind (zeros, identity) and reads results back.
 */
export interface ScheduleProgram {
  kind: ScheduleName;
  /** One line: what the program trains (printed by `gnnc ir`). */
  summary: string;
  /** The phases in order; a run resumes at a phase boundary. */
  phases: readonly Phase[];
  /** State entries every phase recomputes before reading: not saved in checkpoints. */
  transient: readonly string[];
}

/** One phase: a pass of forward or backward training, an ADMM iteration, an ingredient, a mix. */
export interface Phase {
  /** Unique and short: `ft.0`, `bt.1`. */
  name: string;
  /** For people: `FT pass 0`. */
  label: string;
  /** Its number among the phases of its kind (`FT pass 3`: 3): where reports place it. */
  pass: number;
  steps: readonly PlanStep[];
  /** Evaluate (and offer for selection) after the phase. */
  evaluate: boolean;
}

export type PlanStep = RunStep | ResetStep;

/** Run a function `times` times, its inputs drawn afresh for each run. */
export interface RunStep {
  kind: "run";
  func: string;
  times: number;
  inputs: Readonly<Record<string, InputSource>>;
  /** A scalar result logged on every run (the loss), for progress and the phase's record. */
  log?: string;
  /** What the step belongs to, for progress (`module 2`). */
  part?: string;
}

/** Put state entries back to their initial kind, and restart step counters (a fresh optimizer). */
export interface ResetStep {
  kind: "reset";
  /** Entries set to zeros (optimizer states). */
  zeros: readonly string[];
  /** Entries set to the identity (a square matrix). */
  identity: readonly string[];
  /** Step counters restarted. */
  counters: readonly string[];
}

/** Where a function's per-run input comes from. */
export type InputSource =
  /**
   * Row indices (i32[symbol]): `size` rows of `rows` drawn without replacement for each run, or
   * all of them in order when `size` is `all` or at least their count. The driver binds `symbol`
   * to the batch's row count.
   */
  | { from: "batch"; rows: SplitName | "all"; size: number | "all"; symbol: string }
  /** The 1-based count of runs since the counter was last reset (Adam's bias correction). */
  | { from: "step"; counter: string }
  /** A constant scalar (a learning rate). */
  | { from: "value"; value: number }
  /** A fresh random key per run (dropout, masks), derived from the seed. */
  | { from: "key" };

/** The train-block keys a kind reads besides data, loss, optimizer, select, report and seed. */
export interface ScheduleUses {
  model: boolean;
  epochs: boolean;
}

export interface ScheduleKind {
  name: ScheduleName;
  /** What the kind does, one line (help texts). */
  summary: string;
  options: readonly ScheduleOption[];
  uses: ScheduleUses;
  /**
   * The program: `module` is the block's module (the model's functions, or, for a kind that
   * does not use a model, none) with the dataset's sizes as symbols.
   */
  lower(spec: TrainSpec, module: Module): { module: Module; program: ScheduleProgram } | Diagnostic[];
}
