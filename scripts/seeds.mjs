#!/usr/bin/env node
// Train one .gnn example for several seeds with the built CLI and summarise the selected-epoch test
// accuracy: the measurement behind README's results. Each seed runs in its own `gnnc train` process,
// so every number is exactly what a user gets from the command line.
//
//   npm run build
//   GNNC_DATA_DIR=../shared/data node scripts/seeds.mjs examples/cora-gat.gnn [--seeds 10] [--json out.json]
//
// Options: --seeds N (seeds 0..N-1, default 10), --first S (start at seed S, default 0),
// --run NAME, --data-dir DIR, --epochs N, --device reference|gpu, --json PATH, --cli PATH (default dist/cli/main.js).
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    seeds: { type: "string", default: "10" },
    first: { type: "string", default: "0" },
    run: { type: "string" },
    "data-dir": { type: "string" },
    epochs: { type: "string" },
    device: { type: "string" },
    json: { type: "string" },
    cli: { type: "string", default: join(root, "dist/cli/main.js") },
  },
});
if (positionals.length !== 1) {
  console.error("usage: node scripts/seeds.mjs FILE.gnn [--seeds N] [--first S] [--run NAME] [--data-dir DIR] [--epochs N] [--json PATH] [--cli PATH]");
  process.exit(2);
}
const file = positionals[0];
const count = Number(values.seeds);
const first = Number(values.first);
if (!Number.isInteger(count) || count < 1 || !Number.isInteger(first) || first < 0) {
  console.error("--seeds must be an integer ≥ 1 and --first an integer ≥ 0");
  process.exit(2);
}

if (!existsSync(values.cli)) {
  console.error(`no built CLI at ${values.cli}: run \`npm run build\` first (or pass --cli PATH)`);
  process.exit(2);
}

const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
// Sample standard deviation (n - 1), as papers report over seeds.
const std = (xs) => (xs.length < 2 ? 0 : Math.sqrt(xs.reduce((a, x) => a + (x - mean(xs)) ** 2, 0) / (xs.length - 1)));
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** One seed: `gnnc train --json` into a scratch file, read back. */
function trainSeed(seed, scratch) {
  const out = join(scratch, `seed-${seed}.json`);
  const args = [values.cli, "train", file, "--seed", String(seed), "--json", out, "--quiet"];
  if (values.run) args.push("--run", values.run);
  if (values["data-dir"]) args.push("--data-dir", values["data-dir"]);
  if (values.epochs) args.push("--epochs", values.epochs);
  if (values.device) args.push("--device", values.device);
  const child = spawnSync(process.execPath, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  if (child.status !== 0) throw new Error(`gnnc train failed for seed ${seed} (exit ${child.status}):\n${child.stderr}${child.stdout}`);
  return JSON.parse(readFileSync(out, "utf8"));
}

const scratch = mkdtempSync(join(tmpdir(), "gnnc-seeds-"));
const runs = [];
try {
  for (let seed = first; seed < first + count; seed++) {
    const r = trainSeed(seed, scratch);
    runs.push({
      seed,
      test_accuracy: r.metrics.test_accuracy,
      val_accuracy: r.metrics.val_accuracy,
      selected_epoch: r.selected_epoch,
      epochs: r.epochs,
      epoch_ms_median: r.epoch_ms_median,
    });
    const last = runs[runs.length - 1];
    console.log(
      `seed ${seed}: test ${last.test_accuracy.toFixed(4)}  val ${last.val_accuracy.toFixed(4)}  epoch ${last.selected_epoch}/${last.epochs}  ${last.epoch_ms_median.toFixed(1)} ms/epoch`,
    );
  }
} catch (e) {
  console.error(e instanceof Error ? e.message : String(e));
  process.exitCode = 1;
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
if (process.exitCode) process.exit();

const tests = runs.map((r) => r.test_accuracy);
const summary = {
  file,
  seeds: runs.map((r) => r.seed),
  test_accuracy_mean: mean(tests),
  test_accuracy_std: std(tests),
  epoch_ms_median: median(runs.map((r) => r.epoch_ms_median)),
  machine: `${cpus().length}× ${cpus()[0]?.model ?? "unknown CPU"}, node ${process.version}, ${process.platform}`,
  runs,
};
console.log(
  `${file}: test accuracy mean ${summary.test_accuracy_mean.toFixed(4)}, std ${summary.test_accuracy_std.toFixed(4)} over ${runs.length} seeds; median epoch ${summary.epoch_ms_median.toFixed(1)} ms (${summary.machine})`,
);
if (values.json) writeFileSync(values.json, JSON.stringify(summary, null, 2) + "\n");
