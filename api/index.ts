/**
 * `gnnc`: the library. What a TypeScript program needs to compile `.gnn` files and train, evaluate
 * and predict with them on the GPU (WebGPU through Dawn) or the reference device — the same code
 * paths as the `gnnc` command, with diagnostics and results as data.
 *
 * @example
 * import { compileFile, formatDiagnostics, openDevice, train } from "gnnc";
 * const { program, diagnostics } = compileFile("examples/quickstart.gnn");
 * if (!program) throw new Error(formatDiagnostics(diagnostics));
 * const gpu = await openDevice();
 * const run = await train(program, { device: gpu, seed: 0 });
 * console.log(run.result.metrics.test_accuracy);
 * gpu.destroy();
 */
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { Diagnostic } from "../grammar/diagnostics.js";
import { formatDiagnostic } from "../grammar/format.js";
import { compile as compileSource, type CompileResult } from "../compiler/frontend/compile.js";
import type { CompiledProgram } from "../compiler/train/program.js";
import { findTrain } from "../compiler/train/program.js";
import type { TrainSpec } from "../compiler/train/spec.js";
import type { Module } from "../compiler/ir/types.js";
import type { GraphValue, TensorValue } from "../compiler/ir/values.js";
import { datasetResolver } from "../runtime/data/index.js";
import { loadCheckpoint, safeTensors } from "../runtime/checkpoint/index.js";
import { bindingCap, NoAdapterError, openDevice, type GpuDevice } from "../runtime/gpu/index.js";
import type { EpochProgress } from "../runtime/train/progress.js";
import { predictWithParams, type Predictions } from "../runtime/train/predict.js";
import { runTraining } from "../runtime/train/run.js";
import type { TrainResult } from "../runtime/train/trainer.js";

export type { CompiledProgram, CompileResult, Diagnostic, EpochProgress, GpuDevice, GraphValue, Module, Predictions, TensorValue, TrainResult, TrainSpec };
export { openDevice, NoAdapterError };
export { saveCheckpoint, loadCheckpoint, type Checkpoint, type CheckpointInfo } from "../runtime/checkpoint/index.js";
export { DataError } from "../runtime/data/index.js";
export { GNNC_VERSION } from "../compiler/api/version.js";

/** A program was refused: its diagnostics say why (located, with hints; `formatDiagnostics` renders them). */
export class GnncError extends Error {
  constructor(readonly diagnostics: readonly Diagnostic[]) {
    super(diagnostics.filter((d) => d.severity === "error").map((d) => `error[${d.code}]: ${d.message}`).join("\n"));
  }
}

export interface CompileOptions {
  /** The file name spans and relative paths (imports, user passes, data files) refer to. Default `model.gnn`. */
  file?: string;
  /** Where `load("name")` finds datasets: sizes become concrete at compile time. Default $GNNC_DATA_DIR. */
  dataDir?: string;
  /** Reads imported files and user passes; the file system by default. */
  readFile?: (path: string) => string | undefined;
}

/** Compile `.gnn` source text. Never throws for a bad program: `program` is absent and `diagnostics` say why. */
export function compile(source: string, options: CompileOptions = {}): CompileResult {
  const dirs = dataDirsOf(options.dataDir);
  return compileSource(source, {
    file: options.file ?? "model.gnn",
    readFile: options.readFile ?? readText,
    datasets: dirs.length ? datasetResolver(dirs) : undefined,
    resolveImport: (from, spec) => resolve(dirname(from), spec),
  });
}

/** Compile a `.gnn` file from disk (its imports and user passes relative to it). */
export function compileFile(path: string, options: Omit<CompileOptions, "file"> = {}): CompileResult {
  const text = readText(path);
  if (text === undefined) throw new Error(`cannot read \`${path}\``);
  return compile(text, { ...options, file: path });
}

/** Diagnostics as the command line prints them: code, `file:line:col`, a source frame, the hint. */
export function formatDiagnostics(diagnostics: readonly Diagnostic[], readFile: (path: string) => string | undefined = readText): string {
  return diagnostics.map((d) => formatDiagnostic(d, readFile, { color: false })).join("\n\n");
}

