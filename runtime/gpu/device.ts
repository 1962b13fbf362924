/// <reference types="@webgpu/types" />
import { packUniforms, type KernelSpec, type DispatchSize } from "../../compiler/codegen/index.js";
import { allocatedSize, type BindingLimits } from "../../compiler/plan/index.js";
import { LIMITS_THAT_MATTER, USEFUL_FEATURES, findAdapter, type AdapterSummary, type FindAdapterOptions, type LimitName } from "./adapter.js";
import { KernelRegistry } from "./error-map.js";
import { GpuDeviceLostError, GpuKernelError } from "./errors.js";
import { KernelTimer } from "./kernel-timer.js";
import { pacedWait } from "./paced-wait.js";
import { PipelineCache } from "./pipelines.js";

/**
 * A WebGPU device on Dawn, wrapped for gnnc: buffers, pipelines cached by WGSL text, launches of
 * KernelSpecs, and errors attributed to kernels. `destroy()` it when done, or the process will not
 * exit (dawn.node keeps it alive).
 */

export interface OpenDeviceOptions extends FindAdapterOptions {
  /**
   * Called with errors nothing was waiting for (raised by the device between sync points), already
   * attributed to a kernel where possible. Default: kept, and thrown by the next `checkErrors()`.
   */
  onUncapturedError?: (error: GpuKernelError) => void;
  /**
   * Bind at most this many bytes per storage binding, below the device's own limit: buffers over
   * it are split across bindings as they would be on a device with that limit (tests and checks
   * of the splitting; the CLI reads it from `GNNC_MAX_BINDING_BYTES`, see bindingCap). Default:
   * the device's limit.
   */
  maxBindingBytes?: number;
}

/** Storage buffers gnnc creates: readable and writable by kernels, copyable both ways. */
const STORAGE_USAGE = () => GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
/**
 * Readback staging kept between reads, at most this many bytes in all (host-visible memory outside
 * the memory plan, like every readback's). A 76 KB read (Cora's logits) took 0.75 ms with a new
 * buffer and 0.33 ms with a kept one on lavapipe.
 */
const STAGING_KEPT_BYTES = 64 << 20;

/**
 * The staging size for a read of `size` bytes, so that reads of about the same size share buffers:
 * the next power of two from 256 up to 1 MiB, whole 64 KiB above.
 */
function stagingRoom(size: number): number {
  if (size > 1 << 20) return Math.ceil(size / (64 << 10)) * (64 << 10);
  return Math.max(256, 2 ** Math.ceil(Math.log2(size)));
}

/** A read whose copy is queued (GpuDevice.queueRead). */
export interface QueuedRead {
  /** The bytes, once the work queued before the copy has run. */
  read(): Promise<ArrayBuffer>;
  /** Drop it unread. */
  release(): void;
}

export class GpuDevice {
  private readonly kernels = new KernelRegistry();
  private readonly pipelines: PipelineCache;
  private readonly pending: GpuKernelError[] = [];
  private destroyed = false;
  private lostReason: string | undefined;

  private readonly maxBindingBytes: number | undefined;
  private kernelTimer: KernelTimer | undefined;
  /** Readback staging buffers free for the next read, by size (read). */
  private readonly spareStaging = new Map<number, GPUBuffer[]>();
  /** Whether waits for this device let dawn.node's polls nap (paced-wait.ts): on software adapters. */
  private readonly paced: boolean;

  private constructor(
    readonly device: GPUDevice,
    readonly adapter: AdapterSummary,
    options: OpenDeviceOptions,
  ) {
    this.maxBindingBytes = options.maxBindingBytes;
    this.paced = pacesWaits(adapter);
    this.pipelines = new PipelineCache(device, this.kernels);
    const { kernels, pending } = this;
    const report = options.onUncapturedError ?? ((error: GpuKernelError) => pending.push(error));
    device.addEventListener("uncapturederror", (event) => {
      report(kernels.map((event as GPUUncapturedErrorEvent).error));
    });
    void device.lost.then((info) => {
      if (!this.destroyed) this.lostReason = `${info.reason}: ${info.message}`;
    });
  }

  /** Open the first adapter of the backends tried (see FindAdapterOptions), at its limits. */
  static async open(options: OpenDeviceOptions = {}): Promise<GpuDevice> {
    const { adapter, summary } = await findAdapter(options);
    const requiredLimits: Record<string, number> = {};
    for (const name of LIMITS_THAT_MATTER) requiredLimits[name] = adapter.limits[name];
    const requiredFeatures = USEFUL_FEATURES.filter((f) => adapter.features.has(f));
    const device = await adapter.requestDevice({ label: "gnnc", requiredLimits, requiredFeatures });
    return new GpuDevice(device, summary, options);
  }

