// Decoupled training (SGNN, `schedule = decoupled(…)`) next to full-batch GCN and SGC (K = 2), all
// measured in this run: test accuracy at the selected epoch or pass, the time of an epoch or a
// pass, and peak bytes, on Cora and Coauthor CS; and the memory of 3, 6 and 12 modules 64 wide
// against a full-batch GCN of the same depth on Coauthor CS (GPU bytes allocated, which the plans
// predict; the reference device's measured peak without an adapter).
//
//   npm run build && node dist/bench/decoupled.js [--seeds 0] [--depths 3,6,12] [--cs-passes 1]
//     [--cs-max-iter 60] [--cs-batch 1024] [--no-train] [--no-memory] [--out bench/results]
//
// Cora trains the examples as written (examples/cora-sgnn.gnn: the published settings). On
// Coauthor CS the decoupled modules take mini-batches of --cs-batch rows and --cs-passes rounds
// (full batches of 18k × 6.8k propagated features per step are out of reach of software Vulkan);
// every other setting is the example's. Datasets come from GNNC_DATA_DIR.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { compile } from "../compiler/index.js";
import { describeDataset } from "../runtime/data/index.js";
import { NoAdapterError, openDevice, type GpuDevice } from "../runtime/gpu/index.js";
import { runScheduledTraining } from "../runtime/schedules/run.js";
import { findTrain, runTraining } from "../runtime/train/run.js";
import { adaptExample, loadDeclaration } from "./sources.js";
import { benchArgs } from "./args.js";

const values = benchArgs(import.meta.url, {
  seeds: { type: "string", default: "0" },
  depths: { type: "string", default: "3,6,12" },
  "cs-passes": { type: "string", default: "1" },
  "cs-max-iter": { type: "string", default: "60" },
  "cs-batch": { type: "string", default: "1024" },
  "no-train": { type: "boolean", default: false },
  "no-memory": { type: "boolean", default: false },
  out: { type: "string", default: "bench/results" },
});

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const dataDir = process.env.GNNC_DATA_DIR ? resolve(process.env.GNNC_DATA_DIR) : undefined;
const log = (line: string) => process.stderr.write(`[bench decoupled] ${line}\n`);

interface Row {
  method: string;
  dataset: string;
  device: string;
  seed: number;
  /** Test accuracy at the selected epoch (pass). */
  test_accuracy?: number;
  val_accuracy?: number;
  /** Median epoch, or median pass (phase) for decoupled training. */
  epoch_or_pass_ms?: number;
  unit: "epoch" | "pass";
  peak_bytes?: number;
  peak_bytes_predicted?: number;
  /** Decoupled: test accuracy after each FT pass. */
  by_pass?: number[];
  total_ms?: number;
  error?: string;
}

interface MemoryRow {
  method: "decoupled" | "GCN";
  depth: number;
  device: string;
  peak_bytes?: number;
  peak_bytes_predicted?: number;
  error?: string;
}

const example = (file: string) => readFileSync(join(REPO, "examples", file), "utf8");

function compileSource(source: string, file: string) {
  const compiled = compile(source, { file, datasets: dataDir ? { describe: (name) => describeDataset(name, [dataDir]) } : undefined });
  const target = compiled.program && findTrain(compiled.program);
  if (!target) throw new Error(compiled.diagnostics.find((d) => d.severity === "error")?.message ?? "no single train block");
  return target;
}

/** Train a block (a schedule's through its driver) and return its row. */
async function train(method: string, dataset: string, source: string, seed: number, gpu: GpuDevice | undefined): Promise<Row> {
  const row: Row = { method, dataset, device: gpu ? "gpu" : "reference", seed, unit: "epoch" };
  const start = performance.now();
  try {
    const { spec, module } = compileSource(source, `${method}-${dataset}.gnn`);
    const data = { dataDir: dataDir ? [dataDir] : [] };
    if (spec.schedule) {
      const out = await runScheduledTraining(spec, module, { gpu, seed, data, onProgress: (p) => p.phaseMs !== undefined && log(`${method} ${dataset}: ${p.label} ${(p.phaseMs / 1000).toFixed(1)} s`) });
      if (!out.result) throw new Error(out.diagnostics[0]?.message);
      const r = out.result;
      Object.assign(row, { unit: "pass", epoch_or_pass_ms: r.epoch_ms_median, peak_bytes: r.peak_bytes, peak_bytes_predicted: r.peak_bytes_predicted });
      Object.assign(row, { test_accuracy: r.metrics.test_accuracy, val_accuracy: r.metrics.val_accuracy });
      row.by_pass = r.schedule.phases.filter((p) => p.metrics).map((p) => p.metrics!.test_accuracy);
    } else {
      const out = await runTraining(spec, module, { gpu, seed, data });
      if (!out.result) throw new Error(out.diagnostics[0]?.message);
      const r = out.result;
      Object.assign(row, { epoch_or_pass_ms: r.epoch_ms_median, peak_bytes: r.peak_bytes, peak_bytes_predicted: r.peak_bytes_predicted });
      Object.assign(row, { test_accuracy: r.metrics.test_accuracy, val_accuracy: r.metrics.val_accuracy });
    }
  } catch (e) {
    row.error = (e instanceof Error ? e.message : String(e)).split("\n")[0];
  }
  row.total_ms = performance.now() - start;
  log(`${method} ${dataset} seed ${seed}: ${row.error ?? `test ${row.test_accuracy?.toFixed(4)}, ${row.unit} ${row.epoch_or_pass_ms?.toFixed(0)} ms, peak ${((row.peak_bytes ?? 0) / 2 ** 20).toFixed(1)} MiB`}`);
  return row;
}