export interface TrainOptions {
  /** The train block (needed when the program has several). */
  run?: string;
  /** A GPU from `openDevice()`, "reference" (the IR interpreter), or "auto" (default: the GPU when an adapter exists). */
  device?: GpuDevice | "reference" | "auto";
  /** Overrides the block's seed (default 0). */
  seed?: number;
  /** Overrides the block's epoch count. */
  epochs?: number;
  evalEvery?: number;
  patience?: number;
  /** Where `load("name")` finds datasets (default $GNNC_DATA_DIR); relative data paths resolve against the program's file. */
  dataDir?: string;
  /** Called after each epoch (or each group of epochs between readbacks). */
  onEpoch?(p: EpochProgress): void;
  /** Resume from a checkpoint written by `gnnc train --save` or `saveCheckpoint`. */
  resume?: string;
}

export interface TrainRun {
  result: TrainResult;
  /** Every parameter, buffer and optimizer state after the selected epoch (what `--save` writes). */
  state: Readonly<Record<string, TensorValue>>;
}

/**
 * Train a train block of a compiled program. A program its lowering refuses throws GnncError with
 * the diagnostics; a data problem throws DataError; GPU failures name the kernel and `.gnn` line.
 */
export async function train(program: CompiledProgram, options: TrainOptions = {}): Promise<TrainRun> {
  const target = trainTarget(program, options.run);
  const { gpu, owned } = await deviceFor(options.device ?? "auto");
  try {
    let state: Readonly<Record<string, TensorValue>> = {};
    const start = options.resume === undefined ? undefined : startFrom(options.resume);
    const outcome = await runTraining(target.spec, target.module, {
      gpu,
      seed: options.seed ?? (start ? start.seed : undefined),
      epochs: options.epochs,
      evalEvery: options.evalEvery,
      patience: options.patience,
      start: start?.state,
      data: { dataDir: dataDirsOf(options.dataDir), baseDir: dirname(resolve(program.file)) },
      onEpoch: options.onEpoch,
      onSelect: (_, s) => void (state = s),
    });
    if (!outcome.result) throw new GnncError(outcome.diagnostics);
    return { result: outcome.result, state };
  } finally {
    if (owned) gpu?.destroy();
  }
}

export interface PredictOptions {
  run?: string;
  /** The parameters: a training run's state, or the path of a safetensors checkpoint. */
  params: Readonly<Record<string, TensorValue>> | string;
  dataDir?: string;
}

/** The model's output for every node in evaluation mode, with the labels and splits to score it (reference device). */
export function predict(program: CompiledProgram, options: PredictOptions): Predictions {
  const target = trainTarget(program, options.run);
  const data = { dataDir: dataDirsOf(options.dataDir), baseDir: dirname(resolve(program.file)) };
  if (typeof options.params === "string") {
    const ckpt = loadCheckpoint(options.params);
    return predictWithParams(target.spec, target.module, { tensors: ckpt.tensors, source: ckpt.path, seed: ckpt.info?.seed }, data);
  }
  return predictWithParams(target.spec, target.module, { tensors: safeTensors(options.params), source: "the given parameters" }, data);
}

function trainTarget(program: CompiledProgram, run: string | undefined): { spec: TrainSpec; module: Module } {
  const target = findTrain(program, run);
  if (target) return target;
  const names = program.trains.map((t) => `\`${t.name}\``).join(", ") || "none";
  throw new Error(run === undefined ? `${program.file} has several train blocks (${names}): say which with \`run\`` : `no train block \`${run}\` in ${program.file} (train blocks: ${names})`);
}

async function deviceFor(device: GpuDevice | "reference" | "auto"): Promise<{ gpu?: GpuDevice; owned: boolean }> {
  if (device === "reference") return { owned: false };
  if (device !== "auto") return { gpu: device, owned: false };
  try {
    // As the CLI: GNNC_MAX_BINDING_BYTES caps the bytes per storage binding (a bad value throws, naming it).
    return { gpu: await openDevice({ maxBindingBytes: bindingCap(process.env) }), owned: true };
  } catch (e) {
    if (e instanceof NoAdapterError) return { owned: false }; // "auto" means the reference device without an adapter; result.device says which ran
    throw e;
  }
}

function startFrom(path: string) {
  const ckpt = loadCheckpoint(path);
  if (!ckpt.info) throw new Error(`${path} is not a gnnc checkpoint: resume takes one written by \`gnnc train --save\` or saveCheckpoint`);
  return { seed: ckpt.info.seed, state: { tensors: ckpt.tensors, source: ckpt.path, epoch: ckpt.info.epoch, metrics: ckpt.info.metrics } };
}

function dataDirsOf(dir: string | undefined): string[] {
  const d = dir ?? process.env.GNNC_DATA_DIR;
  return d ? [resolve(d)] : [];
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}
