import { dirname, resolve } from "node:path";
import type { Module } from "../../compiler/ir/types.js";
import type { TensorValue } from "../../compiler/ir/values.js";
import type { TrainSpec } from "../../compiler/train/spec.js";
import { loadCheckpoint } from "../../runtime/checkpoint/index.js";
import type { GpuDevice } from "../../runtime/gpu/index.js";
import { summarizePipeline, type PipelineSummary } from "../../runtime/report/index.js";
import { scheduleProgressPrinter } from "../../runtime/schedules/progress.js";
import { passCurveSvg, phasesMarkdown } from "../../runtime/schedules/report.js";
import type { ScheduleResult } from "../../runtime/schedules/result.js";
import { runScheduledTraining } from "../../runtime/schedules/run.js";
import { ResumeError } from "../../runtime/schedules/driver.js";
import type { ProgressMode } from "../../runtime/train/progress.js";
import type { StartState } from "../../runtime/train/trainer.js";
import { EXIT_ERRORS, type Io } from "../io.js";
import { reportDiagnostics } from "../report.js";
import type { loadTrainTarget } from "./training.js";
import { openTrainingDevice, reportRunError, writeRunOutputs } from "./training.js";

/**
 * `gnnc train` of a block with `schedule = …`: the kind's driver follows the schedule's plan
 * (runtime/schedules); progress shows phase, part and step; the summary, `--json` and `--report`
 * show every phase; `--save` writes the selected phase's state (every module, head and U — what
 * is not recomputed) and `--resume` continues after the phase it was saved at.
 */

export interface ScheduledFlags {
  device: string;
  seed?: number;
  savePath?: string;
  resumePath?: string;
  reportDir?: string;
  json?: string;
  mode: ProgressMode;
  dirs: string[];
  file: string;
}

function fmt(x: number | undefined): string {
  return x === undefined ? "n/a" : Number.isFinite(x) ? x.toFixed(4) : String(x);
}

function summary(r: ScheduleResult): string {
  const metrics = (m: Record<string, number> | undefined) =>
    Object.entries(m ?? {})
      .filter(([k]) => k !== "train_loss")
      .map(([k, v]) => `${k} ${fmt(v)}`)
      .join(", ");
  const selected = r.schedule.phases.find((p) => p.done === r.selected_epoch);
  const lines = [`${r.run}: selected ${selected?.label ?? `phase ${r.selected_epoch}`} (phase ${r.selected_epoch} of ${r.epochs}; ${metrics(r.metrics)})`];
  for (const p of r.schedule.phases) {
    const evaluated = p.metrics ? `: ${metrics(p.metrics)}` : "";
    lines.push(`  ${p.label}${evaluated} (${(p.ms / 1000).toFixed(2)} s)`);
  }
  const resumed = r.start_epoch > 0 ? `, resumed after phase ${r.start_epoch}` : "";
  lines.push(`  device ${r.device}, seed ${r.seed}${resumed}, median phase ${(r.epoch_ms_median / 1000).toFixed(2)} s, compile ${r.compile_ms.toFixed(0)} ms, peak ${(r.peak_bytes / 2 ** 20).toFixed(1)} MiB`);
  return lines.join("\n") + "\n";
}

type Target = NonNullable<ReturnType<typeof loadTrainTarget>> & { spec: TrainSpec; module: Module };

export async function trainScheduled(io: Io, target: Target, flags: ScheduledFlags): Promise<number> {
  const { spec } = target;
  let start: StartState | undefined;
  let seed = flags.seed;
  if (flags.resumePath !== undefined) {
    try {
      const ckpt = loadCheckpoint(flags.resumePath);
      if (!ckpt.info) {
        io.err(`error: ${ckpt.path}: not a gnnc checkpoint (its __metadata__ has no format "gnnc-checkpoint")\n  help: --resume takes a checkpoint written by \`gnnc train --save\`\n`);
        return EXIT_ERRORS;
      }
      start = { tensors: ckpt.tensors, source: ckpt.path, epoch: ckpt.info.epoch, metrics: ckpt.info.metrics };
      seed ??= ckpt.info.seed;
    } catch (e) {
      return reportRunError(io, e, "resuming");
    }
  }

  const progress = scheduleProgressPrinter(flags.mode, (t) => io.err(t));
  let selectedState: Readonly<Record<string, TensorValue>> | undefined;
  let pipeline: PipelineSummary | undefined;
  const trainStart = performance.now();
  let gpu: GpuDevice | undefined;
  let outcome;
  try {
    gpu = await openTrainingDevice(io, flags.device);
    outcome = await runScheduledTraining(spec, target.module, {
      gpu,
      seed,
      start,
      compileMs: target.compileMs,
      data: { dataDir: flags.dirs, env: io.env, baseDir: dirname(resolve(flags.file)) },
      onProgress: (p) => progress.progress(p),
      onSelect: (_, state) => void (selectedState = state),
      onCompiled: (training) => void (pipeline = summarizePipeline(training)),
    });
  } catch (e) {
    progress.done();
    if (e instanceof ResumeError) {
      io.err(`error: ${e.message}\n`);
      return EXIT_ERRORS;
    }
    return reportRunError(io, e, "training");
  } finally {
    gpu?.destroy();
  }
  progress.done();
  const trainMs = performance.now() - trainStart;
  if (outcome.diagnostics) {
    reportDiagnostics(io, outcome.diagnostics, target.sources);
    return EXIT_ERRORS;
  }
  const result = outcome.result;
  io.out(summary(result));

  return writeRunOutputs(io, {
    result,
    spec,
    module: target.module.name,
    unit: "phase",
    selectedState,
    savePath: flags.savePath,
    json: flags.json,
    reportDir: flags.reportDir,
    resumePath: flags.resumePath,
    pipeline,
    trainMs,
    schedule: { phases: phasesMarkdown(result), curve: passCurveSvg(result) },
  });
}
