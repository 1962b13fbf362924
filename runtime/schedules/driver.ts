import { concreteShape } from "../../compiler/ir/dims.js";
import { foldKey, keyFromSeed } from "../../compiler/ir/rng.js";
import { alloc } from "../../compiler/ir/ops/common.js";
import type { Module } from "../../compiler/ir/types.js";
import type { TensorValue, Value } from "../../compiler/ir/values.js";
import type { Phase, RunStep, ScheduleProgram } from "../../compiler/schedules/program.js";
import type { TrainSpec } from "../../compiler/train/spec.js";
import { matchParams } from "../checkpoint/match.js";
import type { GpuDevice } from "../gpu/index.js";
import { initParams } from "../reference/index.js";
import { openRunner } from "../runner/open.js";
import { openPartitionedRunner } from "../runner/partitioned.js";
import type { Runner } from "../runner/runner.js";
import type { BoundData } from "../train/bind.js";
import type { Metrics } from "../train/metrics-keys.js";
import { Selection, type Selected } from "../train/selection.js";
import { unchangingInputs } from "../train/step-inputs.js";
import type { StartState } from "../train/trainer.js";
import { BatchDraws, batchSymbols } from "./batches.js";
import type { ScheduleProgress } from "./progress.js";
import type { PhaseRecord, ScheduleResult } from "./result.js";
import type { SoupRunOptions } from "./soup.js";
import { runRecord } from "../train/run-record.js";

/**
 * The part every schedule driver shares: open a runner on the program's functions, follow the
 * plan phase by phase — draw the batches, count the steps, reset state, run the functions, read
 * the logged losses back once per step of the plan — evaluate where the plan says (the kind's
 * `evaluate`), select, and report each phase. A run resumed from a checkpoint starts at the phase
 * after the one it was saved at, and continues exactly: batches are drawn per phase from the seed,
 * and step counts are replayed from the plan.
 */

/** A checkpoint a schedule run cannot continue from. */
export class ResumeError extends Error {}

/** What a kind's driver adds to the shared part. */
export interface KindDriver {
  /** The metrics after an evaluating phase (the runner holds the state the phase left). */
  evaluate(runner: Runner, phase: Phase): Promise<Metrics>;
  /** After every phase: the kind's own measurements of it (ADMM's objective and residual), kept in its record. */
  measure?(runner: Runner, phase: Phase): Promise<Record<string, number>>;
}

export interface ScheduleRunOptions {
  seed: number;
  gpu?: GpuDevice;
  /** A checkpoint to resume from: `epoch` counts the phases it was saved after. */
  start?: StartState;
  onProgress?(p: ScheduleProgress): void;
  /** Called when the selected phase changes, with the state to save there (transient entries left out). */
  onSelect?(phasesDone: number, state: Readonly<Record<string, TensorValue>>): void;
  /** What only a soup reads: ingredients to load or save. */
  soup?: SoupRunOptions;
}

export interface ScheduleTarget {
  spec: TrainSpec;
  /** The compiled module: every function of the program, every state entry. */
  module: Module;
  program: ScheduleProgram;
  data: BoundData;
  /** The module's and the data's symbols. */
  symbols: Readonly<Record<string, number>>;
}

/** The last loss a phase logged. */
export function lastLoss(r: PhaseRecord): number | undefined {
  const v = r.visits[r.visits.length - 1]?.losses;
  return v?.[v.length - 1];
}

/** The state a checkpoint resumes: its tensors for every entry that is not transient, the rest as initialised. */
function startState(t: ScheduleTarget, symbols: Readonly<Record<string, number>>, seed: number, start?: StartState): Record<string, TensorValue> {
  const init = initParams(t.module, seed, symbols);
  if (!start) return init;
  const kept = { ...t.module, params: t.module.params.filter((p) => !t.program.transient.includes(p.name)) };
  return { ...init, ...matchParams(kept, symbols, start.tensors, start.source) };
}

/** Every step counter's value after the first `phases` phases (their runs replayed without running). */
function countersAfter(program: ScheduleProgram, phases: number): Map<string, number> {
  const counters = new Map<string, number>();
  for (const phase of program.phases.slice(0, phases)) {
    for (const s of phase.steps) {
      if (s.kind === "reset") for (const c of s.counters) counters.set(c, 0);
      else for (const src of Object.values(s.inputs)) if (src.from === "step") counters.set(src.counter, (counters.get(src.counter) ?? 0) + s.times);
    }
  }
  return counters;
}

export async function runSchedule(t: ScheduleTarget, kind: KindDriver, options: ScheduleRunOptions): Promise<ScheduleResult> {
  const { program, spec, data } = t;
  const symbols = { ...t.symbols, ...batchSymbols(program, data) };
  const first = options.start?.epoch ?? 0;
  if (first >= program.phases.length) {
    throw new ResumeError(`${options.start!.source} is at phase ${first}, and the plan of \`${spec.name}\` has ${program.phases.length}: nothing left to train`);
  }
  const state = startState(t, symbols, options.seed, options.start);
  const opened = { funcs: t.module.funcs, data: unchangingInputs(spec, data), state, symbols };
  const placement = program.placement;
  const runner = placement && placement.devices > 1 ? await openPartitionedRunner(opened, placement, options.gpu) : await openRunner(opened, options.gpu);
  try {
    return await follow(runner, t, kind, options, symbols, first);
  } finally {
    runner.destroy();
  }
}

