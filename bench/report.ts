import { lineChartSvg } from "../runtime/report/index.js";
import { describePeer } from "./peer.js";
import type { BenchResults, Target } from "./results.js";
import type { TrainRow } from "./train-case.js";

/** bench.md (Markdown tables of a BenchResults) and epoch-vs-size.svg. */

function table(head: readonly string[], rows: readonly (readonly string[])[], align?: readonly ("l" | "r")[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(" | ")} |`;
  const rule = head.map((_, k) => ((align?.[k] ?? "l") === "r" ? "---:" : "---"));
  return [line(head), line(rule), ...rows.map(line)].join("\n");
}

/** Milliseconds to 3 significant figures (`0.412`, `41.2`, `4120`); `—` when missing. */
export function fmtMs(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return "—";
  if (ms >= 100) return ms.toFixed(0);
  if (ms >= 10) return ms.toFixed(1);
  if (ms >= 1) return ms.toFixed(2);
  return ms.toFixed(3);
}

export function fmtMiB(bytes: number | undefined): string {
  return bytes === undefined ? "—" : (bytes / 2 ** 20).toFixed(1);
}

function fmt(x: number | undefined, digits: number): string {
  return x === undefined || !Number.isFinite(x) ? "—" : x.toFixed(digits);
}

export function verdict(t: Target): string {
  return t.met === undefined ? "not measured" : t.met ? "**met**" : "**missed**";
}

/** The training table: one row per model, dataset and device. */
export function trainingTable(rows: readonly TrainRow[]): string {
  return table(
    ["model", "dataset", "nodes", "device", "epochs", "compile ms", "load ms", "setup ms", "first epoch ms", "median epoch ms", "peak MiB", "predicted MiB", "test acc."],
    rows.map((r) => [
      r.model,
      r.label,
      String(r.nodes),
      r.device,
      String(r.epochs),
      ...(r.error !== undefined
        ? [`failed: ${r.error.replace(/\|/g, "\\|")}`, "", "", "", "", "", "", ""]
        : [fmtMs(r.compile_ms), fmtMs(r.load_ms), fmtMs(r.setup_ms), fmtMs(r.first_epoch_ms), fmtMs(r.median_epoch_ms), fmtMiB(r.peak_bytes), fmtMiB(r.peak_bytes_predicted), fmt(r.test_accuracy, 3)]),
    ]),
    ["l", "l", "r", "l", "r", "r", "r", "r", "r", "r", "r", "r", "r"],
  );
}

/** The runs on graphs of at least a million nodes: epoch, load and set-up times, and peak bytes. */
export function millionTable(rows: readonly TrainRow[]): string {
  const large = rows.filter((r) => r.nodes >= 1_000_000);
  if (large.length === 0) return "Not run (--million 0).";
  return table(
    ["model", "dataset", "nodes", "directed edges", "epochs", "load ms", "setup ms", "first epoch ms", "median epoch ms", "peak MiB allocated", "predicted MiB", "predicted = allocated"],
    large.map((r) =>
      r.error !== undefined
        ? [r.model, r.label, String(r.nodes), "—", String(r.epochs), `failed: ${r.error.replace(/\|/g, "\\|")}`, "", "", "", "", "", ""]
        : [
            r.model,
            r.label,
            r.nodes.toLocaleString("en-US"),
            r.edges === undefined ? "—" : r.edges.toLocaleString("en-US"),
            String(r.epochs),
            fmtMs(r.load_ms),
            fmtMs(r.setup_ms),
            fmtMs(r.first_epoch_ms),
            fmtMs(r.median_epoch_ms),
            fmtMiB(r.peak_bytes),
            fmtMiB(r.peak_bytes_predicted),
            r.peak_bytes === undefined ? "—" : r.peak_bytes === r.peak_bytes_predicted ? "yes" : "**no**",
          ],
    ),
    ["l", "l", "r", "r", "r", "r", "r", "r", "r", "r", "r", "l"],
  );
}

export function peerTable(results: Pick<BenchResults, "peers">): string {
  if (results.peers.length === 0) return "Not run: the peer trains on Cora, which was not found.";
  return table(
    ["model", "dataset", "rounds", "gnnc GPU ms", "gnnc reference ms", "PyTorch CPU ms (threads)", "gnnc GPU / PyTorch", "PyTorch test acc.", "PyTorch configuration"],
    results.peers.map((p) => {
      const best = p.rounds.flatMap((r) => (r.peer.best ? [r.peer.best] : []));
      const threads = [...new Set(best.map((b) => b.threads))].join(", ");
      return [
        p.model,
        p.dataset,
        String(p.rounds.length),
        fmtMs(p.ours_gpu_ms),
        fmtMs(p.ours_reference_ms),
        p.peer_ms === undefined ? `skipped: ${p.note ?? "no result"}` : `${fmtMs(p.peer_ms)} (${threads})`,
        p.ratio === undefined ? "—" : `${p.ratio.toFixed(2)}×`,
        fmt(best[0]?.test_accuracy, 3),
        best[0] ? describePeer(best[0]) : "—",
      ];
    }),
    ["l", "l", "r", "r", "r", "r", "r", "r", "l"],
  );
}

export function kernelTable(results: Pick<BenchResults, "kernels">): string {
  return table(
    ["kernel", "problem", "median ms / launch", "launches × trials", "GB/s", "GB/s (x once)", "GFLOP/s", "of copy"],
    results.kernels.map((k) => [
      k.kernel,
      k.problem,
      fmtMs(k.ms),
      `${k.repetitions} × ${k.trials}`,
      fmt(k.gbPerS, 2),
      fmt(k.compulsoryGbPerS, 2),
      fmt(k.gflopPerS, 2),
      k.ofCopy === undefined ? "—" : `${(100 * k.ofCopy).toFixed(0)}%`,
    ]),
    ["l", "l", "r", "r", "r", "r", "r", "r"],
  );
}

export function targetTable(targets: readonly Target[]): string {
  return table(
    ["target", "measured", "needed", "verdict", "detail"],
    targets.map((t) => [t.name, fmt(t.value, 2), `${t.direction} ${t.bound}`, verdict(t), t.detail]),
  );
}

export function benchMarkdown(r: BenchResults): string {
  const m = r.machine;
  return [
    `# gnnc benchmarks — ${r.date}`,
    "",
    `Machine: ${m.cores} × ${m.cpu}, ${m.memoryGiB.toFixed(0)} GiB, ${m.platform}, Node ${m.node}; GPU: ${m.gpu}.`,
    `Load average (1 min) ${r.load.start.toFixed(1)} at the start, ${r.load.end.toFixed(1)} at the end (${m.cores} cores: above ${m.cores} means other work was queued, so times are upper bounds). The run took ${r.seconds.toFixed(0)} s.`,
    `Medians throughout. Training: ${r.epochs} epochs on the GPU (${r.largeEpochs} on graphs of more than 200k edges), ${r.referenceEpochs} on the reference device; an epoch is one training step and one evaluation, as \`gnnc train\` runs them.`,
    "",
    "## Targets",
    "",
    targetTable(r.targets),
    "",
    "## Training",
    "",
    "compile: frontend and lowering. load: loading (or generating) the dataset and binding it. setup: host precomputation, uploads and GPU pipeline creation. peak: bytes allocated (GPU) or measured (reference); predicted: the memory plan's figure. test acc.: after these few epochs, a sanity check only.",
    "",
    trainingTable(r.training),
    "",
    "## A million nodes",
    "",
    "A synthetic CSBM graph (128 features stored compactly, mean degree 12) on the GPU. Tensors over the device's storage-binding limit are bound in parts (compiler/plan/binding-split.ts). load: generating the graph and binding it; setup: host precomputation (self loops, normalisation, the by-source view, feature patterns), uploads and pipelines.",
    "",
    millionTable(r.training),
    "",
    "## Peer: PyTorch on the CPU, same model and settings, same run",
    "",
    `Each round trains gnnc on the GPU (a fresh device) for ${r.peerEpochs} epochs (Cora's in the examples; the Training table's Cora GPU row is the first round's) and then the peer for as many, with 1 thread and with every core; the peer's figure is its faster setting. Figures are medians over the rounds; the ratio is the median of the rounds' ratios. The peer is PyTorch in its fastest form here (bench/peers/torch_gnn.py): sparse features through torch.sparse.mm, sparse adjacency, OpenBLAS when installed; an epoch is a training step and an evaluation, as gnnc's.`,
    "",
    peerTable(r),
    "",
    "## Kernels",
    "",
    "Each trial records many launches into one compute pass and submits once; the kernels' trials are interleaved, so each round sees the same machine load. SpMM GB/s counts one source row of x per edge (what the kernel reads); \"x once\" counts x a single time. The copy kernel's GB/s (read + write) is the practical roof; \"of copy\" is the median, over rounds, of a kernel's GB/s over the copy kernel's in the same round.",
    "",
    kernelTable(r),
    "",
    ...(r.notes.length ? ["## Notes", "", ...r.notes.map((n) => `- ${n}`), ""] : []),
  ].join("\n");
}

/** Median epoch time against node count on the synthetic graphs, one line per model and device. */
export function epochVsSizeSvg(rows: readonly TrainRow[], synthetic: ReadonlySet<string>): string {
  const measured = rows.filter((r) => synthetic.has(r.dataset) && r.median_epoch_ms !== undefined);
  const series = [...new Set(measured.map((r) => `${r.model} (${r.device})`))].map((name) => ({
    name,
    points: measured
      .filter((r) => `${r.model} (${r.device})` === name)
      .map((r) => ({ x: r.nodes, y: r.median_epoch_ms as number }))
      .sort((a, b) => a.x - b.x),
  }));
  return lineChartSvg({ title: "Median epoch time vs graph size (synthetic CSBM graphs)", xLabel: "nodes", yLabel: "ms per epoch", logX: true, series });
}
