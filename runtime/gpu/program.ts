/// <reference types="@webgpu/types" />
import type { DispatchSize, KernelSpec, Schedule, Step } from "../../compiler/codegen/index.js";
import { graphBySource } from "../../compiler/codegen/graph-by-source.js";
import { sparsePattern } from "../../compiler/codegen/pattern.js";
import type { DType, TensorType } from "../../compiler/ir/types.js";
import type { TensorData, TensorValue, Value } from "../../compiler/ir/values.js";
import type { GpuDevice } from "./device.js";
import { deviceWords, hostArray } from "./host-data.js";

/**
 * A scheduled function resident on the GPU: its buffers allocated once, its pipelines compiled up
 * front, a bind group per launch made once; `run()` records every step — loops unrolled on the host,
 * copies between passes — into ONE command encoder and submits it. Nothing is read back unless
 * asked for. Parameters and inputs live in a `BufferStore` shared by the functions of one model
 * (the training step updates the weights the evaluation reads).
 */

/** Named buffers shared between programs: parameters and inputs, created on first use. */
export class BufferStore {
  readonly buffers = new Map<string, GPUBuffer>();
  constructor(private readonly gpu: GpuDevice) {}

  get(name: string, bytes: number): GPUBuffer {
    let b = this.buffers.get(name);
    if (!b) this.buffers.set(name, (b = this.gpu.createBuffer(bytes, name)));
    return b;
  }

  destroy(): void {
    for (const b of this.buffers.values()) b.destroy();
    this.buffers.clear();
  }
}

interface Launch {
  pipeline: GPUComputePipeline;
  group: GPUBindGroup;
  grid: DispatchSize;
}

/** The arrays a value occupies, one per slot (tensor: 1; graph: indptr, src, dst; rng: the key). */
function valueArrays(v: Value): ArrayBufferView[] {
  switch (v.kind) {
    case "tensor":
      return [deviceWords(v)];
    case "graph":
      return [v.indptr, v.src, v.dst];
    case "rng":
      return [Uint32Array.from(v.key)];
    case "tuple":
      return v.items.flatMap(valueArrays);
  }
}

export class GpuProgram {
  private readonly launches = new Map<Step, Launch>();
  private readonly owned: GPUBuffer[] = [];

  private constructor(
    private readonly gpu: GpuDevice,
    readonly schedule: Schedule,
    private readonly buffers: GPUBuffer[],
  ) {}

  /**
   * Allocate, upload the constant and host-computed values, compile every kernel (concurrently)
   * and make every launch's bind group. `hosted` holds the values of `schedule.hosted`.
   */
  static async create(
    gpu: GpuDevice,
    schedule: Schedule,
    store: BufferStore,
    hosted: ReadonlyMap<number, Value>,
    inputs: Readonly<Record<string, Value>> = {},
  ): Promise<GpuProgram> {
    const byName = new Map<number, string>();
    for (const [name, slots] of schedule.inputs) slots.forEach((s, j) => byName.set(s, slots.length > 1 ? `input ${name}.${j}` : `input ${name}`));
    for (const [name, slot] of schedule.params) byName.set(slot, `param ${name}`);
    const owned: GPUBuffer[] = [];
    const buffers = schedule.slots.map((slot, k) => {
      const name = byName.get(k);
      if (name) return store.get(name, slot.bytes);
      const b = gpu.createBuffer(slot.bytes, slot.label);
      owned.push(b);
      return b;
    });
    const program = new GpuProgram(gpu, schedule, buffers);
    program.owned.push(...owned);
    for (const [slot, words] of schedule.constants) gpu.device.queue.writeBuffer(buffers[slot], 0, new Uint8Array(words.buffer as ArrayBuffer, words.byteOffset, words.byteLength));
    for (const [id, slots] of schedule.hosted) {
      const value = hosted.get(id);
      if (!value) throw new Error(`no host value for %${id}`);
      program.writeSlots(slots, value);
    }
    for (const { graph, slots } of schedule.bySource) {
      const g = "input" in graph ? inputs[graph.input] : hosted.get(graph.hosted);
      if (g?.kind !== "graph") throw new Error(`a kernel reads a graph by source, but ${JSON.stringify(graph)} has no host graph`);
      const view = graphBySource(g);
      [view.indptr, view.edges].forEach((a, j) => program.writeArray(slots[j], a));
    }
    for (const { input, slots } of schedule.patterns) {
      const t = inputs[input];
      if (t?.kind !== "tensor") throw new Error(`a kernel reads the pattern of input ${input}, which is not a tensor given at load`);
      const p = sparsePattern(t);
      [p.rowptr, p.cols, p.colptr, p.rows].forEach((a, j) => program.writeArray(slots[j], a));
    }
    await gpu.compile(schedule.kernels);
    await program.prepare(schedule.steps);
    return program;
  }

  /** Fill an input's buffers (features, labels, the step's rng key and learning rate, …). */
  setInput(name: string, value: Value): void {
    const slots = this.schedule.inputs.get(name);
    if (slots) this.writeSlots(slots, value);
  }