async function follow(runner: Runner, t: ScheduleTarget, kind: KindDriver, options: ScheduleRunOptions, symbols: Readonly<Record<string, number>>, first: number): Promise<ScheduleResult> {
  const { program, spec, module } = t;
  const types = new Map(module.params.map((p) => [p.name, p.type]));
  const fill = (name: string, identity: boolean): TensorValue => {
    const type = types.get(name);
    if (!type) throw new Error(`internal: the plan resets \`${name}\`, which is no state entry`);
    const shape = concreteShape(type.shape, symbols, `state entry ${name}`);
    const v = alloc(type.dtype, shape);
    if (identity) for (let i = 0; i < shape[0]; i++) v.data[i * shape[1] + i] = 1;
    return v;
  };
  const keep = (all: Record<string, TensorValue>) => Object.fromEntries(Object.entries(all).filter(([name]) => !program.transient.includes(name)));

  const counters = countersAfter(program, first);
  const draws = new BatchDraws(t.data, options.seed);
  const resumed: Selected | undefined = options.start?.metrics ? { epoch: first, metrics: options.start.metrics } : undefined;
  const selection = new Selection(spec.select, undefined, resumed);
  if (resumed && options.onSelect) options.onSelect(first, keep(await runner.state()));
  const records: PhaseRecord[] = [];
  // Random keys (masks, dropout): one stream per phase, so a resumed run draws what the whole run did.
  const root = foldKey(keyFromSeed(options.seed), 0x6b6579);
  let phaseKey = root;
  let keys = 0;

  const runStep = async (s: RunStep, phase: number, label: string): Promise<PhaseRecord["visits"][number] | undefined> => {
    for (let k = 0; k < s.times; k++) {
      const inputs: Record<string, Value> = {};
      for (const [name, src] of Object.entries(s.inputs)) {
        if (src.from === "batch") inputs[name] = draws.draw(src, symbols[src.symbol]);
        else if (src.from === "step") {
          const n = (counters.get(src.counter) ?? 0) + 1;
          counters.set(src.counter, n);
          inputs[name] = { kind: "tensor", dtype: "f32", shape: [], data: Float32Array.of(n) };
        } else if (src.from === "value") inputs[name] = { kind: "tensor", dtype: "f32", shape: [], data: Float32Array.of(src.value) };
        else inputs[name] = { kind: "rng", key: foldKey(phaseKey, keys++) };
      }
      await runner.run(s.func, inputs, s.log ? { log: s.log } : {});
    }
    if (!s.log) return undefined;
    const losses = await runner.logged();
    const loss = losses[losses.length - 1];
    options.onProgress?.({ phase: phase + 1, phases: program.phases.length, label, part: s.part ?? s.func, steps: s.times, loss });
    return { part: s.part ?? s.func, losses };
  };

  for (let p = first; p < program.phases.length; p++) {
    const phase = program.phases[p];
    draws.startPhase(p);
    phaseKey = foldKey(root, p);
    keys = 0;
    const started = performance.now();
    const visits: PhaseRecord["visits"] = [];
    for (const s of phase.steps) {
      if (s.kind === "reset") {
        runner.setState(Object.fromEntries([...s.zeros.map((n) => [n, fill(n, false)]), ...s.identity.map((n) => [n, fill(n, true)])]));
        for (const c of s.counters) counters.set(c, 0);
        continue;
      }
      const logged = await runStep(s, p, phase.label);
      if (logged) visits.push(logged);
    }
    await runner.finish(); // the phase's time is its work's, not the time to queue it
    const record: PhaseRecord = { phase: phase.name, label: phase.label, pass: phase.pass, done: p + 1, ms: performance.now() - started, visits };
    if (phase.evaluate) {
      const evalStart = performance.now();
      const last = lastLoss(record);
      record.metrics = { ...(last !== undefined ? { train_loss: last } : {}), ...(await kind.evaluate(runner, phase)) };
      record.evalMs = performance.now() - evalStart;
      const offer = phase.selectable === false ? undefined : selection.offer(p + 1, record.metrics);
      if (offer?.chosen && options.onSelect) options.onSelect(p + 1, keep(await runner.state()));
    }
    if (kind.measure) record.measures = await kind.measure(runner, phase);
    records.push(record);
    const metric = selection.metric !== undefined && record.metrics?.[selection.metric] !== undefined ? { name: selection.metric, value: record.metrics[selection.metric] } : undefined;
    options.onProgress?.({ phase: p + 1, phases: program.phases.length, label: phase.label, phaseMs: record.ms, ...(metric ? { metric } : {}) });
  }

  return {
    ...runRecord(spec, t.data, runner, options.seed, selection, { first, done: records.length, ms: records.map((r) => r.ms) }),
    history: records.map((r) => {
      const { train_loss: _, ...metrics } = r.metrics ?? {};
      return { epoch: r.done, loss: lastLoss(r) ?? NaN, ...metrics };
    }),
    schedule: { kind: program.kind, summary: program.summary, phases: records },
  };
}
