/// <reference types="@webgpu/types" />
import { allocatedSize, packLayout, type PackLayout } from "../../compiler/plan/index.js";
import { sparsePattern, type SparsePattern } from "../../compiler/codegen/pattern.js";
import type { TensorValue } from "../../compiler/ir/values.js";
import { checkPackLimit } from "./binding-limits.js";
import type { GpuDevice } from "./device.js";

/** A slot's place on the device: a whole buffer, or a range of the parameter pack. */
export interface Place {
  buffer: GPUBuffer;
  offset: number;
  size: number;
}

/** The parameter pack copied at one point of the queue (BufferStore.snapshotParams). */
export interface PackSnapshot {
  /** Every packed entry's bytes, by name; waits only for the runs queued before the snapshot. */
  read(): Promise<Map<string, ArrayBuffer>>;
  /** Give the snapshot's buffer back without reading it. */
  release(): void;
}

/**
 * What programs of one model share: inputs by name, created on first use, and one buffer packing
 * every parameter and optimizer state (packLayout). Give the parameters of every program that
 * will share the store (packedParams of their launch plans) — the memory plan packs the same set;
 * without them the pack is made for the first program loaded.
 */
export class BufferStore {
  readonly buffers = new Map<string, GPUBuffer>();
  private readonly filled = new Set<string>();
  private readonly patterns = new Map<string, SparsePattern>();
  private pack: { buffer: GPUBuffer; layout: PackLayout; params: ReadonlyMap<string, number> } | undefined;
  constructor(
    private readonly gpu: GpuDevice,
    private readonly packed?: ReadonlyMap<string, number>,
  ) {}

  get(name: string, bytes: number): GPUBuffer {
    let b = this.buffers.get(name);
    if (!b) this.buffers.set(name, (b = this.gpu.createBuffer(bytes, name)));
    // Programs share a buffer by name: they must agree on its size.
    else if (b.size !== allocatedSize(bytes)) throw new Error(`internal: buffer \`${name}\` is shared by programs that need ${b.size} and ${allocatedSize(bytes)} bytes`);
    return b;
  }

  /** True the first time it is asked for input `name`: the caller uploads it (programs share the buffer). */
  firstFill(name: string): boolean {
    if (this.filled.has(name)) return false;
    this.filled.add(name);
    return true;
  }

  /** The zero pattern of input `name` (stored compactly), derived once from its value at load. */
  pattern(name: string, value: TensorValue): SparsePattern {
    let p = this.patterns.get(name);
    if (!p) this.patterns.set(name, (p = sparsePattern(value)));
    return p;
  }

  /** The zero pattern of input `name` for a new value (replaced data); its arrays must fit those of the pattern at load. */
  repattern(name: string, value: TensorValue): SparsePattern {
    const p = sparsePattern(value);
    this.patterns.set(name, p);
    return p;
  }

  /** Parameter `name`'s range in the pack; `params` (name → bytes) are the loading program's. */
  param(name: string, params: ReadonlyMap<string, number>): Place {
    if (!this.pack) {
      params = this.packed ?? params;
      const layout = packLayout(params);
      checkPackLimit(layout.bytes, this.gpu.limits.maxBufferSize);
      this.pack = { buffer: this.gpu.createBuffer(layout.bytes, "parameters and optimizer states"), layout, params };
      this.buffers.set("parameters", this.pack.buffer);
    }
    const offset = this.pack.layout.offsets.get(name);
    if (offset === undefined) throw new Error(`internal: parameter ${name} is not in the parameter pack (give the store every program's parameters)`);
    return { buffer: this.pack.buffer, offset, size: allocatedSize(this.pack.params.get(name)!) };
  }

  /** True when `name` has a place in the pack. */
  packs(name: string): boolean {
    return this.packed?.has(name) ?? this.pack?.params.has(name) ?? false;
  }

  /** Overwrite packed entry `name` directly: state that no loaded program reads, only writes. */
  writeParam(name: string, data: ArrayBufferView): void {
    const place = this.param(name, this.packed ?? new Map());
    this.gpu.device.queue.writeBuffer(place.buffer, place.offset, new Uint8Array(data.buffer as ArrayBuffer, data.byteOffset, data.byteLength));
  }

  /**
   * Packed parameters and states, read back at once (one wait): name → its bytes. `names` limits
   * the read to the span of the pack that holds them (a worker handing one entry to another device
   * reads that entry, not every weight); names not in the pack are skipped.
   */
  async readParams(names?: Iterable<string>): Promise<Map<string, ArrayBuffer>> {
    const out = new Map<string, ArrayBuffer>();
    if (!this.pack) return out;
    const { layout, params } = this.pack;
    const wanted = names === undefined ? [...layout.offsets.keys()] : [...new Set(names)].filter((n) => layout.offsets.has(n));
    if (wanted.length === 0) return out;
    const start = Math.min(...wanted.map((n) => layout.offsets.get(n)!));
    const end = Math.max(...wanted.map((n) => layout.offsets.get(n)! + params.get(n)!));
    const span = await this.gpu.read(this.pack.buffer, end - start, start);
    this.gpu.checkErrors();
    for (const name of wanted) {
      const at = layout.offsets.get(name)! - start;
      out.set(name, span.slice(at, at + params.get(name)!));
    }
    return out;
  }

  /**
   * The whole pack as it is now (its copy queued, no wait): `read` maps it when the host wants it,
   * after the runs queued since; `read` or `release` gives its staging back (GpuDevice.queueRead).
   */
  snapshotParams(): PackSnapshot {
    const pack = this.pack;
    if (!pack) return { read: async () => new Map(), release: () => {} };
    const queued = this.gpu.queueRead(pack.buffer, pack.layout.bytes);
    return {
      read: async () => {
        const bytes = await queued.read();
        this.gpu.checkErrors();
        return new Map([...pack.layout.offsets].map(([name, at]) => [name, bytes.slice(at, at + pack.params.get(name)!)]));
      },
      release: queued.release,
    };
  }

  destroy(): void {
    for (const b of this.buffers.values()) b.destroy();
    this.buffers.clear();
  }
}
