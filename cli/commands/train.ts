import { renameSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { InterpretError } from "../../runtime/reference/index.js";
import { DataError } from "../../runtime/data/index.js";
import { progressPrinter, type ProgressMode } from "../../runtime/train/progress.js";
import { findTrain, runTraining } from "../../runtime/train/run.js";
import type { TrainResult } from "../../runtime/train/trainer.js";
import { parseCommandArgs } from "../args.js";
import { EXIT_ERRORS, EXIT_OK, UsageError, type Io } from "../io.js";
import { compileFile, dataDirs, datasetResolver } from "../load.js";
import { reportDiagnostics } from "../report.js";

export const trainHelp = `gnnc train FILE [--run NAME] [--device reference|gpu] [--data-dir DIR] [--seed N] [--epochs N] [--json PATH] [--quiet]

Train the model of a train block and report its metrics at the selected epoch.

  --run NAME        the train block to run (needed when FILE has several)
  --device DEVICE   reference (the IR interpreter, default) or gpu (WebGPU; not built yet)
  --data-dir DIR    where load("name") finds datasets (default: $GNNC_DATA_DIR, then ./data)
  --seed N          seed of initialisation and dropout (default: the block's seed, else 0)
  --epochs N        override the block's epoch count
  --json PATH       write the result (metrics, history, timings) as JSON to PATH
  --quiet           no progress, only the summary

Progress goes to stderr: one updating line on a terminal, else a line every 10 epochs.`;

const DEVICES = ["reference", "gpu"];

function wholeNumber(flag: string, text: string | undefined, min: number): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < min) throw new UsageError(`gnnc train: --${flag} must be an integer ≥ ${min}, got \`${text}\``);
  return n;
}

/** Write a file so that readers never see half of it: a temporary file beside it, then a rename. */
function writeAtomically(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

function fmt(x: number | undefined): string {
  return x === undefined ? "n/a" : Number.isFinite(x) ? x.toFixed(4) : String(x);
}

function summary(r: TrainResult): string {
  const metrics = Object.entries(r.metrics)
    .map(([k, v]) => `${k} ${fmt(v)}`)
    .join(", ");
  return (
    `${r.run}: selected epoch ${r.selected_epoch} of ${r.epochs} (${metrics})\n` +
    `  device reference, seed ${r.seed}, median epoch ${r.epoch_ms_median.toFixed(1)} ms, compile ${r.compile_ms.toFixed(0)} ms, peak ${(r.peak_bytes / 2 ** 20).toFixed(1)} MiB\n`
  );
}

export function train(io: Io, argv: string[]): number {
  const { values, positionals } = parseCommandArgs("train", argv, {
    run: { type: "string" },
    device: { type: "string" },
    "data-dir": { type: "string" },
    seed: { type: "string" },
    epochs: { type: "string" },
    json: { type: "string" },
    quiet: { type: "boolean" },
  });
  if (positionals.length !== 1) throw new UsageError("gnnc train: expected exactly one FILE");
  const device = (values.device as string | undefined) ?? "reference";
  if (!DEVICES.includes(device)) throw new UsageError(`gnnc train: --device must be one of ${DEVICES.join(", ")}, got \`${device}\``);
  const seed = wholeNumber("seed", values.seed as string | undefined, 0);
  const epochs = wholeNumber("epochs", values.epochs as string | undefined, 1);
  if (device === "gpu") {
    io.err("error: the WebGPU backend (--device gpu) is not built yet\n  help: train on the reference interpreter with --device reference\n");
    return EXIT_ERRORS;
  }

  const file = positionals[0];
  const dirs = dataDirs(io, values["data-dir"] as string | undefined);
  const compileStart = performance.now();
  const loaded = compileFile(io, file, datasetResolver(dirs));
  const compileMs = performance.now() - compileStart;
  if (!loaded) return EXIT_ERRORS;
  if (reportDiagnostics(io, loaded.result.diagnostics, loaded.sources) > 0 || !loaded.result.program) return EXIT_ERRORS;
  const program = loaded.result.program;
  const names = program.trains.map((t) => t.name);
  if (names.length === 0) {
    io.err(`error: ${file} has no train block to run\n  help: add \`train NAME { data = …, model = …, … }\`\n`);
    return EXIT_ERRORS;
  }
  const wanted = values.run as string | undefined;
  const target = findTrain(program, wanted);
  if (!target) {
    const list = names.map((n) => `\`${n}\``).join(", ");
    throw new UsageError(wanted === undefined ? `gnnc train: ${file} has several train blocks; choose one with --run (${list})` : `gnnc train: no train block \`${wanted}\` in ${file} (train blocks: ${list})`);
  }

  const mode: ProgressMode = values.quiet ? "quiet" : io.stderrIsTTY ? "tty" : "lines";
  const progress = progressPrinter(mode, (t) => io.err(t));
  let outcome;
  try {
    outcome = runTraining(target.spec, target.module, {
      seed,
      epochs,
      compileMs,
      data: { dataDir: dirs, env: io.env, baseDir: dirname(resolve(file)) },
      onEpoch: (p) => progress.epoch(p),
    });
  } catch (e) {
    progress.done();
    if (e instanceof DataError) {
      io.err(`error: ${e.message}\n`);
      return EXIT_ERRORS;
    }
    if (e instanceof InterpretError) {
      io.err(`error: training failed in ${e.message}\n`);
      return EXIT_ERRORS;
    }
    throw e;
  }
  progress.done();
  if (outcome.diagnostics) {
    reportDiagnostics(io, outcome.diagnostics, loaded.sources);
    return EXIT_ERRORS;
  }
  io.out(summary(outcome.result));
  const json = values.json as string | undefined;
  if (json !== undefined) writeAtomically(json, JSON.stringify(outcome.result, null, 2) + "\n");
  return EXIT_OK;
}
