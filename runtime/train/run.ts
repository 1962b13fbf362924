import type { Diagnostic } from "../../grammar/diagnostics.js";
import type { CompiledProgram } from "../../compiler/frontend/compile.js";
import type { TrainSpec } from "../../compiler/frontend/train-spec.js";
import type { Module } from "../../compiler/ir/types.js";
import { trainClassCount } from "../../compiler/frontend/class-count.js";
import { runPipeline, type PipelineResult } from "../../compiler/passes/index.js";
import { loadDatasetSource, type SourceOptions } from "../data/index.js";
import { bindDataset, type BoundData } from "./bind.js";
import { lowerChecked } from "./lower-checked.js";
import { train, type TrainOptions, type TrainResult } from "./trainer.js";

/**
 * Run on the lowered functions before training: the same cleanup `gnnc ir --passes` offers. Layers
 * expand independently, so without CSE each GCN layer rebuilds the self-loop graph and its
 * normalisation on every step; without LICM every block of a stack recomputes the graph's degrees.
 */
export const TRAIN_PIPELINE = "cse,licm,cse,dce";

export { FORWARD_PIPELINE } from "./lower-checked.js";

/** `seed`, `evalEvery` and `patience` override the train block's `seed`, `eval_every` and `patience`. */
export interface RunTrainingOptions extends Omit<TrainOptions, "seed"> {
  /** Overrides the train block's seed (default 0). */
  seed?: number;
  /** Where `load(name)` looks and relative dataset paths resolve. */
  data?: SourceOptions;
  /** Milliseconds the frontend took; lowering's time is added to it. */
  compileMs?: number;
  /** Receives the lowered module and the result of TRAIN_PIPELINE on it (run reports summarise them). */
  onPipeline?(lowered: Module, cleaned: PipelineResult): void;
}

export type TrainingOutcome = { result: TrainResult; diagnostics?: undefined } | { result?: undefined; diagnostics: Diagnostic[] };

/** The train block named `name`, or the only one; undefined when ambiguous or absent. */
export function findTrain(program: CompiledProgram, name?: string): { spec: TrainSpec; module: Module } | undefined {
  const k = name === undefined ? (program.trains.length === 1 ? 0 : -1) : program.trains.findIndex((t) => t.name === name);
  if (k < 0) return undefined;
  const spec = program.trains[k];
  const module = program.modules.find((m) => m.name === spec.module);
  return module ? { spec, module } : undefined;
}

/** A train block lowered, cleaned and bound to its data: what training (or `gnnc compile`) starts from. */
export interface PreparedTraining {
  /** `train_step`, `loss` and `predict`, after TRAIN_PIPELINE (and expand-reversible for the GPU). */
  lowered: Module;
  data: BoundData;
  symbols: Record<string, number>;
  lowerMs: number;
}

/**
 * Lower a train block to `train_step`, clean it up, load and bind its dataset. Problems with the
 * program come back as diagnostics; data problems throw DataError.
 */
export function prepareTraining(
  spec: TrainSpec,
  module: Module,
  options: Pick<RunTrainingOptions, "data" | "onPipeline"> & { forGpu?: boolean; fuse?: boolean } = {},
): PreparedTraining | { diagnostics: Diagnostic[] } {
  const lowerStart = performance.now();
  const checked = lowerChecked(spec, module);
  if ("diagnostics" in checked) return checked;
  const lowering = checked.lowering;
  // The GPU runs reversible stacks' forwards as plain loops (their backward loops are already plain),
  // and elementwise chains as one kernel each.
  const gpuPipeline = `expand-reversible,${TRAIN_PIPELINE}${options.fuse === false ? "" : ",fuse-elementwise,fuse-epilogue"}`;
  const cleaned = runPipeline(lowering, options.forGpu ? gpuPipeline : TRAIN_PIPELINE);
  if (cleaned.diagnostics.some((d) => d.severity === "error")) return { diagnostics: cleaned.diagnostics };
  options.onPipeline?.(lowering, cleaned);
  const lowerMs = performance.now() - lowerStart;
  const { dataset } = loadDatasetSource(spec.data.source, spec.data.transforms, options.data);
  const needed = [spec.loss.mask, ...spec.report.map((r) => r.split), ...(spec.select.kind === "best" ? [spec.select.split] : [])];
  const data = bindDataset(dataset, spec.data.name, cleaned.module, needed);
  const classes = trainClassCount(spec, cleaned.module, data.symbols, dataset.numClasses);
  if (classes.some((d) => d.severity === "error")) return { diagnostics: classes };
  return { lowered: cleaned.module, data, symbols: { ...cleaned.module.symbols, ...data.symbols }, lowerMs };
}

/**
 * Train one train block on the reference device or, with `options.gpu`, on the GPU. Problems with
 * the program come back as diagnostics; data problems throw DataError (its message names the
 * places searched).
 */
export async function runTraining(spec: TrainSpec, module: Module, options: RunTrainingOptions = {}): Promise<TrainingOutcome> {
  const prepared = prepareTraining(spec, module, { data: options.data, onPipeline: options.onPipeline, forGpu: options.gpu !== undefined });
  if ("diagnostics" in prepared) return { diagnostics: prepared.diagnostics };
  // Options given by the caller (CLI flags) override the train block's keys.
  const { epochs, onEpoch, start, onSelect, gpu, progressMs } = options;
  const evalEvery = options.evalEvery ?? spec.evalEvery;
  const patience = options.patience ?? spec.patience;
  const result = await train(prepared.lowered, spec, prepared.data, { epochs, evalEvery, patience, onEpoch, start, onSelect, gpu, progressMs, seed: options.seed ?? spec.seed ?? 0 });
  return { result: { ...result, compile_ms: (options.compileMs ?? 0) + prepared.lowerMs } };
}
