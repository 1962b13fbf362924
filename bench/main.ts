// `npm run bench`: training time per model and dataset on the GPU (and the reference device on
// Cora), the PyTorch-CPU peer in the same run, and kernel throughput against a copy kernel's
// bandwidth. Writes bench/results/bench.{json,md} and epoch-vs-size.svg; progress goes to stderr.
//
//   npm run build && node dist/bench/main.js [--epochs 20] [--large-epochs 5] [--reference-epochs 5] [--peer-epochs 200] [--rounds 5]
//     [--sizes 1000,4000,16000,64000] [--models gcn,sage,gat] [--datasets cora,amazon_computers,coauthor_cs]
//     [--million 1000000] [--million-models gcn,sage] [--no-peer] [--no-kernels] [--shader-cache] [--out DIR]
//
// --million: nodes of the largest synthetic graph (mean degree 12: more than 10 M directed edges,
// 128 features), trained by --million-models for --large-epochs epochs; 0 leaves it out.
//
// Datasets come from GNNC_DATA_DIR (--datasets: Cora, Amazon Computers, Coauthor CS by default, each
// when present; any other stored dataset by its folder name); without it only the synthetic CSBM
// graphs run, and the peer (which needs Cora) is skipped.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg, platform, release, totalmem } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { GraphValue } from "../compiler/ir/values.js";
import { csbm, describeDataset, openDataset } from "../runtime/data/index.js";
import { NoAdapterError, openDevice, type GpuDevice } from "../runtime/gpu/index.js";
import { benchKernels, type KernelTiming } from "./kernels.js";
import { benchUserMessage } from "./message-kernels.js";
import { findTorchPython, peerScript, peerThreadCounts, runPeer, type PeerRun } from "./peer.js";
import { benchMarkdown, epochVsSizeSvg, fmtMiB, fmtMs } from "./report.js";
import { comparePeer, performanceTargets, target, type BenchResults, type MachineInfo, type PeerComparison, type PeerRound, type Target } from "./results.js";
import { adaptExample, csbmDeclaration, loadDeclaration, sizeLabel, type BenchDataset } from "./sources.js";
import { runTrainCase, type BenchDevice, type TrainRow } from "./train-case.js";
import { benchArgs } from "./args.js";

const values = benchArgs(import.meta.url, {
  epochs: { type: "string", default: "20" },
  "large-epochs": { type: "string", default: "5" },
  "reference-epochs": { type: "string", default: "5" },
  // The examples' epochs: gnnc and the peer both run them on Cora. Their first 20 epochs are
  // slower than the rest for both (Cora GCN on lavapipe, gnnc train: 6.7–6.9 ms median over 20
  // epochs, 5.4–5.8 over 200), and a short window is one moment of a machine whose speed moves.
  "peer-epochs": { type: "string", default: "200" },
  rounds: { type: "string", default: "5" },
  sizes: { type: "string", default: "1000,4000,16000,64000" },
  models: { type: "string", default: "gcn,sage,gat" },
  datasets: { type: "string", default: "cora,amazon_computers,coauthor_cs" },
  million: { type: "string", default: "1000000" },
  "million-models": { type: "string", default: "gcn,sage" },
  "kernel-trials": { type: "string", default: "7" },
  "trial-ms": { type: "string", default: "300" },
  "no-peer": { type: "boolean", default: false },
  "no-kernels": { type: "boolean", default: false },
  "shader-cache": { type: "boolean", default: false },
  out: { type: "string", default: "bench/results" },
});

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const MODELS = [
  { key: "gcn", name: "GCN", example: "examples/cora-gcn.gnn" },
  { key: "sage", name: "SAGE", example: "examples/cora-sage.gnn" },
  { key: "gat", name: "GAT", example: "examples/cora-gat.gnn" },
].filter((m) => values.models.split(",").includes(m.key));
/** Stored datasets to train on (any in the data directory; these have labels of their own). */
const LABELS: Readonly<Record<string, string>> = { cora: "Cora", amazon_computers: "Amazon Computers", coauthor_cs: "Coauthor CS" };
const REAL = values.datasets
  .split(",")
  .filter((name) => name !== "")
  .map((name) => ({ name, label: LABELS[name] ?? name }));
