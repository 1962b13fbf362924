import type { Diagnostic } from "../../grammar/diagnostics.js";
import type { TrainSpec } from "../../compiler/train/spec.js";
import type { Module } from "../../compiler/ir/types.js";
import { trainClassCount } from "../../compiler/train/class-count.js";
import type { CompiledTraining, Target } from "../../compiler/pipeline.js";
import type { ScheduleProgram } from "../../compiler/schedules/program.js";
import { compileChecked } from "./compile-checked.js";
import { loadDatasetSource, type SourceOptions } from "../data/index.js";
import { bindDataset, type BoundData } from "./bind.js";
import { train, type TrainOptions, type TrainResult, type TrainingFlopsRecord } from "./trainer.js";
import { trainingFlops, type TrainingFlops } from "../../compiler/plan/index.js";

/** The run's training FLOPs as results record them (compiler/plan/training-flops.ts). */
export function flopsRecord(f: TrainingFlops): TrainingFlopsRecord {
  return { steps: f.steps, run: f.run, dense_run: f.denseRun, dense_step: f.denseStep, functions: f.functions.map((g) => ({ name: g.name, flops: g.flops, calls: g.calls })) };
}

export { findTrain } from "../../compiler/train/program.js";

/** `seed`, `evalEvery` and `patience` override the train block's `seed`, `eval_every` and `patience`. */
export interface RunTrainingOptions extends Omit<TrainOptions, "seed"> {
  /** Overrides the train block's seed (default 0). */
  seed?: number;
  /** Where `load(name)` looks and relative dataset paths resolve. */
  data?: SourceOptions;
  /** Milliseconds the frontend took; lowering's time is added to it. */
  compileMs?: number;
  /** Receives what the compile pipeline made (run reports summarise it). */
  onCompiled?(training: CompiledTraining): void;
  /** Receives what passes log while compiling (`ctx.log`), with the pass's name. */
  onPassLog?(msg: string, pass: string): void;
}

export type TrainingOutcome = { result: TrainResult; diagnostics?: undefined } | { result?: undefined; diagnostics: Diagnostic[] };

/** A train block compiled and bound to its data: what training (or `gnnc compile`) starts from. */
export interface PreparedTraining {
  /** `train_step`, `loss` and `predict` (or a schedule's functions), after the compile pipeline for the target. */
  lowered: Module;
  /** The same training without the passes after lowering (its `train_step` is the dense step FLOPs are compared with). */
  baseline: Module;
  /** With `schedule = …`: the host plan of the functions (compiler/schedules). */
  schedule?: ScheduleProgram;
  data: BoundData;
  symbols: Record<string, number>;
  lowerMs: number;
  /** Loading (or generating) the dataset and binding it. */
  loadMs: number;
}

/**
 * Compile a train block for a target (compiler/pipeline.ts), load and bind its dataset. Problems
 * with the program come back as diagnostics; data problems throw DataError.
 */
export function prepareTraining(
  spec: TrainSpec,
  module: Module,
  options: Pick<RunTrainingOptions, "data" | "onCompiled" | "onPassLog"> & { target?: Target; fuse?: boolean } = {},
): PreparedTraining | { diagnostics: Diagnostic[] } {
  const checked = compileChecked(spec, module, { target: options.target ?? "reference", fuse: options.fuse, log: options.onPassLog });
  if ("diagnostics" in checked) return checked;
  options.onCompiled?.(checked.training);
  const lowered = checked.training.module;
  const loadStart = performance.now();
  const { dataset } = loadDatasetSource(spec.data.source, spec.data.transforms, options.data);
  const needed = [spec.loss.mask, ...spec.report.map((r) => r.split), ...(spec.select.kind === "best" ? [spec.select.split] : [])];
  const data = bindDataset(dataset, spec.data.name, lowered, needed);
  const classes = trainClassCount(spec, lowered, data.symbols, dataset.numClasses);
  if (classes.some((d) => d.severity === "error")) return { diagnostics: classes };
  const schedule = checked.training.schedule;
  return { lowered, baseline: checked.training.baseline, ...(schedule ? { schedule } : {}), data, symbols: { ...lowered.symbols, ...data.symbols }, lowerMs: checked.training.ms, loadMs: performance.now() - loadStart };
}

/**
 * Train one train block on the reference device or, with `options.gpu`, on the GPU. Problems with
 * the program come back as diagnostics; data problems throw DataError (its message names the
 * places searched).
 */
export async function runTraining(spec: TrainSpec, module: Module, options: RunTrainingOptions = {}): Promise<TrainingOutcome> {
  const prepared = prepareTraining(spec, module, { data: options.data, onCompiled: options.onCompiled, onPassLog: options.onPassLog, target: options.gpu ? "gpu" : "reference" });
  if ("diagnostics" in prepared) return { diagnostics: prepared.diagnostics };
  // Options given by the caller (CLI flags) override the train block's keys.
  const { epochs, onEpoch, onQueue, start, onSelect, gpu, progressMs } = options;
  const evalEvery = options.evalEvery ?? spec.evalEvery;
  const patience = options.patience ?? spec.patience;
  const result = await train(prepared.lowered, spec, prepared.data, { epochs, evalEvery, patience, onEpoch, onQueue, start, onSelect, gpu, progressMs, seed: options.seed ?? spec.seed ?? 0 });
  // `train` refuses a block without epochs, so the run's count is known here.
  const steps = (epochs ?? spec.epochs)!;
  const flops = trainingFlops(prepared.lowered, prepared.baseline, steps, prepared.symbols, spec.epochs ?? steps);
  return { result: { ...result, compile_ms: (options.compileMs ?? 0) + prepared.lowerMs, load_ms: prepared.loadMs, training_flops: flopsRecord(flops) } };
}
