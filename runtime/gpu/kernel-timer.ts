/// <reference types="@webgpu/types" />
import type { KernelSpec } from "../../compiler/codegen/index.js";

/** One timed launch: the function it ran in, its kernel, the caller's tag, and its GPU time. */
export interface TimedLaunch {
  scope: string;
  kernel: KernelSpec;
  tag: number;
  ns: number;
}

/** Launches timed between two readbacks (two timestamps each). */
const CAPACITY = 2048;

/**
 * GPU time per kernel launch, from timestamp queries (the adapter's `timestamp-query` feature):
 * while a timer is on, every launch gets a compute pass of its own whose start and end write a
 * timestamp (programs otherwise share one pass, see recorder.ts — so timing adds a little to what
 * it measures). `flush` resolves the timestamps and reads them back; a program run flushes first
 * when the query set could not hold its launches (a single run of more launches than it holds
 * counts the rest as `untimed`). Each launch carries the function the runner said it runs in
 * (`scope`) and the caller's `tag` (an epoch, say).
 */
export class KernelTimer {
  scope = "";
  tag = 0;
  private readonly queries: GPUQuerySet;
  private readonly resolved: GPUBuffer;
  private pending: { scope: string; kernel: KernelSpec; tag: number }[] = [];
  private readonly timed: TimedLaunch[] = [];
  /** Launches recorded while the query set was full (a run of more than CAPACITY launches): not timed. */
  untimed = 0;

  constructor(
    private readonly device: GPUDevice,
    private readonly read: (buffer: GPUBuffer, bytes: number) => Promise<ArrayBuffer>,
  ) {
    this.queries = device.createQuerySet({ type: "timestamp", count: 2 * CAPACITY, label: "gnnc kernel timer" });
    this.resolved = device.createBuffer({ size: 16 * CAPACITY, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC, label: "gnnc kernel timestamps" });
  }

  /** Whether `launches` more fit before a flush. */
  fits(launches: number): boolean {
    return this.pending.length + launches <= CAPACITY;
  }

  /** A compute pass for one launch of `kernel`, its start and end timestamped (when the query set has room). */
  beginPass(encoder: GPUCommandEncoder, kernel: KernelSpec): GPUComputePassEncoder {
    if (!this.fits(1)) {
      this.untimed++;
      return encoder.beginComputePass({ label: kernel.name });
    }
    const q = 2 * this.pending.length;
    this.pending.push({ scope: this.scope, kernel, tag: this.tag });
    return encoder.beginComputePass({ label: kernel.name, timestampWrites: { querySet: this.queries, beginningOfPassWriteIndex: q, endOfPassWriteIndex: q + 1 } });
  }

  /** Read the pending launches' timestamps back (after the work recorded so far). */
  async flush(): Promise<void> {
    const n = this.pending.length;
    if (n === 0) return;
    const encoder = this.device.createCommandEncoder({ label: "gnnc kernel timer" });
    encoder.resolveQuerySet(this.queries, 0, 2 * n, this.resolved, 0);
    this.device.queue.submit([encoder.finish()]);
    const stamps = new BigUint64Array(await this.read(this.resolved, 16 * n));
    this.pending.forEach((p, k) => this.timed.push({ ...p, ns: Number(stamps[2 * k + 1] - stamps[2 * k]) }));
    this.pending = [];
  }

  /** Every launch timed so far (flush first). */
  launches(): readonly TimedLaunch[] {
    return this.timed;
  }

  destroy(): void {
    this.queries.destroy();
    this.resolved.destroy();
  }
}