/** The decoupled example with a few settings replaced (`name = value` inside `decoupled(…)`). */
function withOptions(source: string, options: Record<string, string>): string {
  let out = source;
  for (const [name, value] of Object.entries(options)) {
    const re = new RegExp(`(\\b${name}\\s*=\\s*)(\\[[^\\]]*\\]|[^,)\\s]+)`);
    out = re.test(out) ? out.replace(re, `$1${value}`) : out.replace("decoupled(", `decoupled(${name} = ${value}, `);
  }
  return out;
}

/** A full-batch GCN of `depth` GCNConv layers (64 wide), as examples/cora-gcn.gnn trains it. */
function gcnOfDepth(depth: number, declaration: string): string {
  const layers = Array.from({ length: depth }, (_, k) => `  conv${k + 1} = GCNConv(${k === 0 ? "in_channels" : "64"}, ${k === depth - 1 ? "out_channels" : "64"})`);
  const body = Array.from({ length: depth }, (_, k) => (k === depth - 1 ? `    return conv${k + 1}(h, g)` : `    h = relu(conv${k + 1}(${k === 0 ? "x" : "h"}, g))`));
  return `dataset d = ${declaration}
model Deep(in_channels: int, out_channels: int) {
${layers.join("\n")}
  forward(x: f32[N, in_channels], g: graph[N]) -> f32[N, out_channels] {
${body.join("\n")}
  }
}
train deep {
  data = d
  model = Deep(d.num_features, d.num_classes)
  loss = cross_entropy(mask = train)
  optimizer = adam(lr = 0.01)
  epochs = 1
}`;
}

function decoupledOfDepth(depth: number, declaration: string): string {
  return `dataset d = ${declaration}
train deep {
  data = d
  loss = cross_entropy(mask = train)
  optimizer = adam(lr = 0.01)
  schedule = decoupled(modules = [${Array(depth).fill(64).join(", ")}], k = 1, passes = 1, max_iter = 1, batch = ${values["cs-batch"]})
  select = last
}`;
}

async function memoryRow(method: MemoryRow["method"], depth: number, source: string, gpu: GpuDevice | undefined): Promise<MemoryRow> {
  const row: MemoryRow = { method, depth, device: gpu ? "gpu" : "reference" };
  try {
    const { spec, module } = compileSource(source, `${method}-${depth}.gnn`);
    const data = { dataDir: dataDir ? [dataDir] : [] };
    const out = spec.schedule ? await runScheduledTraining(spec, module, { gpu, seed: 0, data }) : await runTraining(spec, module, { gpu, seed: 0, data });
    if (!out.result) throw new Error(out.diagnostics[0]?.message);
    Object.assign(row, { peak_bytes: out.result.peak_bytes, peak_bytes_predicted: out.result.peak_bytes_predicted });
  } catch (e) {
    row.error = (e instanceof Error ? e.message : String(e)).split("\n")[0];
  }
  log(`memory ${method} ${depth}: ${row.error ?? `${((row.peak_bytes ?? 0) / 2 ** 20).toFixed(1)} MiB (predicted ${((row.peak_bytes_predicted ?? 0) / 2 ** 20).toFixed(1)})`}`);
  return row;
}

const mib = (b: number | undefined) => (b === undefined ? "—" : (b / 2 ** 20).toFixed(1));
const acc = (x: number | undefined) => (x === undefined ? "—" : x.toFixed(4));

