// `npm run bench`, ADMM (techniques.md §2): the GA-MLP of examples/cora-admm.gnn (10 layers × 100
// neurons) trained by pdADMM-G, by pdADMM-G-Q, and by Adam, over several seeds on Cora, Coauthor
// CS and Amazon Computers; test accuracy at the phase selected on validation; the bytes the layers
// exchange per iteration with and without quantisation; and layer parallelism: iteration time of
// a 10-layer × 1000-neuron model over 1, 2 and 4 devices, the bytes moved between devices, and
// whether the state equals the 1-device run's. Writes bench/results/admm.{json,md}.
//
//   npm run build && node dist/bench/admm.js [--datasets cora,coauthor_cs,amazon_computers] [--seeds 0,1,2,3,4]
//     [--runs admm,admm_q,adam] [--devices 1,2,4] [--parallel-iterations 4] [--no-accuracy] [--no-parallel] [--out DIR]
//
// Needs GNNC_DATA_DIR; trains on the GPU when an adapter exists, else on the reference device.
// Every dataset runs the example's settings (chosen on Cora's validation split).
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { compile } from "../compiler/index.js";
import type { TensorValue } from "../compiler/ir/values.js";
import type { TrainSpec } from "../compiler/train/spec.js";
import { dataSearchPath, datasetResolver, describeDataset } from "../runtime/data/index.js";
import { NoAdapterError, openDevice, type GpuDevice } from "../runtime/gpu/index.js";
import type { ScheduleResult } from "../runtime/schedules/result.js";
import { runScheduledTraining } from "../runtime/schedules/run.js";
import { runTraining } from "../runtime/train/run.js";
import { adaptExample, loadDeclaration } from "./sources.js";
import { median } from "./stats.js";

const { values } = parseArgs({
  options: {
    datasets: { type: "string", default: "cora,coauthor_cs,amazon_computers" },
    seeds: { type: "string", default: "0,1,2,3,4" },
    runs: { type: "string", default: "admm,admm_q,adam" },
    devices: { type: "string", default: "1,2,4" },
    "parallel-iterations": { type: "string", default: "4" },
    "no-accuracy": { type: "boolean", default: false },
    "no-parallel": { type: "boolean", default: false },
    out: { type: "string", default: "bench/results" },
  },
});

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const EXAMPLE = join(REPO, "examples", "cora-admm.gnn");
const LABELS: Record<string, string> = { cora: "Cora", coauthor_cs: "Coauthor CS", amazon_computers: "Amazon Computers" };
/** The example's train blocks. */
const RUNS: Record<string, string> = { admm: "cora_admm", admm_q: "cora_admm_q", adam: "cora_adam" };
const dataDir = process.env.GNNC_DATA_DIR ? resolve(process.env.GNNC_DATA_DIR) : undefined;
const log = (line: string) => process.stderr.write(`[bench admm] ${line}\n`);

interface AccuracyRow {
  dataset: string;
  run: string;
  seed: number;
  val: number;
  test: number;
  /** Phase (ADMM iteration) or epoch selected. */
  selected: number;
  seconds: number;
  /** ADMM: bytes between layers in an iteration of the last stage, as sent and as f32. */
  layerBytes?: number;
  layerBytesF32?: number;
  finalObjective?: number;
  finalResidual?: number;
}

interface ParallelRow {
  devices: number;
  /** Median wall time of an iteration after the first (which compiles). */
  iterationMs: number;
  /** Bytes moved between devices in an iteration: across group boundaries, and the rest (ρ, reports). */
  boundaryBytes: number;
  otherBytes: number;
  /** The state after the last iteration equals the 1-device run's, bit for bit. */
  equal: boolean;
}

