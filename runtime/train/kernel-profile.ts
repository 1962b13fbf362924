import { formatLocation } from "../../grammar/span.js";
import type { TimedLaunch } from "../gpu/index.js";
import { median } from "./median.js";

/** One kernel of one function, over the timed epochs. */
export interface KernelRow {
  /** The function it runs in (train_step, predict, …). */
  function: string;
  kernel: string;
  /** Where in the .gnn text its IR came from ("" when nowhere: an optimizer's bookkeeping, say). */
  source: string;
  launches_per_epoch: number;
  /** Median GPU time of one launch. */
  median_us: number;
  /**
   * GPU time per epoch: the median over epochs of the row's launches summed within an epoch
   * (medians: another process's load makes means jump; sums within the epoch: one row's launches
   * may differ in size — an optimizer kernel over each parameter — so launches × median is not it).
   */
  ms_per_epoch: number;
  /** Of the kernels' total per epoch. */
  share: number;
}

export interface KernelProfile {
  /** Epochs whose launches were counted (tags from..to). */
  epochs: number;
  rows: KernelRow[];
  /** The rows' sum: the kernels' GPU time per epoch. */
  kernel_ms_per_epoch: number;
  launches_per_epoch: number;
}


/**
 * Where an epoch's GPU time goes: the timed launches of the epochs tagged `from` and later,
 * grouped by function, kernel and .gnn location, the costliest first.
 */
export function kernelProfile(launches: readonly TimedLaunch[], from: number): KernelProfile {
  const counted = launches.filter((l) => l.tag >= from);
  const epochs = new Set(counted.map((l) => l.tag)).size;
  const groups = new Map<string, { scope: string; kernel: string; source: string; ns: number[]; byEpoch: Map<number, number> }>();
  for (const l of counted) {
    const source = l.kernel.spans.length > 0 ? formatLocation(l.kernel.spans[0]) : "";
    const key = `${l.scope}\u0000${l.kernel.name}\u0000${source}`;
    const g = groups.get(key) ?? groups.set(key, { scope: l.scope, kernel: l.kernel.name, source, ns: [], byEpoch: new Map() }).get(key)!;
    g.ns.push(l.ns);
    g.byEpoch.set(l.tag, (g.byEpoch.get(l.tag) ?? 0) + l.ns);
  }
  const per = Math.max(1, epochs);
  const rows = [...groups.values()]
    .map((g): KernelRow => {
      const launches = g.ns.length / per;
      const medianUs = median(g.ns) / 1e3;
      const perEpoch = [...g.byEpoch.values(), ...Array<number>(per - g.byEpoch.size).fill(0)];
      return { function: g.scope, kernel: g.kernel, source: g.source, launches_per_epoch: launches, median_us: medianUs, ms_per_epoch: median(perEpoch) / 1e6, share: 0 };
    })
    .sort((a, b) => b.ms_per_epoch - a.ms_per_epoch);
  const total = rows.reduce((n, r) => n + r.ms_per_epoch, 0);
  for (const r of rows) r.share = total > 0 ? r.ms_per_epoch / total : 0;
  return { epochs, rows, kernel_ms_per_epoch: total, launches_per_epoch: counted.length / per };
}