  /** Overwrite a parameter (initial values, a checkpoint). */
  setParam(name: string, value: TensorValue): void {
    const slot = this.schedule.params.get(name);
    if (slot !== undefined) this.writeSlots([slot], value);
  }

  /** Bytes of the buffers this program allocated itself (values, uniforms; not the shared store's). */
  get ownedBytes(): number {
    return this.owned.reduce((n, b) => n + b.size, 0);
  }

  /**
   * Record the whole function into one encoder and submit it (returns before the GPU finishes).
   * `updates` [result, parameter] are copied at the end of the same submission: a training step's
   * new weights become the parameters the next step (and the evaluation) read.
   */
  run(updates: readonly (readonly [number, string])[] = []): void {
    const encoder = this.gpu.device.createCommandEncoder({ label: "gnnc step" });
    let pass: GPUComputePassEncoder | undefined;
    const endPass = () => {
      pass?.end();
      pass = undefined;
    };
    const record = (steps: readonly Step[]) => {
      for (const step of steps) {
        if (step.kind === "dispatch") {
          const l = this.launches.get(step)!;
          pass ??= encoder.beginComputePass();
          this.gpu.encode(pass, l.pipeline, l.group, l.grid);
        } else if (step.kind === "copy") {
          if (step.bytes === 0 || step.from === step.to) continue;
          endPass();
          encoder.copyBufferToBuffer(this.buffers[step.from], 0, this.buffers[step.to], 0, step.bytes);
        } else {
          for (let it = 0; it < step.trip; it++) {
            const i = step.reverse ? step.trip - 1 - it : it;
            endPass();
            encoder.copyBufferToBuffer(this.buffers[step.indexTable], 4 * i, this.buffers[step.index], 0, 4);
            record(step.body);
          }
        }
      }
    };
    record(this.schedule.steps);
    endPass();
    for (const [k, name] of updates) {
      const to = this.schedule.params.get(name);
      const [from] = this.schedule.results[k];
      if (to !== undefined && to !== from && this.schedule.slots[from].bytes > 0) {
        encoder.copyBufferToBuffer(this.buffers[from], 0, this.buffers[to], 0, this.schedule.slots[from].bytes);
      }
    }
    this.gpu.device.queue.submit([encoder.finish()]);
  }

  /** Read result `k` back as a tensor of `type` (concrete `shape`); waits for the GPU. */
  readResult(k: number, type: TensorType, shape: readonly number[]): Promise<TensorValue> {
    return this.readSlot(this.schedule.results[k][0], type, shape);
  }

  /** Read a parameter's current value (for checkpoints and selection). */
  readParam(name: string, type: TensorType, shape: readonly number[]): Promise<TensorValue> {
    const slot = this.schedule.params.get(name);
    if (slot === undefined) throw new Error(`the program has no parameter ${name}`);
    return this.readSlot(slot, type, shape);
  }

  private async readSlot(slot: number, type: TensorType, shape: readonly number[]): Promise<TensorValue> {
    const bytes = shape.reduce((n, d) => n * d, 1) * 4;
    const data = hostArray(type.dtype, await this.gpu.read(this.buffers[slot], bytes));
    this.gpu.checkErrors();
    return { kind: "tensor", dtype: type.dtype, shape: [...shape], data };
  }

  destroy(): void {
    for (const b of this.owned) b.destroy();
  }

  private writeSlots(slots: readonly number[], value: Value): void {
    const arrays = valueArrays(value);
    if (arrays.length !== slots.length) throw new Error(`a ${value.kind} value fills ${arrays.length} buffer(s), not ${slots.length}`);
    arrays.forEach((a, j) => this.writeArray(slots[j], a));
  }

  private writeArray(slot: number, a: ArrayBufferView): void {
    if (a.byteLength === 0) return;
    this.gpu.device.queue.writeBuffer(this.buffers[slot], 0, new Uint8Array(a.buffer as ArrayBuffer, a.byteOffset, a.byteLength));
  }

  /** One pipeline, sizes uniform and bind group per launch, made once (loops reuse them every iteration). */
  private async prepare(steps: readonly Step[]): Promise<void> {
    for (const step of steps) {
      if (step.kind === "loop") await this.prepare(step.body);
      if (step.kind !== "dispatch") continue;
      const kernel: KernelSpec = this.schedule.kernels[step.kernel];
      const pipeline = await this.gpu.pipeline(kernel);
      const all = step.buffers.map((s) => this.buffers[s]);
      const uniform = this.gpu.sizesBuffer(kernel, step.sizes);
      if (uniform) {
        this.owned.push(uniform);
        all.splice(
          kernel.bindings.findIndex((b) => b.source.kind === "sizes"),
          0,
          uniform,
        );
      }
      let group: GPUBindGroup | undefined;
      await this.gpu.scoped(kernel, () => {
        group = this.gpu.bindGroup(kernel, pipeline, all);
      });
      this.launches.set(step, { pipeline, group: group!, grid: kernel.dispatch(step.sizes) });
    }
  }
}