function compileBlock(text: string, run: string, overrides: Record<string, unknown>): { spec: TrainSpec; module: Parameters<typeof runTraining>[1] } {
  const r = compile(text, { file: "cora-admm.gnn", datasets: datasetResolver(dataSearchPath({ dataDir: dataDir ? [dataDir] : [], env: process.env })) });
  if (!r.program) throw new Error(r.diagnostics.map((d) => `${d.code} ${d.message}`).join("\n"));
  const spec0 = r.program.trains.find((t) => t.name === run)!;
  const module = r.program.modules.find((m) => m.name === spec0.module)!;
  const spec = spec0.schedule ? { ...spec0, schedule: { ...spec0.schedule, args: { ...spec0.schedule.args, ...(overrides as TrainSpec["schedule"] & object) } } } : spec0;
  return { spec: spec as TrainSpec, module };
}

async function accuracy(gpu: GpuDevice | undefined): Promise<AccuracyRow[]> {
  const rows: AccuracyRow[] = [];
  const example = readFileSync(EXAMPLE, "utf8");
  for (const dataset of values.datasets.split(",")) {
    if (!dataDir || !describeDataset(dataset, [dataDir])) {
      log(`${dataset}: not in GNNC_DATA_DIR, skipped`);
      continue;
    }
    const text = dataset === "cora" ? example : adaptExample(example, { key: dataset, declaration: loadDeclaration(dataset, []) });
    for (const run of values.runs.split(",")) {
      for (const seed of values.seeds.split(",").map(Number)) {
        const { spec, module } = compileBlock(text, RUNS[run], {});
        const start = performance.now();
        const data = { dataDir: dataDir ? [dataDir] : [], env: process.env };
        let row: AccuracyRow;
        if (spec.schedule) {
          const { result, diagnostics } = await runScheduledTraining(spec, module, { seed, gpu, data });
          if (!result) throw new Error(diagnostics.map((d) => d.message).join("\n"));
          const last = result.schedule.phases[result.schedule.phases.length - 1].measures!;
          row = { dataset, run, seed, val: result.metrics.val_accuracy, test: result.metrics.test_accuracy, selected: result.selected_epoch, seconds: (performance.now() - start) / 1000, layerBytes: last.layer_bytes, layerBytesF32: last.layer_bytes_f32, finalObjective: last.objective, finalResidual: last.residual };
        } else {
          const out = await runTraining(spec, module, { seed, gpu, data });
          if (!out.result) throw new Error(out.diagnostics.map((d) => d.message).join("\n"));
          row = { dataset, run, seed, val: out.result.metrics.val_accuracy, test: out.result.metrics.test_accuracy, selected: out.result.selected_epoch, seconds: (performance.now() - start) / 1000 };
        }
        rows.push(row);
        log(`${LABELS[dataset]} ${run} seed ${seed}: val ${row.val.toFixed(3)} test ${row.test.toFixed(3)} (${row.seconds.toFixed(0)} s)`);
      }
    }
  }
  return rows;
}

/** A 10-layer × 1000-neuron GA-MLP on Cora (one stage), timed over 1, 2, 4 devices. */
async function parallel(gpu: GpuDevice | undefined): Promise<ParallelRow[]> {
  const example = readFileSync(EXAMPLE, "utf8").replace("hidden: int = 100", "hidden: int = 1000");
  const iterations = Number(values["parallel-iterations"]);
  const rows: ParallelRow[] = [];
  let reference: Readonly<Record<string, TensorValue>> | undefined;
  for (const devices of values.devices.split(",").map(Number)) {
    const { spec, module } = compileBlock(example, RUNS.admm, { layers: [10], iterations, rho: 1, nu: 1, mu: 1, devices });
    let state: Readonly<Record<string, TensorValue>> = {};
    const data = { dataDir: dataDir ? [dataDir] : [], env: process.env };
    const { result } = await runScheduledTraining({ ...spec, select: { kind: "last", span: spec.span }, evalEvery: iterations }, module, { seed: 0, gpu, data, onSelect: (_, s) => void (state = s) });
    const phases = (result as ScheduleResult).schedule.phases.slice(1);
    reference ??= state;
    const equal = Object.keys(reference).every((k) => Buffer.compare(Buffer.from(reference![k].data.buffer), Buffer.from(state[k].data.buffer)) === 0);
    const row = { devices, iterationMs: median(phases.map((p) => p.ms)), boundaryBytes: median(phases.map((p) => p.measures!.device_bytes ?? 0)), otherBytes: median(phases.map((p) => p.measures!.device_other_bytes ?? 0)), equal };
    rows.push(row);
    log(`10 × 1000, ${devices} device(s): ${row.iterationMs.toFixed(0)} ms an iteration, ${row.boundaryBytes} bytes across groups, equal: ${equal}`);
  }
  return rows;
}

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}
function std(xs: number[]): number {
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(1, xs.length - 1));
}