/** Synthetic graphs: Cora-like classes, 128 features, mean degree 8 (between Cora's 4 and Coauthor CS's 9). */
const SYNTHETIC = { classes: 7, features: 128, avgDegree: 8 };
/** The largest graph: mean degree 12, so that a million nodes have more than ten million directed edges. */
const MILLION_DEGREE = 12;
const SPMM_WIDTH = 64;
/** Graphs with more directed edges than this train for --large-epochs: an epoch there takes seconds on lavapipe. */
const LARGE_EDGES = 200_000;

// lavapipe compiles a pipeline's shader (LLVM) at its first dispatch, not at pipeline creation, and
// keeps the result in Mesa's on-disk cache; without the cache every run's first epoch pays the full
// compile, so first-epoch times do not depend on what ran before. Read when each device opens.
if (!values["shader-cache"]) process.env.MESA_SHADER_CACHE_DISABLE = "true";

const epochs = Number(values.epochs);
const largeEpochs = Number(values["large-epochs"]);
const referenceEpochs = Number(values["reference-epochs"]);
const peerEpochs = Number(values["peer-epochs"]);
const rounds = Number(values.rounds);
const dataDir = process.env.GNNC_DATA_DIR ? resolve(process.env.GNNC_DATA_DIR) : undefined;
const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);
const notes: string[] = [];
const started = performance.now();
const loadStart = loadavg()[0];

function datasets(): BenchDataset[] {
  const real = REAL.flatMap(({ name, label }) => {
    const info = dataDir ? describeDataset(name, [dataDir]) : undefined;
    return info ? [{ key: name, label, declaration: loadDeclaration(name), nodes: info.numNodes, edges: info.numEdges, synthetic: false }] : [];
  });
  if (real.length < REAL.length) notes.push(`Datasets not found ${dataDir ? `in ${dataDir}` : "(GNNC_DATA_DIR is not set)"}: ${REAL.filter((r) => !real.some((d) => d.key === r.name)).map((r) => r.label).join(", ")}.`);
  const synthetic = values.sizes.split(",").filter((s) => s !== "").map(Number).map((nodes) => ({
    key: `csbm_${sizeLabel(nodes)}`,
    label: `CSBM ${sizeLabel(nodes)}`,
    declaration: csbmDeclaration({ nodes, ...SYNTHETIC }),
    nodes,
    edges: nodes * SYNTHETIC.avgDegree,
    synthetic: true,
  }));
  const millionNodes = Number(values.million);
  const million = millionNodes > 0
    ? [{
        key: `csbm_${sizeLabel(millionNodes)}`,
        label: `CSBM ${sizeLabel(millionNodes)}`,
        declaration: csbmDeclaration({ nodes: millionNodes, ...SYNTHETIC, avgDegree: MILLION_DEGREE }),
        nodes: millionNodes,
        edges: millionNodes * MILLION_DEGREE,
        synthetic: true,
        models: values["million-models"].split(","),
      }]
    : [];
  return [...real, ...synthetic, ...million];
}

async function machine(): Promise<{ info: MachineInfo; gpu?: GpuDevice }> {
  let gpu: GpuDevice | undefined;
  let description: string;
  try {
    gpu = await openDevice();
    description = `${gpu.adapter.description} (${gpu.adapter.backend}, ${gpu.adapter.featureLevel}; webgpu ${gpu.adapter.webgpuVersion})`;
  } catch (e) {
    if (!(e instanceof NoAdapterError)) throw e;
    description = "none";
    notes.push(`No WebGPU adapter: GPU rows and kernels were skipped (${e.message.split("\n")[0]}).`);
  }
  const cpu = cpus();
  return {
    info: { cpu: cpu[0]?.model.trim() ?? "unknown", cores: cpu.length, memoryGiB: totalmem() / 2 ** 30, node: process.versions.node, platform: `${platform()} ${release()}`, gpu: description },
    gpu,
  };
}