function markdown(rows: Row[], memory: MemoryRow[], notes: string[]): string {
  const out = ["# Decoupled training vs GCN and SGC", "", ...notes.map((n) => `- ${n}`), ""];
  if (rows.length) {
    out.push("| method | dataset | device | seed | test acc. (selected) | test acc. by FT pass | median epoch / pass | peak MiB (predicted) |", "|---|---|---|---|---|---|---|---|");
    for (const r of rows) {
      const time = r.epoch_or_pass_ms === undefined ? "—" : `${r.epoch_or_pass_ms.toFixed(1)} ms / ${r.unit}`;
      out.push(`| ${r.method} | ${r.dataset} | ${r.device} | ${r.seed} | ${r.error ? `failed: ${r.error}` : acc(r.test_accuracy)} | ${r.by_pass?.map(acc).join(", ") ?? "—"} | ${time} | ${mib(r.peak_bytes)} (${mib(r.peak_bytes_predicted)}) |`);
    }
    out.push("");
  }
  if (memory.length) {
    out.push("## Memory by depth, Coauthor CS, 64 wide", "", "| depth | device | decoupled MiB (predicted) | GCN MiB (predicted) |", "|---|---|---|---|");
    for (const depth of [...new Set(memory.map((m) => m.depth))]) {
      const cell = (method: MemoryRow["method"]) => {
        const m = memory.find((x) => x.method === method && x.depth === depth);
        return m?.error ? `failed: ${m.error}` : `${mib(m?.peak_bytes)} (${mib(m?.peak_bytes_predicted)})`;
      };
      out.push(`| ${depth} | ${memory.find((x) => x.depth === depth)?.device} | ${cell("decoupled")} | ${cell("GCN")} |`);
    }
    const dec = memory.filter((m) => m.method === "decoupled" && m.peak_bytes !== undefined);
    if (dec.length > 1) out.push("", `Decoupled, deepest over shallowest: ${(dec[dec.length - 1].peak_bytes! / dec[0].peak_bytes!).toFixed(3)}×.`);
  }
  return out.join("\n") + "\n";
}

async function main(): Promise<void> {
  let gpu: GpuDevice | undefined;
  const notes: string[] = [];
  try {
    gpu = await openDevice();
    notes.push(`Device: ${gpu.adapter.description} (${gpu.adapter.backend}).`);
  } catch (e) {
    if (!(e instanceof NoAdapterError)) throw e;
    notes.push("No WebGPU adapter: everything ran on the reference device (measured peak bytes).");
  }
  const have = (name: string) => dataDir !== undefined && describeDataset(name, [dataDir]) !== undefined;
  const seeds = values.seeds.split(",").map(Number);
  const rows: Row[] = [];
  if (!values["no-train"]) {
    const sgnn = example("cora-sgnn.gnn");
    const cs = withOptions(sgnn, { passes: values["cs-passes"], max_iter: values["cs-max-iter"], batch: values["cs-batch"] });
    notes.push(`Coauthor CS, decoupled: the Cora example with batch = ${values["cs-batch"]}, passes = ${values["cs-passes"]}, max_iter = ${values["cs-max-iter"]}.`);
    for (const [key, declaration, sgnnSource] of [
      ["cora", loadDeclaration("cora"), sgnn],
      ["coauthor_cs", loadDeclaration("coauthor_cs"), cs],
    ] as const) {
      if (!have(key)) {
        notes.push(`${key}: not found in ${dataDir ?? "(GNNC_DATA_DIR unset)"}, skipped.`);
        continue;
      }
      const ds = { key, declaration };
      for (const seed of seeds) {
        rows.push(await train("decoupled (SGNN)", key, adaptExample(sgnnSource, ds), seed, gpu));
        rows.push(await train("GCN", key, adaptExample(example("cora-gcn.gnn"), ds), seed, gpu));
        rows.push(await train("SGC (K = 2)", key, adaptExample(example("cora-sgc.gnn"), ds), seed, gpu));
      }
    }
  }
  const memory: MemoryRow[] = [];
  if (!values["no-memory"] && have("coauthor_cs")) {
    for (const depth of values.depths.split(",").map(Number)) {
      const both = async (device: GpuDevice | undefined) => [
        await memoryRow("decoupled", depth, decoupledOfDepth(depth, loadDeclaration("coauthor_cs")), device),
        await memoryRow("GCN", depth, gcnOfDepth(depth, loadDeclaration("coauthor_cs")), device),
      ];
      let pair = await both(gpu);
      // A GPU whose storage bindings cannot hold Â·X (N × F) measures neither: both on the reference device.
      if (gpu && pair.some((m) => m.error)) pair = await both(undefined);
      memory.push(...pair);
    }
    notes.push(`Memory: decoupled modules take batches of ${values["cs-batch"]} rows; the GCN trains full-batch. Both hold the dataset; the decoupled modules also hold Â·X (N × F, dense) once.`);
  }
  gpu?.destroy();
  const dir = resolve(values.out);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "decoupled.json"), JSON.stringify({ date: new Date().toISOString().slice(0, 10), rows, memory, notes }, null, 2) + "\n");
  writeFileSync(join(dir, "decoupled.md"), markdown(rows, memory, notes));
  log(`wrote ${join(dir, "decoupled.json")} and decoupled.md`);
}

await main();
