import { dirname, resolve } from "node:path";
import { LIMITS, type Limit } from "../../compiler/train/limits.js";
import type { TensorValue } from "../../compiler/ir/values.js";
import { checkWritable, createFolder, loadCheckpoint, type Checkpoint } from "../../runtime/checkpoint/index.js";
import type { GpuDevice } from "../../runtime/gpu/index.js";
import { summarizePipeline, type PipelineSummary } from "../../runtime/report/index.js";
import { progressPrinter, type ProgressMode } from "../../runtime/train/progress.js";
import { runTraining } from "../../runtime/train/run.js";
import type { StartState, TrainResult } from "../../runtime/train/trainer.js";
import { parseCommandArgs } from "../args.js";
import { EXIT_ERRORS, UsageError, type Io } from "../io.js";
import { dataDirs } from "../load.js";
import { reportDiagnostics } from "../report.js";
import { trainScheduled } from "./train-schedule.js";
import { loadTrainTarget, openTrainingDevice, reportRunError, userPassLog, writeRunOutputs } from "./training.js";

export const trainHelp = `gnnc train FILE [--run NAME] [--device auto|gpu|reference] [--data-dir DIR] [--seed N] [--epochs N]
                [--eval-every K] [--patience P] [--save PATH] [--resume PATH] [--json PATH] [--report DIR] [--quiet]

Train the model of a train block and report its metrics at the selected epoch.

  --run NAME        the train block to run (needed when FILE has several)
  --device DEVICE   gpu (WebGPU through Dawn), reference (the IR interpreter on the CPU), or auto (default:
                    the GPU when an adapter exists, else the reference device, saying so); $GNNC_DEVICE sets the default
  --data-dir DIR    where load("name") finds datasets (default: $GNNC_DATA_DIR, then ./data)
  --seed N          seed of initialisation and dropout (default: the checkpoint's when
                    resuming, else the block's seed, else 0)
  --epochs N        the last epoch to train to (overrides the block's epochs)
  --eval-every K    evaluate every K epochs and after the last (overrides the block's eval_every)
  --patience P      stop after P evaluations without a better selection metric (overrides the block's patience)
  --save PATH       save the selected epoch's parameters, buffers and optimizer state as a
                    safetensors checkpoint (written atomically)
  --resume PATH     start from a checkpoint saved with --save: its parameters and optimizer
                    state, continuing the epoch count (and step count, dropout and learning-
                    rate schedule) after its epoch; a later epoch is selected only if better
  --json PATH       write the result (metrics, history, timings) as JSON to PATH
  --report DIR      write DIR/result.json, DIR/curve.svg (loss and metrics by epoch) and
                    DIR/report.md (metrics, timings, memory, compiled pipeline)
  --quiet           no progress, only the summary

Progress goes to stderr: one updating line on a terminal, else a line every 10 epochs.
Every file is written atomically (a temporary file, then a rename): a crash leaves the
previous file whole.`;

const DEVICES = ["auto", "reference", "gpu"];

/** A flag's whole number in [min, limit], as the train block's key of the same name. */
function wholeNumber(flag: string, text: string | undefined, min: number, limit: Limit): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > limit.max) throw new UsageError(`gnnc train: --${flag} must be an integer in [${min}, ${limit.max}], got \`${text}\``);
  return n;
}

function fmt(x: number | undefined): string {
  return x === undefined ? "n/a" : Number.isFinite(x) ? x.toFixed(4) : String(x);
}

function summary(r: TrainResult): string {
  const metrics = Object.entries(r.metrics)
    .map(([k, v]) => `${k} ${fmt(v)}`)
    .join(", ");
  const resumed = r.start_epoch > 0 ? `, resumed after epoch ${r.start_epoch}` : "";
  return (
    `${r.run}: selected epoch ${r.selected_epoch} of ${r.epochs} (${metrics})\n` +
    `  device ${r.device}, seed ${r.seed}${resumed}, median epoch ${r.epoch_ms_median.toFixed(1)} ms, compile ${r.compile_ms.toFixed(0)} ms, peak ${(r.peak_bytes / 2 ** 20).toFixed(1)} MiB\n`
  );
}

/** The resume state of a checkpoint, or an error message when it cannot continue this run. */
function startFrom(ckpt: Checkpoint, lastEpoch: number): StartState | string {
  const info = ckpt.info;
  if (!info) return `${ckpt.path}: not a gnnc checkpoint (its __metadata__ has no format "gnnc-checkpoint")\n  help: --resume takes a checkpoint written by \`gnnc train --save\`; to only predict with other weights, use \`gnnc predict --params\``;
  if (info.epoch >= lastEpoch) return `${ckpt.path} is at epoch ${info.epoch}, and the run ends at epoch ${lastEpoch}: nothing left to train\n  help: train further with --epochs N, N > ${info.epoch}`;
  return { tensors: ckpt.tensors, source: ckpt.path, epoch: info.epoch, metrics: info.metrics };
}