function describeRow(r: TrainRow): string {
  if (r.error !== undefined) return `${r.model} ${r.label} ${r.device}: failed: ${r.error}`;
  return `${r.model} ${r.label} ${r.device}: compile ${fmtMs(r.compile_ms)} ms, load ${fmtMs(r.load_ms)} ms, setup ${fmtMs(r.setup_ms)} ms, first epoch ${fmtMs(r.first_epoch_ms)} ms, median epoch ${fmtMs(r.median_epoch_ms)} ms, peak ${fmtMiB(r.peak_bytes)} MiB (predicted ${fmtMiB(r.peak_bytes_predicted)})`;
}

async function main(): Promise<void> {
  const { info, gpu } = await machine();
  log(`machine: ${info.cores} × ${info.cpu}; GPU: ${info.gpu}; load average ${loadStart.toFixed(1)}`);
  const training: TrainRow[] = [];
  const peers: PeerComparison[] = [];
  const python = values["no-peer"] ? { note: "skipped (--no-peer)" } : findTorchPython();
  if ("note" in python) notes.push(`PyTorch peer: ${python.note}.`);
  else log(`peer: ${python.python} (torch ${python.torch})`);

  const trainCase = async (model: (typeof MODELS)[number], dataset: BenchDataset, device: BenchDevice, n: number, keep = true) => {
    const source = adaptExample(readFileSync(join(REPO, model.example), "utf8"), dataset);
    log(`${model.name} ${dataset.label} ${device}: ${n} epochs…`);
    const row = await runTrainCase({ model: model.name, dataset, source, device, epochs: n }, dataDir);
    log(describeRow(row));
    if (keep) training.push(row);
    write(snapshot(info, training, [], peers), all);
    return row;
  };
  const peerRun = (model: (typeof MODELS)[number]): PeerRun => {
    if ("note" in python || !dataDir) return { runs: [], note: "note" in python ? python.note : "no data directory" };
    log(`${model.name} Cora PyTorch CPU: ${peerEpochs} epochs, threads ${peerThreadCounts().join(" and ")}…`);
    const peer = runPeer(python.python, peerScript(REPO), { model: model.key, dataset: "cora", dataDir, epochs: peerEpochs, threads: peerThreadCounts() });
    log(`${model.name} Cora PyTorch CPU: ${peer.runs.map((r) => `${r.threads} thread(s) ${fmtMs(r.median_epoch_ms)} ms`).join(", ") || peer.note}`);
    return peer;
  };

  notes.push(
    values["shader-cache"]
      ? "Mesa's shader cache was on (--shader-cache): first epochs are short for shaders compiled by earlier runs."
      : "Mesa's shader cache was off: lavapipe compiles each shader (LLVM) at its first dispatch, so the first epoch carries the whole compile; setup only creates the pipelines.",
  );
  const all = datasets();
  for (const dataset of all) {
    for (const model of MODELS) {
      if (dataset.models && !dataset.models.includes(model.key)) continue;
      const n = dataset.edges > LARGE_EDGES ? largeEpochs : epochs;
      if (dataset.key !== "cora") {
        if (gpu) await trainCase(model, dataset, "gpu", n);
        continue;
      }
      // Cora: the reference device, then rounds of gnnc on the GPU each followed at once by the
      // peer; the target's pair (GCN) gets several rounds, the table shows the first.
      const reference = await trainCase(model, dataset, "reference", referenceEpochs);
      const count = model.key === "gcn" && "python" in python ? rounds : 1;
      const pairs: Omit<PeerRound, "ratio">[] = [];
      for (let k = 0; k < count; k++) {
        const ours = gpu ? await trainCase(model, dataset, "gpu", peerEpochs, k === 0) : undefined;
        pairs.push({ ours_gpu_ms: ours?.median_epoch_ms, peer: peerRun(model) });
      }
      peers.push(comparePeer(model.name, dataset.key, reference.median_epoch_ms, pairs));
    }
  }

  let kernels: KernelTiming[] = [];
  const extraTargets: Target[] = [];
  if (gpu && !values["no-kernels"]) {
    const graph = spmmGraph();
    const timing = { trials: Number(values["kernel-trials"]), trialMs: Number(values["trial-ms"]), log };
    kernels = await benchKernels(gpu, graph, SPMM_WIDTH, timing);
    const message = await benchUserMessage(gpu, messageGraph(), timing);
    kernels.push(...message.rows);
    extraTargets.push(
      target("User-written GAT message: fused aggregation kernel / GATConv's", message.ratio, "at most", 1.3, `median of per-trial ratios; WGSL ${message.identicalWgsl ? "identical" : "differs"}`),
    );
    for (const k of kernels) log(`${k.kernel} ${k.problem}: ${fmtMs(k.ms)} ms${k.gbPerS !== undefined ? `, ${k.gbPerS.toFixed(2)} GB/s` : ""}${k.gflopPerS !== undefined ? `, ${k.gflopPerS.toFixed(2)} GFLOP/s` : ""}`);
  }
  gpu?.destroy();

  write(snapshot(info, training, kernels, peers, extraTargets), all, true);
}

