import type { Diagnostic } from "../../grammar/diagnostics.js";
import type { Module } from "../../compiler/ir/types.js";
import type { ScheduleName, TrainSpec } from "../../compiler/train/spec.js";
import type { BoundData } from "../train/bind.js";
import { prepareTraining, type RunTrainingOptions } from "../train/run.js";
import { admmDriver } from "./admm.js";
import { decoupledDriver } from "./decoupled.js";
import { runSchedule, type KindDriver, type ScheduleRunOptions, type ScheduleTarget } from "./driver.js";
import type { ScheduleProgress } from "./progress.js";
import type { ScheduleResult } from "./result.js";
import { runSoup } from "./soup.js";

/**
 * How each built kind runs: the shared driver with the kind's part, or — for a kind whose phases
 * need host decisions the plan does not hold (a soup's searches, samples and runners of their
 * own) — the kind's own driver.
 */
type KindRun = (target: ScheduleTarget, options: ScheduleRunOptions) => Promise<ScheduleResult>;
const shared = (driver: (spec: TrainSpec, data: BoundData, seed: number, target: ScheduleTarget) => KindDriver): KindRun => (t, o) => runSchedule(t, driver(t.spec, t.data, o.seed, t), o);
const DRIVERS: Record<ScheduleName, KindRun> = {
  decoupled: shared(decoupledDriver),
  admm: shared(admmDriver),
  soup: runSoup,
};

export interface RunScheduleOptions extends Pick<RunTrainingOptions, "data" | "compileMs" | "onCompiled" | "gpu" | "start"> {
  /** Overrides the train block's seed (default 0). */
  seed?: number;
  onProgress?(p: ScheduleProgress): void;
  onSelect?: ScheduleRunOptions["onSelect"];
  soup?: ScheduleRunOptions["soup"];
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
  if (!program) throw new Error(`internal: train block \`${spec.name}\` has no schedule program`);
  const driver = DRIVERS[program.kind];
  const seed = options.seed ?? spec.seed ?? 0;
  const target = { spec, module: prepared.lowered, program, data: prepared.data, symbols: prepared.symbols };
  const result = await driver(target, { seed, gpu: options.gpu, start: options.start, onProgress: options.onProgress, onSelect: options.onSelect, soup: options.soup });
  return { result: { ...result, compile_ms: (options.compileMs ?? 0) + prepared.lowerMs, load_ms: prepared.loadMs } };
}
