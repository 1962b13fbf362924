import type { KernelTiming } from "./kernels.js";
import type { PeerRun } from "./peer.js";
import { median, ratio } from "./stats.js";
import type { TrainRow } from "./train-case.js";

/** What `npm run bench` measured: written as bench/results/bench.json and rendered as Markdown. */

export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGiB: number;
  node: string;
  platform: string;
  /** The WebGPU adapter (`llvmpipe … (vulkan)`), or why there is none. */
  gpu: string;
}

/** gnnc on the GPU and the peer, one right after the other. */
export interface PeerRound {
  ours_gpu_ms?: number;
  peer: PeerRun;
  /** gnnc's median epoch over the peer's (at its best thread count): below 1 is faster. */
  ratio?: number;
}

export interface PeerComparison {
  model: string;
  dataset: string;
  ours_reference_ms?: number;
  rounds: PeerRound[];
  /** Medians over the rounds. */
  ours_gpu_ms?: number;
  peer_ms?: number;
  /** The median of the rounds' ratios (each round's pair saw about the same machine load). */
  ratio?: number;
  /** Why the peer has no figure, when it has none. */
  note?: string;
}

function medianOf(xs: readonly (number | undefined)[]): number | undefined {
  const known = xs.filter((x): x is number => x !== undefined && Number.isFinite(x));
  return known.length ? median(known) : undefined;
}

/** The comparison of a model's rounds against the peer. */
export function comparePeer(model: string, dataset: string, oursReferenceMs: number | undefined, rounds: readonly Omit<PeerRound, "ratio">[]): PeerComparison {
  const full = rounds.map((r) => ({ ...r, ratio: ratio(r.ours_gpu_ms, r.peer.best?.median_epoch_ms) }));
  const notes = [...new Set(full.flatMap((r) => (r.peer.note ? [r.peer.note] : [])))];
  return {
    model,
    dataset,
    ours_reference_ms: oursReferenceMs,
    rounds: full,
    ours_gpu_ms: medianOf(full.map((r) => r.ours_gpu_ms)),
    peer_ms: medianOf(full.map((r) => r.peer.best?.median_epoch_ms)),
    ratio: medianOf(full.map((r) => r.ratio)),
    note: notes.length ? notes.join("; ") : undefined,
  };
}

export interface Target {
  name: string;
  /** The measured figure, as a ratio. */
  value?: number;
  /** `value ≤ bound` or `value ≥ bound` meets the target. */
  bound: number;
  direction: "at most" | "at least";
  met?: boolean;
  detail: string;
}

export interface BenchResults {
  date: string;
  machine: MachineInfo;
  /** 1-minute load averages when the run started and ended (2 cores: above 2 means queued work). */
  load: { start: number; end: number };
  epochs: number;
  /** Epochs on graphs of more than 200k edges. */
  largeEpochs: number;
  referenceEpochs: number;
  /** Epochs of each Cora round, gnnc's and the peer's. */
  peerEpochs: number;
  training: TrainRow[];
  kernels: KernelTiming[];
  peers: PeerComparison[];
  targets: Target[];
  notes: string[];
  /** Seconds the whole run took. */
  seconds: number;
}

/** A target's verdict from its measured value (undefined value: not measured). */
export function target(name: string, value: number | undefined, direction: Target["direction"], bound: number, detail: string): Target {
  const met = value === undefined ? undefined : direction === "at most" ? value <= bound : value >= bound;
  return { name, value, bound, direction, met, detail };
}

const percent = (x: number | undefined) => (x === undefined ? "—" : `${(100 * x).toFixed(0)}%`);

/** The SpMM target's context: its problem, and the ratio under the stricter byte count and roof. */
function spmmDetail(spmm: KernelTiming, kernels: readonly KernelTiming[]): string {
  const copy = kernels.find((k) => k.kernel.startsWith("copy ("))?.gbPerS;
  const driver = kernels.find((k) => k.kernel.startsWith("copyBufferToBuffer"))?.gbPerS;
  return `${spmm.problem}; counting x once: ${percent(ratio(spmm.compulsoryGbPerS, copy))}; of the driver's copyBufferToBuffer: ${percent(ratio(spmm.gbPerS, driver))}`;
}

/** The performance targets (README, "Benchmarks") judged from the measurements. */
export function performanceTargets(peers: readonly PeerComparison[], kernels: readonly KernelTiming[], training: readonly TrainRow[]): Target[] {
  const gcn = peers.find((p) => p.model === "GCN" && p.dataset === "cora");
  const spmm = kernels.find((k) => k.kernel.startsWith("g.spmm"));
  const planned = training.filter((r) => r.device === "gpu" && r.peak_bytes !== undefined);
  const exact = planned.filter((r) => r.peak_bytes === r.peak_bytes_predicted).length;
  return [
    target("GCN on Cora: median epoch, gnnc GPU / PyTorch CPU", gcn?.ratio, "at most", 1, gcn === undefined ? "not run (needs Cora)" : gcn.ratio === undefined ? (gcn.note ?? "no peer figure") : `median of ${gcn.rounds.length} alternating rounds, same epochs, same run`),
    target("SpMM (F = 64): bandwidth / copy kernel's", spmm?.ofCopy, "at least", 0.5, spmm ? spmmDetail(spmm, kernels) : "SpMM not measured"),
    target("GPU runs whose predicted peak bytes equal the bytes allocated", planned.length ? exact / planned.length : undefined, "at least", 1, `${exact} of ${planned.length} runs`),
  ];
}