  /** The device's values of the limits that matter (what kernels and plans must respect), with the binding cap applied. */
  get limits(): Record<LimitName, number> {
    const out = {} as Record<LimitName, number>;
    for (const name of LIMITS_THAT_MATTER) out[name] = this.device.limits[name];
    if (this.maxBindingBytes !== undefined) out.maxStorageBufferBindingSize = Math.min(out.maxStorageBufferBindingSize, this.maxBindingBytes);
    return out;
  }

  /** The limits launch plans are fitted to (compiler/plan/binding-split.ts). */
  get bindingLimits(): BindingLimits {
    return bindingLimitsOf(this.limits);
  }

  /** Distinct pipelines compiled so far. */
  get pipelineCount(): number {
    return this.pipelines.size;
  }

  /** The kernel's pipeline, compiled (asynchronously) on first use. */
  pipeline(kernel: KernelSpec): Promise<GPUComputePipeline> {
    this.assertUsable();
    return this.pipelines.get(kernel);
  }

  /** Compile every kernel up front, concurrently; rejects with the first kernel that fails. */
  async compile(kernels: readonly KernelSpec[]): Promise<void> {
    await Promise.all(kernels.map((k) => this.pipeline(k)));
  }

  createBuffer(bytes: number, label?: string, usage = STORAGE_USAGE()): GPUBuffer {
    this.assertUsable();
    return this.device.createBuffer({ size: allocatedSize(bytes), usage, label });
  }

  /** A storage buffer holding `data` (zero-padded to whole vec4s). */
  upload(data: ArrayBufferView, label?: string): GPUBuffer {
    const buffer = this.createBuffer(data.byteLength, label);
    // Host arrays are never shared memory here; WebGPU's typings want a plain ArrayBuffer.
    const bytes = new Uint8Array(data.buffer as ArrayBuffer, data.byteOffset, data.byteLength);
    const whole = bytes.byteLength - (bytes.byteLength % 4); // writeBuffer takes multiples of 4 bytes
    if (whole > 0) this.device.queue.writeBuffer(buffer, 0, bytes, 0, whole);
    if (whole < bytes.byteLength) {
      const tail = new Uint8Array(4);
      tail.set(bytes.subarray(whole));
      this.device.queue.writeBuffer(buffer, whole, tail);
    }
    return buffer;
  }

  /** Resolves when the GPU has run everything submitted so far; an error of that work is thrown. */
  async idle(): Promise<void> {
    this.assertUsable();
    await this.wait(this.device.queue.onSubmittedWorkDone());
    this.checkErrors();
  }

  /** The first `bytes` bytes of a buffer, copied back to the CPU (one submit and a map). */
  read(buffer: GPUBuffer, bytes: number, offset = 0): Promise<ArrayBuffer> {
    return this.queueRead(buffer, bytes, offset).read();
  }

  /**
   * The first `bytes` bytes at `offset` of a buffer as they are now: the copy is queued at once
   * (one submit), the map waits for `read` — and then only for the work queued before the copy.
   * `read` or `release` gives the staging buffer back to be kept for the next read of a like
   * size (see STAGING_KEPT_BYTES): a new buffer is zeroed on the device before the copy, and a
   * training run reads the same outputs (and snapshots the same state) every epoch.
   */
  queueRead(buffer: GPUBuffer, bytes: number, offset = 0): QueuedRead {
    this.assertUsable();
    const size = Math.ceil(bytes / 4) * 4;
    if (size === 0) return { read: async () => new ArrayBuffer(0), release: () => {} };
    const room = stagingRoom(size);
    const staging = this.spareStaging.get(room)?.pop() ?? this.device.createBuffer({ size: room, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST, label: "gnnc readback" });
    if (this.spareStaging.get(room)?.length === 0) this.spareStaging.delete(room);
    const encoder = this.device.createCommandEncoder({ label: "gnnc readback" });
    encoder.copyBufferToBuffer(buffer, offset, staging, 0, size);
    this.device.queue.submit([encoder.finish()]);
    let open = true;
    const giveBack = (reusable: boolean) => {
      if (!open) return;
      open = false;
      const kept = [...this.spareStaging].reduce((n, [r, list]) => n + r * list.length, 0);
      if (reusable && !this.destroyed && kept + room <= STAGING_KEPT_BYTES) this.spareStaging.set(room, [...(this.spareStaging.get(room) ?? []), staging]);
      else staging.destroy();
    };
    return {
      read: async () => {
        if (!open) throw new Error("internal: a queued read read after it was released");
        let unmapped = false;
        try {
          await this.wait(staging.mapAsync(GPUMapMode.READ));
          const data = staging.getMappedRange().slice(0, bytes);
          staging.unmap();
          unmapped = true;
          return data;
        } finally {
          giveBack(unmapped); // a buffer whose map failed is destroyed, not kept
        }
      },
      release: () => giveBack(true),
    };
  }