export async function train(io: Io, argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs("train", argv, {
    run: { type: "string" },
    device: { type: "string" },
    "data-dir": { type: "string" },
    seed: { type: "string" },
    epochs: { type: "string" },
    "eval-every": { type: "string" },
    patience: { type: "string" },
    save: { type: "string" },
    resume: { type: "string" },
    json: { type: "string" },
    report: { type: "string" },
    quiet: { type: "boolean" },
  });
  if (positionals.length !== 1) throw new UsageError("gnnc train: expected exactly one FILE");
  const device = (values.device as string | undefined) ?? io.env.GNNC_DEVICE ?? "auto";
  if (!DEVICES.includes(device)) throw new UsageError(`gnnc train: --device must be one of ${DEVICES.join(", ")}, got \`${device}\``);
  let seed = wholeNumber("seed", values.seed as string | undefined, 0, LIMITS.seed);
  const epochs = wholeNumber("epochs", values.epochs as string | undefined, 1, LIMITS.epochs);
  const evalEvery = wholeNumber("eval-every", values["eval-every"] as string | undefined, 1, LIMITS.epochs);
  const patience = wholeNumber("patience", values.patience as string | undefined, 1, LIMITS.epochs);
  const savePath = values.save as string | undefined;
  const resumePath = values.resume as string | undefined;
  const reportDir = values.report as string | undefined;

  const file = positionals[0];
  const dirs = dataDirs(io, values["data-dir"] as string | undefined);
  const target = loadTrainTarget(io, "train", file, dirs, values.run as string | undefined);
  if (!target) return EXIT_ERRORS;

  // Before training: an output that cannot be written should not cost a training run (--save and --json may point into the report folder).
  try {
    if (reportDir !== undefined) createFolder(reportDir);
    for (const path of [savePath, values.json as string | undefined]) if (path !== undefined) checkWritable(path);
  } catch (e) {
    return reportRunError(io, e, "writing");
  }
  if (target.spec.schedule) {
    const given = { epochs, "eval-every": evalEvery, patience };
    for (const [flag, v] of Object.entries(given)) {
      if (v !== undefined) throw new UsageError(`gnnc train: --${flag} does not apply to \`${target.spec.name}\`: its schedule (\`${target.spec.schedule.name}\`) sets how long it trains`);
    }
    const mode: ProgressMode = values.quiet ? "quiet" : io.stderrIsTTY ? "tty" : "lines";
    return trainScheduled(io, target, { device, seed, savePath, resumePath, reportDir, json: values.json as string | undefined, mode, dirs, file });
  }
  let start: StartState | undefined;
  if (resumePath !== undefined) {
    try {
      const ckpt = loadCheckpoint(resumePath);
      const from = startFrom(ckpt, epochs ?? target.spec.epochs!);
      if (typeof from === "string") {
        io.err(`error: ${from}\n`);
        return EXIT_ERRORS;
      }
      start = from;
      seed ??= ckpt.info?.seed;
    } catch (e) {
      return reportRunError(io, e, "resuming");
    }
  }

  const mode: ProgressMode = values.quiet ? "quiet" : io.stderrIsTTY ? "tty" : "lines";
  const progress = progressPrinter(mode, (t) => io.err(t));
  let selectedState: Readonly<Record<string, TensorValue>> | undefined;
  let pipeline: PipelineSummary | undefined;
  const trainStart = performance.now();
  let outcome;
  let gpu: GpuDevice | undefined;
  try {
    gpu = await openTrainingDevice(io, device);
    outcome = await runTraining(target.spec, target.module, {
      gpu,
      seed,
      epochs,
      evalEvery,
      patience,
      start,
      compileMs: target.compileMs,
      data: { dataDir: dirs, env: io.env, baseDir: dirname(resolve(file)) },
      onEpoch: (p) => progress.epoch(p),
      onSelect: (_, state) => void (selectedState = state),
      onCompiled: (training) => void (pipeline = summarizePipeline(training)),
      onPassLog: userPassLog(io, target.spec),
    });
  } catch (e) {
    progress.done();
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
    spec: target.spec,
    module: target.module.name,
    unit: "epoch",
    selectedState,
    savePath,
    json: values.json as string | undefined,
    reportDir,
    resumePath,
    pipeline,
    trainMs,
  });
}
