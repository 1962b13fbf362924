import type { CompiledProgram } from "../../compiler/train/program.js";
import type { TensorValue } from "../../compiler/ir/values.js";
import type { TrainSpec } from "../../compiler/train/spec.js";
import { saveCheckpoint, writeFileAtomic, WriteFileError } from "../../runtime/checkpoint/index.js";
import { resultJson, writeRunReport, type PipelineSummary, type RunReport } from "../../runtime/report/index.js";
import type { TrainResult } from "../../runtime/train/trainer.js";
import { DataError } from "../../runtime/data/index.js";
import { CodegenError } from "../../compiler/codegen/index.js";
import { GpuDeviceLostError, GpuKernelError, GpuLimitError, NoAdapterError, openDevice, type GpuDevice } from "../../runtime/gpu/index.js";
import { InterpretError } from "../../runtime/reference/index.js";
import { findTrain } from "../../runtime/train/run.js";
import { EXIT_ERRORS, EXIT_OK, UsageError, type Io } from "../io.js";
import { compileFile, datasetResolver } from "../load.js";
import { reportDiagnostics } from "../report.js";

/** What the commands that run a train block share: finding it, opening the device, reporting run errors. */

/** The compiled train block FILE names (`--run`, or the only one); undefined after reporting why not. */
export function loadTrainTarget(io: Io, command: string, file: string, dirs: string[], wanted: string | undefined) {
  const compileStart = performance.now();
  const loaded = compileFile(io, file, datasetResolver(io, dirs));
  const compileMs = performance.now() - compileStart;
  if (!loaded) return undefined;
  if (reportDiagnostics(io, loaded.result.diagnostics, loaded.sources) > 0 || !loaded.result.program) return undefined;
  const program: CompiledProgram = loaded.result.program;
  const names = program.trains.map((t) => t.name);
  if (names.length === 0) {
    io.err(`error: ${file} has no train block\n  help: add \`train NAME { data = …, model = …, … }\`\n`);
    return undefined;
  }
  const target = findTrain(program, wanted);
  if (!target) {
    const list = names.map((n) => `\`${n}\``).join(", ");
    throw new UsageError(wanted === undefined ? `gnnc ${command}: ${file} has several train blocks; choose one with --run (${list})` : `gnnc ${command}: no train block \`${wanted}\` in ${file} (train blocks: ${list})`);
  }
  return { ...target, sources: loaded.sources, compileMs };
}

/** What a train block's user passes log (a histogram, a count) is theirs to show; built-in passes' logs are debug output. */
export function userPassLog(io: Io, spec: TrainSpec): (msg: string, pass: string) => void {
  const users = new Set(spec.passes.filter((p) => p.path !== undefined).map((p) => p.name));
  return (msg, pass) => {
    if (users.has(pass)) io.err(`${msg}\n`);
  };
}

/** Report an error of running (bad data or checkpoint, a failing op, an unwritable file); rethrows anything else (a bug). */
export function reportRunError(io: Io, e: unknown, doing: string): number {
  if (e instanceof DataError) io.err(`error[${e.code}]: ${e.message}\n  help: ${e.help}\n`);
  else if (e instanceof WriteFileError) io.err(`error: ${e.message}\n`);
  else if (e instanceof InterpretError) io.err(`error: ${doing} failed in ${e.message}\n`);
  else if (e instanceof NoAdapterError) io.err(`error: ${e.message}\n`);
  else if (e instanceof CodegenError) {
    io.err(`error: ${doing} on the GPU is not possible yet: ${e.message}\n  help: train on the reference interpreter with --device reference\n`);
  } else if (e instanceof GpuLimitError) {
    io.err(`error: ${doing} on the GPU is not possible: ${e.message}\n  help: train on the reference device with --device reference, or make these tensors smaller (one tensor is not yet split across bindings)\n`);
  } else if (e instanceof GpuKernelError || e instanceof GpuDeviceLostError) io.err(`error: ${doing} failed on the GPU: ${e.message}\n`);
  else throw e;
  return EXIT_ERRORS;
}

/** The GPU for `--device gpu`, or for `auto` when an adapter exists (saying so when not); undefined: the reference device. */
export async function openTrainingDevice(io: Io, device: string): Promise<GpuDevice | undefined> {
  if (device === "gpu") return openDevice();
  if (device !== "auto") return undefined;
  try {
    return await openDevice();
  } catch (e) {
    if (!(e instanceof NoAdapterError)) throw e;
    io.err(`note: no WebGPU adapter, so training on the reference device (run \`npm run setup\` to install one; --device reference silences this)\n`);
    return undefined;
  }
}

/** What a training command writes after its run: the checkpoint of the selection, the JSON, the report. */
export interface RunOutputs {
  result: TrainResult;
  spec: TrainSpec;
  module: string;
  /** What the run counts (`epoch`, or a schedule's `phase`), in messages. */
  unit: "epoch" | "phase";
  selectedState?: Readonly<Record<string, TensorValue>>;
  savePath?: string;
  json?: string;
  reportDir?: string;
  resumePath?: string;
  pipeline?: PipelineSummary;
  trainMs: number;
  schedule?: RunReport["schedule"];
}

/** Write a run's outputs (each atomically); the exit code, after reporting a failure to write. */
export function writeRunOutputs(io: Io, o: RunOutputs): number {
  const { result, spec } = o;
  const select = spec.select.kind === "best" ? `${spec.select.split}_${spec.select.metric}` : undefined;
  try {
    if (o.savePath !== undefined && o.selectedState) {
      const info = { run: result.run, module: o.module, dataset: result.dataset, epoch: result.selected_epoch, seed: result.seed, select, metrics: result.metrics };
      saveCheckpoint(o.savePath, o.selectedState, info);
      io.out(`  saved ${o.unit} ${result.selected_epoch} to ${o.savePath}\n`);
    }
    if (o.json !== undefined) writeFileAtomic(o.json, resultJson(result));
    if (o.reportDir !== undefined) {
      const maxRssBytes = process.resourceUsage().maxRSS * 1024;
      writeRunReport(o.reportDir, { result, select, pipeline: o.pipeline, trainMs: o.trainMs, maxRssBytes, resumedFrom: o.resumePath, savedTo: o.savePath, schedule: o.schedule });
      io.out(`  report in ${o.reportDir}\n`);
    }
  } catch (e) {
    return reportRunError(io, e, "writing");
  }
  return EXIT_OK;
}