  /**
   * The bind group of one launch of `kernel` with its sizes: `buffers` are those of every binding
   * but the sizes uniform, in binding order; the uniform (when the kernel has symbolic sizes) is
   * made here and returned, for the caller to keep alive and destroy.
   */
  launchGroup(
    kernel: KernelSpec,
    pipeline: GPUComputePipeline,
    buffers: readonly (GPUBuffer | GPUBufferBinding)[],
    sizes: Readonly<Record<string, number>>,
  ): { group: GPUBindGroup; uniform?: GPUBuffer } {
    const uniform = this.sizesBuffer(kernel, sizes);
    const all = [...buffers];
    const at = kernel.bindings.findIndex((b) => b.source.kind === "sizes");
    if (uniform && at >= 0) all.splice(at, 0, uniform);
    return { group: this.bindGroup(kernel, pipeline, all), ...(uniform ? { uniform } : {}) };
  }

  /** The uniform buffer of a kernel's symbolic sizes; undefined when it has none. */
  private sizesBuffer(kernel: KernelSpec, sizes: Readonly<Record<string, number>>): GPUBuffer | undefined {
    if (kernel.uniforms.length === 0) return undefined;
    const data = packUniforms(kernel, sizes);
    const buffer = this.createBuffer(data.byteLength, `${kernel.name} sizes`, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST);
    this.device.queue.writeBuffer(buffer, 0, data);
    return buffer;
  }

  /**
   * The bind group of one launch: one buffer per binding, in binding order (the sizes uniform included).
   */
  private bindGroup(kernel: KernelSpec, pipeline: GPUComputePipeline, buffers: readonly (GPUBuffer | GPUBufferBinding)[]): GPUBindGroup {
    if (buffers.length !== kernel.bindings.length) {
      throw new GpuKernelError("validation", kernel.name, `${kernel.bindings.length} bindings but ${buffers.length} buffers given`, kernel.spans);
    }
    return this.device.createBindGroup({
      label: kernel.name,
      layout: pipeline.getBindGroupLayout(0),
      entries: buffers.map((b, k) => ({ binding: kernel.bindings[k].binding, resource: "buffer" in b ? b : { buffer: b } })),
    });
  }

