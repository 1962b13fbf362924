import { dirname, resolve } from "node:path";
import { opCosts, trainingFlops, type OpCost } from "../../compiler/plan/index.js";
import { TRAIN_STEP_FUNC } from "../../compiler/train/index.js";
import type { Func } from "../../compiler/ir/types.js";
import { writeFileAtomic } from "../../runtime/checkpoint/index.js";
import { flopsText } from "../../runtime/report/markdown.js";
import { flopsRecord, prepareTraining } from "../../runtime/train/run.js";
import { parseCommandArgs } from "../args.js";
import { EXIT_ERRORS, EXIT_OK, UsageError, type Io } from "../io.js";
import { dataDirs } from "../load.js";
import { reportDiagnostics } from "../report.js";
import { loadTrainTarget, reportRunError, userPassLog } from "./training.js";

export const flopsHelp = `gnnc flops FILE [--run NAME] [--epochs N] [--json PATH] [--data-dir DIR]

Count a train block's training FLOPs from the IR cost model, without training: each function its
step plan runs (train_step, and a technique pass's topology or pruning steps), how often a run of
N steps calls it, FLOPs per call and in the run, beside the dense train_step (before technique
passes) every step; then every function's FLOPs per op (loops counted by their trip counts).

  --epochs N       the run's steps (default: the block's epochs)
  --json PATH      also write the counts as JSON
Sizes come from the dataset, so load("name") needs --data-dir or GNNC_DATA_DIR.`;

function pad(cells: string[], widths: number[]): string {
  return cells.map((c, k) => (k === 0 ? c.padEnd(widths[k]) : c.padStart(widths[k]))).join("  ").trimEnd();
}

function columns(head: string[], rows: string[][]): string {
  const widths = head.map((_, k) => Math.max(head[k].length, ...rows.map((r) => r[k].length)));
  return [pad(head, widths), ...rows.map((r) => pad(r, widths))].join("\n");
}

function opTable(func: Func, ops: readonly OpCost[]): string {
  const total = ops.reduce((n, o) => n + o.flops, 0);
  const rows = [...ops].sort((a, b) => b.flops - a.flops).map((o) => [o.op, String(o.runs), flopsText(o.flops), total ? `${((100 * o.flops) / total).toFixed(1)}%` : "–"]);
  return `${func.name}, per op (${flopsText(total)} per call):\n${columns(["op", "runs", "FLOPs", "share"], rows)}`;
}

export function flops(io: Io, argv: string[]): number {
  const { values, positionals } = parseCommandArgs("flops", argv, {
    run: { type: "string" },
    epochs: { type: "string" },
    json: { type: "string" },
    "data-dir": { type: "string" },
  });
  if (positionals.length !== 1) throw new UsageError("gnnc flops: expected exactly one FILE");
  const epochsText = values.epochs as string | undefined;
  if (epochsText !== undefined && !/^[1-9]\d*$/.test(epochsText)) throw new UsageError(`gnnc flops: --epochs must be a positive integer, got \`${epochsText}\``);
  const file = positionals[0];
  const dirs = dataDirs(io, values["data-dir"] as string | undefined);
  const target = loadTrainTarget(io, "flops", file, dirs, values.run as string | undefined);
  if (!target) return EXIT_ERRORS;
  try {
    const prepared = prepareTraining(target.spec, target.module, { data: { dataDir: dirs, env: io.env, baseDir: dirname(resolve(file)) }, onPassLog: userPassLog(io, target.spec) });
    if ("diagnostics" in prepared) {
      reportDiagnostics(io, prepared.diagnostics, target.sources);
      return EXIT_ERRORS;
    }
    const planned = target.spec.epochs;
    if (prepared.schedule || planned === undefined) {
      io.err(`error: \`${target.spec.name}\` trains by a schedule; gnnc flops counts epoch training (a train_step and its step plan)\n`);
      return EXIT_ERRORS;
    }
    const steps = epochsText !== undefined ? Number(epochsText) : planned;
    const counted = trainingFlops(prepared.lowered, prepared.baseline, steps, prepared.symbols, planned);
    const rows = counted.functions.map((f) => [f.name, String(f.calls), flopsText(f.flops), flopsText(f.flops * f.calls)]);
    rows.push(["the run", "", "", flopsText(counted.run)]);
    rows.push([`dense ${TRAIN_STEP_FUNC}`, String(steps), flopsText(counted.denseStep), flopsText(counted.denseRun)]);
    const ratio = counted.denseRun > 0 ? ` — the run costs ${(counted.run / counted.denseRun).toFixed(4)}× the dense run` : "";
    const funcs = counted.functions.map((f) => prepared.lowered.funcs.find((g) => g.name === f.name)!);
    const perOp = funcs.map((f) => ({ func: f, ops: opCosts(f, prepared.symbols) }));
    io.out(`${target.spec.name}: training FLOPs from the IR cost model, ${steps} steps${ratio}\n\n`);
    io.out(columns(["function", "calls", "FLOPs per call", "FLOPs"], rows) + "\n");
    for (const { func, ops } of perOp) io.out(`\n${opTable(func, ops)}\n`);
    const json = values.json as string | undefined;
    if (json !== undefined) {
      const byOp = Object.fromEntries(perOp.map(({ func, ops }) => [func.name, ops.map((o) => ({ op: o.op, runs: o.runs, flops: o.flops, bytes: o.bytes }))]));
      writeFileAtomic(json, JSON.stringify({ train: target.spec.name, ...flopsRecord(counted), by_op: byOp }, null, 2) + "\n");
    }
    return EXIT_OK;
  } catch (e) {
    return reportRunError(io, e, "counting");
  }
}