/** The results so far (written after every run, so that a run stopped early still leaves them). */
function snapshot(info: MachineInfo, training: TrainRow[], kernels: KernelTiming[], peers: PeerComparison[], extraTargets: readonly Target[] = []): BenchResults {
  return {
    date: new Date().toISOString().slice(0, 10),
    machine: info,
    load: { start: loadStart, end: loadavg()[0] },
    epochs,
    largeEpochs,
    referenceEpochs,
    peerEpochs,
    training,
    kernels,
    peers,
    targets: [...performanceTargets(peers, kernels, training), ...extraTargets],
    notes,
    seconds: (performance.now() - started) / 1000,
  };
}

/** Amazon Computers' graph when present (the graph the SpMM target is set on), else the largest synthetic graph. */
function spmmGraph(): { label: string; value: GraphValue } {
  if (dataDir && describeDataset("amazon_computers", [dataDir])) {
    return { label: "Amazon Computers", value: openDataset("amazon_computers", { dataDir }).dataset.graph };
  }
  const nodes = Math.max(...values.sizes.split(",").filter((s) => s !== "").map(Number));
  notes.push(`SpMM ran on the synthetic CSBM ${sizeLabel(nodes)} graph: Amazon Computers was not found.`);
  return { label: `CSBM ${sizeLabel(nodes)}`, value: csbm({ nodes, classes: SYNTHETIC.classes, features: 16, avg_degree: SYNTHETIC.avgDegree, homophily: 0.8, signal: 1, seed: 0 }).graph };
}

/** Cora's graph (the GAT comparison's), else a synthetic one of its size. */
function messageGraph(): { label: string; value: GraphValue } {
  if (dataDir && describeDataset("cora", [dataDir])) return { label: "Cora", value: openDataset("cora", { dataDir }).dataset.graph };
  return { label: "CSBM 2.7k", value: csbm({ nodes: 2708, classes: 7, features: 16, avg_degree: 4, homophily: 0.8, signal: 1, seed: 0 }).graph };
}

/** bench.json, bench.md and epoch-vs-size.svg; until the run is `complete`, marked partial. */
function write(results: BenchResults, all: readonly BenchDataset[], complete = false): void {
  const out = resolve(values.out);
  mkdirSync(out, { recursive: true });
  const written = complete ? results : { ...results, notes: [...results.notes, "Partial: the run had not finished when this was written."] };
  writeFileSync(join(out, "bench.json"), JSON.stringify(written, null, 2) + "\n");
  writeFileSync(join(out, "bench.md"), benchMarkdown(written));
  writeFileSync(join(out, "epoch-vs-size.svg"), epochVsSizeSvg(written.training, new Set(all.filter((d) => d.synthetic).map((d) => d.key))));
  if (!complete) return;
  log(`wrote ${join(out, "bench.json")}, bench.md and epoch-vs-size.svg in ${results.seconds.toFixed(0)} s`);
  for (const t of results.targets) log(`target: ${t.name}: ${t.value === undefined ? "not measured" : t.value.toFixed(2)} (${t.direction} ${t.bound}) ${t.met === undefined ? "" : t.met ? "met" : "MISSED"}`);
}

await main();