  /** Record one launch into a compute pass (no submit): for whole steps in one encoder. */
  encode(pass: GPUComputePassEncoder, pipeline: GPUComputePipeline, group: GPUBindGroup, grid: DispatchSize): void {
    if (grid.x === 0 || grid.y === 0 || grid.z === 0) return; // nothing to compute (empty tensors)
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, group);
    pass.dispatchWorkgroups(grid.x, grid.y, grid.z);
  }

  /**
   * Launch one kernel and wait until the GPU has run it. `buffers` are those of every binding but
   * the sizes uniform, in binding order; `sizes` are the kernel's sizes, resolved. Validation and
   * memory errors of the launch are thrown as GpuKernelError naming the kernel.
   */
  async run(kernel: KernelSpec, buffers: readonly GPUBuffer[], sizes: Readonly<Record<string, number>>): Promise<void> {
    const pipeline = await this.pipeline(kernel);
    const device = this.device;
    let uniform: GPUBuffer | undefined;
    try {
      await this.scoped(kernel, () => {
        let group: GPUBindGroup;
        ({ group, uniform } = this.launchGroup(kernel, pipeline, buffers, sizes));
        const encoder = device.createCommandEncoder({ label: kernel.name });
        const pass = encoder.beginComputePass({ label: kernel.name });
        this.encode(pass, pipeline, group, kernel.dispatch(sizes));
        pass.end();
        device.queue.submit([encoder.finish()]);
      });
      await this.idle();
    } finally {
      uniform?.destroy();
    }
  }

  /**
   * Run `record` (WebGPU calls) inside validation, out-of-memory and internal error scopes; the
   * first error any of them catches is thrown as the kernel's.
   */
  async scoped(kernel: KernelSpec, record: () => void): Promise<void> {
    const scopes: GPUErrorFilter[] = ["validation", "out-of-memory", "internal"];
    for (const s of scopes) this.device.pushErrorScope(s);
    let thrown: unknown;
    try {
      record();
    } catch (e) {
      thrown = e;
    }
    const errors: (GPUError | null)[] = [];
    for (let k = scopes.length - 1; k >= 0; k--) errors.push(await this.device.popErrorScope());
    const first = errors.find((e) => e !== null);
    if (first) throw this.kernels.map(first, kernel);
    if (thrown !== undefined) throw thrown;
  }

  /** Time every launch from now on (timestamp queries, kernel-timer.ts); throws when the adapter cannot. */
  startTimer(): KernelTimer {
    this.assertUsable();
    if (!this.device.features.has("timestamp-query")) {
      throw new Error(`the adapter (${this.adapter.description}) has no timestamp queries (WebGPU's timestamp-query feature), so its kernels cannot be timed`);
    }
    this.kernelTimer ??= new KernelTimer(this.device, (buffer, bytes) => this.read(buffer, bytes));
    return this.kernelTimer;
  }

  /** The kernel timer once startTimer turned it on: every launch of every program is then timed. */
  get timer(): KernelTimer | undefined {
    return this.kernelTimer;
  }

  /** Await the device's work, without spinning a core when the device runs on the CPU's. */
  private wait<T>(p: Promise<T>): Promise<T> {
    return this.paced ? pacedWait(p) : p;
  }

  /** Throw the first uncaptured error raised since the last check (and forget the rest). */
  checkErrors(): void {
    this.assertUsable();
    const first = this.pending[0];
    this.pending.length = 0;
    if (first) throw first;
  }

  /** Release the device so the process can exit. Safe to call twice. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.kernelTimer?.destroy();
    for (const list of this.spareStaging.values()) for (const b of list) b.destroy();
    this.spareStaging.clear();
    this.device.destroy();
  }

  private assertUsable(): void {
    if (this.lostReason !== undefined) throw new GpuDeviceLostError(this.lostReason);
    if (this.destroyed) throw new GpuDeviceLostError("destroyed by gnnc");
  }
}

/** The binding limits launch plans are fitted to, from a device's (or an adapter's) limits; `cap` lowers the bytes a binding may hold. */
export function bindingLimitsOf(l: Pick<GPUSupportedLimits, "maxStorageBufferBindingSize" | "maxStorageBuffersPerShaderStage" | "minStorageBufferOffsetAlignment">, cap?: number): BindingLimits {
  return { maxBindingBytes: Math.min(l.maxStorageBufferBindingSize, cap ?? Infinity), maxStorageBindings: l.maxStorageBuffersPerShaderStage, offsetAlignment: l.minStorageBufferOffsetAlignment };
}

/** `GNNC_MAX_BINDING_BYTES`, when set: a positive integer (bytes), else an Error naming the variable. */
export function bindingCap(env: Readonly<Record<string, string | undefined>>): number | undefined {
  const text = env.GNNC_MAX_BINDING_BYTES;
  if (text === undefined || text === "") return undefined;
  const bytes = Number(text);
  if (!Number.isSafeInteger(bytes) || bytes <= 0) throw new Error(`GNNC_MAX_BINDING_BYTES must be a positive integer (bytes), got ${JSON.stringify(text)}`);
  return bytes;
}

/** Open a Dawn device: Vulkan (or the platform's native backend) first, then OpenGL ES compat. */
export function openDevice(options: OpenDeviceOptions = {}): Promise<GpuDevice> {
  return GpuDevice.open(options);
}

/**
 * Whether waits for the adapter nap between polls (paced-wait.ts): on a software adapter, whose
 * kernels run on the cores a spinning poll would take. GNNC_PACED_WAIT=1 or 0 decides instead.
 */
export function pacesWaits(adapter: Pick<AdapterSummary, "architecture" | "device" | "description">, env: Readonly<Record<string, string | undefined>> = process.env): boolean {
  const chosen = env.GNNC_PACED_WAIT;
  if (chosen === "1" || chosen === "0") return chosen === "1";
  return /software|llvmpipe|lavapipe|swiftshader/i.test(`${adapter.architecture} ${adapter.device} ${adapter.description}`);
}
