import type { Diagnostic } from "../../grammar/diagnostics.js";
import type { Module } from "../../compiler/ir/types.js";
import type { ScheduleName, TrainSpec } from "../../compiler/train/spec.js";
import type { BoundData } from "../train/bind.js";
import { prepareTraining, type RunTrainingOptions } from "../train/run.js";
import { decoupledDriver } from "./decoupled.js";
import { runSchedule, type KindDriver, type ScheduleRunOptions } from "./driver.js";
import type { ScheduleProgress } from "./progress.js";
import type { ScheduleResult } from "./result.js";

/** The host driver of each schedule kind that is built. */
const DRIVERS: Partial<Record<ScheduleName, (spec: TrainSpec, data: BoundData, seed: number) => KindDriver>> = {
  decoupled: decoupledDriver,
};

export interface RunScheduleOptions extends Pick<RunTrainingOptions, "data" | "compileMs" | "onCompiled" | "gpu" | "start"> {
  /** Overrides the train block's seed (default 0). */
  seed?: number;
  onProgress?(p: ScheduleProgress): void;
  onSelect?: ScheduleRunOptions["onSelect"];
}

export type ScheduleOutcome = { result: ScheduleResult; diagnostics?: undefined } | { result?: undefined; diagnostics: Diagnostic[] };

/**
 * Train a train block with `schedule = …` on the reference device or, with `options.gpu`, on the
 * GPU: compile it (its schedule program), bind its data, and follow the plan with the kind's
 * driver. Problems with the program come back as diagnostics; data problems throw DataError.
 */
export async function runScheduledTraining(spec: TrainSpec, module: Module, options: RunScheduleOptions = {}): Promise<ScheduleOutcome> {
  const prepared = prepareTraining(spec, module, { data: options.data, onCompiled: options.onCompiled, target: options.gpu ? "gpu" : "reference" });
  if ("diagnostics" in prepared) return { diagnostics: prepared.diagnostics };
  const program = prepared.schedule;
  const driver = program && DRIVERS[program.kind];
  if (!program || !driver) throw new Error(`internal: train block \`${spec.name}\` has no schedule program with a driver`);
  const seed = options.seed ?? spec.seed ?? 0;
  const target = { spec, module: prepared.lowered, program, data: prepared.data, symbols: prepared.symbols };
  const result = await runSchedule(target, driver(spec, prepared.data, seed), { seed, gpu: options.gpu, start: options.start, onProgress: options.onProgress, onSelect: options.onSelect });
  return { result: { ...result, compile_ms: (options.compileMs ?? 0) + prepared.lowerMs } };
}