function markdown(acc: AccuracyRow[], par: ParallelRow[], device: string): string {
  const lines = [`# ADMM benchmark`, "", `Device: ${device}; ${cpus().length} CPU cores.`, ""];
  if (acc.length) {
    lines.push("## Test accuracy (selected on validation), 10 layers × 100 neurons", "", "| dataset | run | seeds | val (mean ± std) | test (mean ± std) | bytes between layers / iteration | as f32 | saved | s / run |", "|---|---|---|---|---|---|---|---|---|");
    for (const dataset of [...new Set(acc.map((r) => r.dataset))]) {
      for (const run of [...new Set(acc.map((r) => r.run))]) {
        const rs = acc.filter((r) => r.dataset === dataset && r.run === run);
        if (!rs.length) continue;
        const bytes = rs[0].layerBytes;
        const f32 = rs[0].layerBytesF32;
        const saved = bytes !== undefined && f32 ? `${(100 * (1 - bytes / f32)).toFixed(1)}%` : "–";
        lines.push(`| ${LABELS[dataset]} | ${run} | ${rs.length} | ${mean(rs.map((r) => r.val)).toFixed(3)} ± ${std(rs.map((r) => r.val)).toFixed(3)} | ${mean(rs.map((r) => r.test)).toFixed(3)} ± ${std(rs.map((r) => r.test)).toFixed(3)} | ${bytes ?? "–"} | ${f32 ?? "–"} | ${saved} | ${mean(rs.map((r) => r.seconds)).toFixed(0)} |`);
      }
    }
    lines.push("");
  }
  if (par.length) {
    const one = par.find((r) => r.devices === 1)?.iterationMs;
    lines.push("## Layer parallelism: 10 layers × 1000 neurons on Cora", "", "| devices | ms / iteration | speed-up | bytes across groups / iteration | other bytes / iteration | state equals 1 device |", "|---|---|---|---|---|---|");
    for (const r of par) lines.push(`| ${r.devices} | ${r.iterationMs.toFixed(0)} | ${one ? (one / r.iterationMs).toFixed(2) : "–"} | ${r.boundaryBytes} | ${r.otherBytes} | ${r.equal ? "yes" : "NO"} |`);
  }
  return lines.join("\n") + "\n";
}

let gpu: GpuDevice | undefined;
try {
  gpu = await openDevice();
} catch (e) {
  if (!(e instanceof NoAdapterError)) throw e;
  log("no WebGPU adapter: the reference device");
}
try {
  const device = gpu ? `${gpu.adapter.description} (${gpu.adapter.backend})` : "reference interpreter";
  const acc = values["no-accuracy"] ? [] : await accuracy(gpu);
  const par = values["no-parallel"] ? [] : await parallel(gpu);
  mkdirSync(values.out, { recursive: true });
  writeFileSync(join(values.out, "admm.json"), JSON.stringify({ device, accuracy: acc, parallel: par }, null, 2) + "\n");
  writeFileSync(join(values.out, "admm.md"), markdown(acc, par, device));
  log(`wrote ${join(values.out, "admm.md")}`);
} finally {
  gpu?.destroy();
}
