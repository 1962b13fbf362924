import { describe, expect, it } from "vitest";
import type { KernelTiming } from "../../bench/kernels.js";
import { peerThreadCounts, type PeerRun } from "../../bench/peer.js";
import { benchMarkdown, epochVsSizeSvg, fmtMs, peerTable, trainingTable } from "../../bench/report.js";
import { comparePeer, performanceTargets, target, type BenchResults, type PeerComparison } from "../../bench/results.js";
import type { TrainRow } from "../../bench/train-case.js";

const row = (over: Partial<TrainRow>): TrainRow => ({ model: "GCN", dataset: "cora", label: "Cora", nodes: 2708, device: "gpu", epochs: 20, ...over });

const peerRun = (theirs: number): PeerRun => {
  const result = (threads: number, ms: number) => ({ peer: "pytorch-cpu", torch: "1.13", threads, model: "gcn", dataset: "cora", epochs: 20, median_epoch_ms: ms, test_accuracy: 0.8 });
  return { runs: [result(1, theirs), result(2, theirs * 2)], best: result(1, theirs) };
};

/** Rounds of (gnnc ms, peer ms). */
const peer = (...rounds: [number, number][]): PeerComparison =>
  comparePeer("GCN", "cora", undefined, rounds.map(([ours, theirs]) => ({ ours_gpu_ms: ours, peer: peerRun(theirs) })));

const kernels: KernelTiming[] = [
  { kernel: "copy (t.reshape, vec4)", problem: "32 MiB", ms: 10, trials: 3, repetitions: 5, gbPerS: 4, ofCopy: 1 },
  { kernel: "copyBufferToBuffer (driver)", problem: "32 MiB", ms: 5, trials: 3, repetitions: 5, gbPerS: 8, ofCopy: 2 },
  { kernel: "g.spmm sum", problem: "Amazon Computers", ms: 20, trials: 3, repetitions: 5, gbPerS: 3, compulsoryGbPerS: 1, ofCopy: 0.75 },
];

describe("targets", () => {
  it("judges at-most and at-least bounds, and leaves unmeasured ones open", () => {
    expect(target("a", 0.9, "at most", 1, "").met).toBe(true);
    expect(target("a", 1.1, "at most", 1, "").met).toBe(false);
    expect(target("a", 0.4, "at least", 0.5, "").met).toBe(false);
    expect(target("a", undefined, "at least", 0.5, "").met).toBeUndefined();
  });

  it("reads the GCN ratio, the SpMM share of the copy roof and the peak-bytes agreement", () => {
    const rows = [row({ peak_bytes: 100, peak_bytes_predicted: 100 }), row({ peak_bytes: 100, peak_bytes_predicted: 90 }), row({ device: "reference", peak_bytes: 5, peak_bytes_predicted: 6 })];
    const [gcn, spmm, peak] = performanceTargets([peer([30, 20])], kernels, rows);
    expect(gcn.value).toBe(1.5);
    expect(gcn.met).toBe(false);
    expect(spmm.value).toBe(0.75);
    expect(spmm.met).toBe(true);
    expect(spmm.detail).toContain("counting x once: 25%");
    expect(spmm.detail).toContain("copyBufferToBuffer: 38%");
    expect(peak.value).toBe(0.5);
    expect(peak.detail).toBe("1 of 2 runs");
  });

  it("leaves the GCN target unmeasured without a peer", () => {
    const noPeer = comparePeer("GCN", "cora", 50, [{ ours_gpu_ms: 5, peer: { runs: [], note: "no torch" } }]);
    expect(noPeer).toMatchObject({ ours_gpu_ms: 5, peer_ms: undefined, ratio: undefined, note: "no torch" });
    expect(performanceTargets([noPeer], [], [])[0]).toMatchObject({ value: undefined, met: undefined, detail: "no torch" });
  });

  it("takes the median of the rounds' ratios, not the ratio of medians", () => {
    const q = peer([10, 40], [30, 10], [40, 20]);
    expect(q.rounds.map((r) => r.ratio)).toEqual([0.25, 3, 2]);
    expect(q.ratio).toBe(2);
    expect([q.ours_gpu_ms, q.peer_ms]).toEqual([30, 20]); // their ratio, 1.5, is not the figure
  });
});

describe("markdown", () => {
  it("formats milliseconds to about three significant figures", () => {
    expect([0.41234, 4.1234, 41.234, 412.34, undefined].map(fmtMs)).toEqual(["0.412", "4.12", "41.2", "412", "—"]);
  });

  it("shows a failed case's reason in place of its timings", () => {
    const md = trainingTable([row({ median_epoch_ms: 12.5, compile_ms: 80, peak_bytes: 2 ** 21, peak_bytes_predicted: 2 ** 21 }), row({ label: "Coauthor CS", error: "binding | too large" })]);
    const lines = md.split("\n");
    expect(lines).toHaveLength(4);
    expect(lines[2]).toContain("| 12.5 |");
    expect(lines[2]).toContain("| 2.0 | 2.0 |");
    expect(lines[3]).toContain("failed: binding \\| too large");
  });

  it("renders every section with the machine, the load and the verdicts", () => {
    const results: BenchResults = {
      date: "2025-01-01",
      machine: { cpu: "Xeon", cores: 2, memoryGiB: 8, node: "20", platform: "linux", gpu: "llvmpipe" },
      load: { start: 6.5, end: 7 },
      epochs: 20,
      largeEpochs: 5,
      referenceEpochs: 5,
      peerEpochs: 200,
      training: [row({ median_epoch_ms: 10 })],
      kernels,
      peers: [peer([30, 20])],
      targets: performanceTargets([peer([30, 20])], kernels, []),
      notes: ["a note"],
      seconds: 100,
    };
    const md = benchMarkdown(results);
    expect(md).toContain("Load average (1 min) 6.5 at the start, 7.0 at the end");
    expect(md).toContain("**missed**");
    expect(md).toContain("**met**");
    expect(md).toContain("| GCN | cora | 1 | 30.0 | — | 20.0 (1) | 1.50× | 0.800 |");
    expect(md).toContain("| g.spmm sum | Amazon Computers | 20.0 | 5 × 3 | 3.00 | 1.00 | — | 75% |");
    expect(md).toContain("- a note");
  });
});

describe("without Cora", () => {
  it("says why the peer and the GCN target are missing", () => {
    expect(peerTable({ peers: [] })).toMatch(/^Not run: the peer trains on Cora/);
    expect(performanceTargets([], kernels, [])[0]).toMatchObject({ met: undefined, detail: "not run (needs Cora)" });
  });
});

describe("epoch-vs-size chart", () => {
  it("plots only the synthetic graphs, one series per model and device, sorted by size", () => {
    const rows = [row({ dataset: "csbm_4k", nodes: 4000, median_epoch_ms: 20 }), row({ dataset: "csbm_1k", nodes: 1000, median_epoch_ms: 10 }), row({ median_epoch_ms: 99 }), row({ model: "GAT", dataset: "csbm_1k", nodes: 1000, error: "x" })];
    const svg = epochVsSizeSvg(rows, new Set(["csbm_1k", "csbm_4k"]));
    expect(svg.match(/class="series"/g)).toHaveLength(1);
    expect(svg).toContain('data-series="GCN (gpu)"');
    expect(svg.match(/<circle/g)).toHaveLength(2);
  });
});

describe("peer threads", () => {
  it("tries one thread and every core", () => {
    expect(peerThreadCounts(2)).toEqual([1, 2]);
    expect(peerThreadCounts(1)).toEqual([1]);
  });
});
