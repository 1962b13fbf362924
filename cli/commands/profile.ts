import { dirname, resolve } from "node:path";
import { writeFileAtomic } from "../../runtime/checkpoint/index.js";
import type { GpuDevice } from "../../runtime/gpu/index.js";
import { kernelProfile, type KernelProfile } from "../../runtime/train/kernel-profile.js";
import { runTraining } from "../../runtime/train/run.js";
import { parseCommandArgs } from "../args.js";
import { EXIT_ERRORS, EXIT_OK, UsageError, type Io } from "../io.js";
import { dataDirs } from "../load.js";
import { reportDiagnostics } from "../report.js";
import { loadTrainTarget, openTrainingDevice, reportRunError, userPassLog } from "./training.js";

export const profileHelp = `gnnc profile FILE [--run NAME] [--epochs N] [--seed N] [--json PATH] [--data-dir DIR]

Train a train block on the GPU for a few epochs with every kernel launch timed (WebGPU timestamp
queries) and show where an epoch's GPU time goes: per kernel, the function it runs in (train_step,
predict, …) and the .gnn line its IR came from, launches per epoch, the median time of a launch
and the time per epoch, the costliest first; then the kernels' sum beside the epoch's wall time
(the difference is launch overhead, host work and readbacks). Each epoch is a training step and an
evaluation, as \`gnnc train\` runs them (from the second, the evaluation runs with the next step,
as predict_and_step). The first two epochs, whose launches include compiling the shaders on
software adapters (the step's and predict's in the first, predict_and_step's in the second), are
left out. Timing puts each launch in a compute pass of its own, which adds a little to what it
measures.

  --epochs N       epochs to time after the first two (default 20)
  --json PATH      also write the table as JSON
Needs a GPU adapter with timestamp queries (lavapipe has them). Sizes come from the dataset, so
load("name") needs --data-dir or GNNC_DATA_DIR.`;

/** Epochs run before the timed ones: each compiles kernels the epochs after it run again. */
const UNTIMED = 2;

function table(p: KernelProfile): string {
  const head = ["function", "kernel", "from", "launches", "median µs", "ms/epoch", "share"];
  const rows = p.rows.map((r) => [r.function, r.kernel, r.source || "–", fmtCount(r.launches_per_epoch), r.median_us.toFixed(1), r.ms_per_epoch.toFixed(3), `${(100 * r.share).toFixed(1)}%`]);
  const widths = head.map((h, k) => Math.max(h.length, ...rows.map((r) => r[k].length)));
  const line = (cells: string[]) => cells.map((c, k) => (k < 3 ? c.padEnd(widths[k]) : c.padStart(widths[k]))).join("  ").trimEnd();
  return [line(head), ...rows.map(line)].join("\n");
}

const fmtCount = (x: number) => (Number.isInteger(x) ? String(x) : x.toFixed(2));

export async function profile(io: Io, argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs("profile", argv, {
    run: { type: "string" },
    epochs: { type: "string" },
    seed: { type: "string" },
    json: { type: "string" },
    "data-dir": { type: "string" },
  });
  if (positionals.length !== 1) throw new UsageError("gnnc profile: expected exactly one FILE");
  const epochsText = (values.epochs as string | undefined) ?? "20";
  if (!/^[1-9]\d{0,5}$/.test(epochsText)) throw new UsageError(`gnnc profile: --epochs must be a positive integer, got \`${epochsText}\``);
  const seedText = (values.seed as string | undefined) ?? "0";
  if (!/^\d{1,9}$/.test(seedText)) throw new UsageError(`gnnc profile: --seed must be a whole number, got \`${seedText}\``);
  const timedEpochs = Number(epochsText);
  const file = positionals[0];
  const dirs = dataDirs(io, values["data-dir"] as string | undefined);
  const target = loadTrainTarget(io, "profile", file, dirs, values.run as string | undefined);
  if (!target) return EXIT_ERRORS;
  if (target.spec.schedule) {
    io.err(`error: \`${target.spec.name}\` trains by a schedule (\`${target.spec.schedule.name}\`); gnnc profile times epoch training (a train_step and its evaluation)\n`);
    return EXIT_ERRORS;
  }
  let gpu: GpuDevice | undefined;
  try {
    const device = await openTrainingDevice(io, "gpu"); // throws NoAdapterError rather than return none
    gpu = device!;
    const timer = gpu.startTimer();
    const epochs = timedEpochs + UNTIMED;
    const outcome = await runTraining(target.spec, target.module, {
      gpu,
      seed: Number(seedText),
      epochs,
      evalEvery: 1,
      patience: epochs, // every epoch runs: early stopping would cut the timed ones short
      data: { dataDir: dirs, env: io.env, baseDir: dirname(resolve(file)) },
      progressMs: 0,
      // Epoch e's launches are tagged e − UNTIMED: the first epochs' (shader compiles) are tags ≤ 0, left out.
      onQueue: (epoch) => void (timer.tag = epoch - UNTIMED),
      onPassLog: userPassLog(io, target.spec),
    });
    if (outcome.diagnostics) {
      reportDiagnostics(io, outcome.diagnostics, target.sources);
      return EXIT_ERRORS;
    }
    await timer.flush();
    const p = kernelProfile(timer.launches(), 1);
    const r = outcome.result;
    const wall = r.epoch_ms_median;
    io.out(`${r.run} on ${gpu.adapter.description}: GPU time per epoch (training step + evaluation), epochs ${UNTIMED + 1}–${epochs}\n\n`);
    io.out(table(p) + "\n\n");
    io.out(`kernels: ${p.kernel_ms_per_epoch.toFixed(3)} ms per epoch in ${fmtCount(p.launches_per_epoch)} launches; epoch wall time (median): ${wall.toFixed(3)} ms\n`);
    if (timer.untimed > 0) io.out(`note: ${timer.untimed} launches were not timed (a run of more launches than the query set holds)\n`);
    const json = values.json as string | undefined;
    if (json !== undefined) {
      writeFileAtomic(json, JSON.stringify({ train: r.run, device: gpu.adapter.description, epochs_timed: p.epochs, epoch_ms_median: wall, kernel_ms_per_epoch: p.kernel_ms_per_epoch, launches_per_epoch: p.launches_per_epoch, untimed: timer.untimed, kernels: p.rows }, null, 2) + "\n");
    }
    return EXIT_OK;
  } catch (e) {
    return reportRunError(io, e, "profiling");
  } finally {
    gpu?.destroy();
  }
}
