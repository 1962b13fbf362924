/// <reference types="@webgpu/types" />
import type { DispatchSize, KernelBinding, KernelSpec } from "../../compiler/codegen/index.js";
import { dataBufferNames, launchCount, packedParams, type HostGraph, type LaunchPlan, type Step } from "../../compiler/plan/index.js";
import { FLAG_WORDS } from "../../compiler/codegen/equilibrium.js";
import { degreeOrder, graphBySource } from "../../compiler/codegen/graph-by-source.js";
import { columnOrderValues, compactValues, PATTERN_ARRAYS, type SparsePattern } from "../../compiler/codegen/pattern.js";
import type { TensorType } from "../../compiler/ir/types.js";
import { foldKey } from "../../compiler/ir/rng.js";
import type { GraphValue, TensorValue, Value } from "../../compiler/ir/values.js";
import type { GpuDevice } from "./device.js";
import type { BufferStore, Place } from "./buffer-store.js";
import { Recorder } from "./recorder.js";
import { deviceWords, hostArray } from "./host-data.js";

/**
 * A function's launch plan resident on the GPU: its buffers allocated once, its pipelines compiled up
 * front, a bind group per launch made once; `run()` records every step — loops unrolled on the host,
 * copies between passes — into ONE command encoder and submits it (equilibrium loops excepted:
 * they submit in chunks and read their convergence flag back between chunks). Nothing is read back unless
 * asked for. Parameters and inputs live in a `BufferStore` shared by the functions of one model
 * (the training step updates the weights the evaluation reads).
 */

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

/** How one execution of an equilibrium loop went on the GPU. */
export interface EquilibriumRun {
  /** Iterations that counted (the reference interpreter's count, up to rounding at the tol test). */
  iterations: number;
  converged: boolean;
  /** Iterations recorded (≥ iterations: a chunk may run past convergence, changing nothing). */
  launched: number;
  /** Flag readbacks (one per chunk). */
  readbacks: number;
  /** The loop's iteration cap (max_iter). */
  cap: number;
}

/** The longest chunk of equilibrium iterations submitted between two flag readbacks. */
export const MAX_CHUNK = 16;

type LoopStep = Extract<Step, { kind: "loop" }>;

/** The range a binding covers: its slot's place, or one part of it (a buffer split across bindings). */
function partOf(place: Place, part: KernelBinding["part"]): Place {
  if (!part) return place;
  const offset = part.index * part.bytes;
  return { buffer: place.buffer, offset: place.offset + offset, size: Math.min(part.bytes, place.size - offset) };
}

export class GpuProgram {
  private readonly launches = new Map<Step, Launch>();
  /** Launches of one run (launchCount of the plan), once a kernel timer asks. */
  private launchTotal?: number;
  private readonly waiting = new Map<Step, boolean>();
  /** Each equilibrium loop's iteration count in its last run: the next run's first chunk. */
  private readonly expected = new Map<Step, number>();
  private readonly owned: GPUBuffer[] = [];
  /** The zero patterns of the inputs stored compactly, fixed by the values given at load. */
  private readonly compact = new Map<string, SparsePattern>();

  private constructor(
    private readonly gpu: GpuDevice,
    readonly plan: LaunchPlan,
    private readonly buffers: Place[],
  ) {}

  /**
   * Allocate, upload the constant and host-computed values, compile every kernel (concurrently)
   * and make every launch's bind group. `hosted` holds the values of `plan.hosted`.
   */
  static async create(
    gpu: GpuDevice,
    plan: LaunchPlan,
    store: BufferStore,
    hosted: ReadonlyMap<number, Value>,
    inputs: Readonly<Record<string, Value>> = {},
    /** Reusable slots whose buffers other programs share (not owned: the caller destroys them). */
    pooled: ReadonlyMap<number, GPUBuffer> = new Map(),
  ): Promise<GpuProgram> {
    const byName = dataBufferNames(plan);
    const paramOf = new Map([...plan.params].map(([name, slot]) => [slot, name]));
    const params = packedParams([plan]);
    const owned: GPUBuffer[] = [];
    const buffers = plan.slots.map((slot, k): Place => {
      const param = paramOf.get(k);
      if (param !== undefined) return store.param(param, params);
      const name = byName.get(k);
      const shared = pooled.get(k);
      if (shared) return { buffer: shared, offset: 0, size: shared.size };
      const b = name ? store.get(name, slot.bytes) : gpu.createBuffer(slot.bytes, slot.label);
      if (!name) owned.push(b);
      return { buffer: b, offset: 0, size: b.size };
    });
    const program = new GpuProgram(gpu, plan, buffers);
    program.owned.push(...owned);
    for (const [slot, words] of plan.constants) program.writeArray(slot, words);
    program.writeData(hosted, inputs, (input, t) => store.pattern(input, t));
    await gpu.compile(plan.kernels);
    await program.prepare(plan.steps);
    return program;
  }

  /**
   * New values of the inputs given at load (a subgraph in place of the last one), with what the
   * host computed from them (`hosted`, every id of the plan's): the same buffers, so each value
   * must fit the one it replaces — a graph of the same node and edge counts, features with at
   * most as many nonzeros as at load.
   */
  replaceData(hosted: ReadonlyMap<number, Value>, inputs: Readonly<Record<string, Value>>, store: BufferStore): void {
    this.writeData(hosted, inputs, (input, t) => store.repattern(input, t));
    for (const [name, value] of Object.entries(inputs)) this.setInput(name, value);
  }

  /** The host-computed values, graph views and zero patterns of the data, into their buffers. */
  private writeData(hosted: ReadonlyMap<number, Value>, inputs: Readonly<Record<string, Value>>, patternOf: (input: string, t: TensorValue) => SparsePattern): void {
    const plan = this.plan;
    for (const [id, slots] of plan.hosted) {
      const value = hosted.get(id);
      if (!value) throw new Error(`no host value for %${id}`);
      this.writeSlots(slots, value);
    }
    // A graph a view is made of: an input, or a value computed on the host.
    const hostGraph = (graph: HostGraph, view: string): GraphValue => {
      const g = "input" in graph ? inputs[graph.input] : hosted.get(graph.hosted);
      if (g?.kind !== "graph") throw new Error(`a kernel reads a graph ${view}, but ${JSON.stringify(graph)} has no host graph`);
      return g;
    };
    for (const { graph, slots } of plan.bySource) {
      const view = graphBySource(hostGraph(graph, "by source"));
      [view.indptr, view.edges].forEach((a, j) => this.writeArray(slots[j], a));
    }
    for (const { graph, by, slot } of plan.graphOrders) this.writeArray(slot, degreeOrder(hostGraph(graph, "by degree"), by));
    for (const input of plan.compact) {
      const t = inputs[input];
      if (t?.kind !== "tensor") throw new Error(`input ${input} is stored by its zero pattern, but no tensor was given for it at load`);
      this.compact.set(input, patternOf(input, t));
    }
    for (const { input, arrays } of plan.patterns) {
      const p = this.compact.get(input);
      if (!p) throw new Error(`a kernel reads the zero pattern of input ${input}, which is not stored compactly`);
      for (const a of PATTERN_ARRAYS) if (arrays[a] !== undefined) this.writeArray(arrays[a], p[a]);
    }
  }

  /** Fill an input's buffers (features, labels, the step's rng key and learning rate, …). */
  setInput(name: string, value: Value): void {
    const slots = this.plan.inputs.get(name);
    if (!slots) return;
    const pattern = this.compact.get(name);
    if (pattern && value.kind === "tensor") {
      const values = compactValues(value, pattern, name);
      this.writeArray(slots[0], values);
      for (const c of this.plan.columnValues) if (c.input === name) this.writeArray(c.slot, columnOrderValues(values, pattern));
    } else this.writeSlots(slots, value);
    if (value.kind === "rng") for (const f of this.plan.keyFolds) if (f.input === name) this.writeArray(f.slot, Uint32Array.from(foldKey(value.key, f.salt)));
  }

  /** Overwrite a parameter (initial values, a checkpoint). */
  setParam(name: string, value: TensorValue): void {
    const slot = this.plan.params.get(name);
    if (slot !== undefined) this.writeSlots([slot], value);
  }

  /** Bytes of the buffers this program allocated itself (values, uniforms; not the shared store's). */
  get ownedBytes(): number {
    return this.owned.reduce((n, b) => n + b.size, 0);
  }

  /**
   * Record the whole function into one encoder and submit it (returns before the GPU finishes).
   * `updates` [result, parameter] are copied at the end of the same submission: a training step's
   * new weights become the parameters the next step (and the evaluation) read. `log` appends a
   * copy of a result (the loss) to a buffer in the same submission.
   *
   * Equilibrium loops (steps with `until`) are the exception to one submission: their iterations
   * go in chunks, each submitted and followed by a readback of the loop's flag, until it says
   * converged or the cap is reached (see `equilibrium`). Without them nothing is awaited.
   * `external` [result, place] copies results into places this program does not read (state
   * that other programs read).
   */
  async run(
    updates: readonly (readonly [number, string])[] = [],
    log?: { result: number; to: GPUBuffer; offset: number },
    external: readonly (readonly [number, Place])[] = [],
  ): Promise<void> {
    const timer = this.gpu.timer;
    // Equilibrium loops count at their iteration cap: a run never records more than this.
    if (timer && !timer.fits((this.launchTotal ??= launchCount(this.plan.steps)))) await timer.flush();
    const rec = new Recorder(this.gpu.device);
    this.lastRun = [];
    await this.record(this.plan.steps, rec);
    rec.endPass();
    // A function's copies are the same every run: size the staging buffer on the first.
    if (!this.stagingSized) this.reserveStaging(updates, external);
    for (const [k, name] of updates) {
      const to = this.plan.params.get(name);
      const [from] = this.plan.results[k];
      if (to !== undefined && to !== from && this.plan.slots[from].bytes > 0) {
        this.copy(rec.encoder, from, to, this.plan.slots[from].bytes);
      }
    }
    for (const [k, place] of external) {
      const [from] = this.plan.results[k];
      const bytes = this.plan.slots[from].bytes;
      if (bytes > 0) this.copyPlaces(rec.encoder, this.buffers[from], place, bytes);
    }
    if (log) {
      const [slot] = this.plan.results[log.result];
      const from = this.buffers[slot];
      rec.encoder.copyBufferToBuffer(from.buffer, from.offset, log.to, log.offset, this.plan.slots[slot].bytes);
    }
    rec.submit();
  }

  /** Each equilibrium loop the last `run()` executed, in order: how it converged and what it cost. */
  lastRun: EquilibriumRun[] = [];

  /** Record steps; returns a promise only where an equilibrium loop needs readbacks. */
  private record(steps: readonly Step[], rec: Recorder): Promise<void> | void {
    for (let k = 0; k < steps.length; k++) {
      const step = steps[k];
      if (step.kind === "loop" && this.waits(step)) return this.recordWaiting(steps, k, rec);
      if (step.kind === "dispatch") {
        const l = this.launches.get(step)!;
        const timer = this.gpu.timer;
        if (timer) {
          // Timed: the launch in a pass of its own, between two timestamps.
          rec.endPass();
          const pass = timer.beginPass(rec.encoder, this.plan.kernels[step.kernel]);
          this.gpu.encode(pass, l.pipeline, l.group, l.grid);
          pass.end();
        } else this.gpu.encode(rec.pass(), l.pipeline, l.group, l.grid);
      } else if (step.kind === "copy") {
        if (step.bytes === 0 || step.from === step.to) continue;
        rec.endPass();
        this.copy(rec.encoder, step.from, step.to, step.bytes);
      } else {
        for (let it = 0; it < step.trip; it++) {
          this.recordIndex(step, it, rec);
          void this.record(step.body, rec); // waits() is false: synchronous
        }
      }
    }
  }

  private async recordWaiting(steps: readonly Step[], from: number, rec: Recorder): Promise<void> {
    for (let k = from; k < steps.length; k++) {
      const step = steps[k];
      if (step.kind !== "loop" || !this.waits(step)) await this.record([step], rec);
      else if (step.until) await this.equilibrium(step, step.until.flag, rec);
      else {
        for (let it = 0; it < step.trip; it++) {
          this.recordIndex(step, it, rec);
          await this.record(step.body, rec);
        }
      }
    }
  }

  private recordIndex(step: LoopStep, it: number, rec: Recorder): void {
    const i = step.reverse ? step.trip - 1 - it : it;
    rec.endPass();
    this.copy(rec.encoder, step.indexTable, step.index, 4, 4 * i);
  }

  /** Whether a loop (or one nested in it) stops on a readback. */
  private waits(step: LoopStep): boolean {
    let w = this.waiting.get(step);
    if (w === undefined) {
      w = step.until !== undefined || step.body.some((b) => b.kind === "loop" && this.waits(b));
      this.waiting.set(step, w);
    }
    return w;
  }

  /**
   * An equilibrium loop: chunks of iterations, a flag readback after each. The first chunk is as
   * long as the loop's previous run took (a training step's solve takes about as many iterations
   * as the last step's), then 1, 2, 4, … up to MAX_CHUNK. Iterations past convergence within a
   * chunk leave the state unchanged (the flag's update word is 0), so the result is the
   * interpreter's.
   */
  private async equilibrium(step: LoopStep, flag: number, rec: Recorder): Promise<void> {
    let it = 0;
    let readbacks = 0;
    let words = new Uint32Array(FLAG_WORDS);
    const expected = this.expected.get(step);
    let chunk = Math.max(1, expected ?? 1);
    let grow = expected === undefined ? 2 : 1;
    while (it < step.trip) {
      const end = Math.min(step.trip, it + chunk);
      for (; it < end; it++) {
        this.recordIndex(step, it, rec);
        await this.record(step.body, rec);
      }
      rec.submit();
      words = new Uint32Array(await this.read(flag, FLAG_WORDS * 4));
      this.gpu.checkErrors(); // an invalid chunk leaves the flag unset: report it now, not at the cap
      readbacks++;
      if (words[0] === 1) break;
      chunk = grow;
      grow = Math.min(2 * grow, MAX_CHUNK);
    }
    const iterations = words[2];
    if (step.trip > 0) this.expected.set(step, iterations);
    this.lastRun.push({ iterations, converged: words[0] === 1, launched: it, readbacks, cap: step.trip });
  }

  /** Read result `k` back as a tensor of `type` (concrete `shape`); waits for the GPU. */
  readResult(k: number, type: TensorType, shape: readonly number[]): Promise<TensorValue> {
    return this.readSlot(this.plan.results[k][0], type, shape);
  }

  /** Read a parameter's current value (for checkpoints and selection). */
  readParam(name: string, type: TensorType, shape: readonly number[]): Promise<TensorValue> {
    const slot = this.plan.params.get(name);
    if (slot === undefined) throw new Error(`the program has no parameter ${name}`);
    return this.readSlot(slot, type, shape);
  }

  private async readSlot(slot: number, type: TensorType, shape: readonly number[]): Promise<TensorValue> {
    const bytes = shape.reduce((n, d) => n * d, 1) * 4;
    const data = hostArray(type.dtype, await this.read(slot, bytes));
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
    const { buffer, offset, size } = this.buffers[slot];
    if (a.byteLength > size) throw new Error(`internal: ${a.byteLength} bytes do not fit the ${size}-byte buffer of slot ${slot}`);
    this.gpu.device.queue.writeBuffer(buffer, offset, new Uint8Array(a.buffer as ArrayBuffer, a.byteOffset, a.byteLength));
  }

  private read(slot: number, bytes: number): Promise<ArrayBuffer> {
    const { buffer, offset } = this.buffers[slot];
    return this.gpu.read(buffer, bytes, offset);
  }

  /** Copy `bytes` from one slot to another (at `fromOffset` within the first). */
  private copy(encoder: GPUCommandEncoder, from: number, to: number, bytes: number, fromOffset = 0): void {
    const a = this.buffers[from];
    this.copyPlaces(encoder, { ...a, offset: a.offset + fromOffset }, this.buffers[to], bytes);
  }

  /**
   * WebGPU copies between two buffers only. A copy within one — a function returning a state
   * entry, unchanged, as another entry's new value: both live in the parameter pack — goes
   * through a staging buffer; commands of one encoder run in order, so it is reused.
   */
  private copyPlaces(encoder: GPUCommandEncoder, a: Place, b: Place, bytes: number): void {
    if (a.buffer !== b.buffer) {
      encoder.copyBufferToBuffer(a.buffer, a.offset, b.buffer, b.offset, bytes);
      return;
    }
    if (!this.staging || this.staging.size < bytes) {
      this.staging = this.gpu.createBuffer(bytes, "copy staging");
      this.owned.push(this.staging);
    }
    encoder.copyBufferToBuffer(a.buffer, a.offset, this.staging, 0, bytes);
    encoder.copyBufferToBuffer(this.staging, 0, b.buffer, b.offset, bytes);
  }

  private staging?: GPUBuffer;
  private stagingSized = false;

  /**
   * The staging buffer, made once at the size of the largest copy within one buffer that a run
   * with these updates and writes makes, so it is never replaced by a larger one
   * (compiler/plan/device-bytes.ts packStagingBytes predicts it).
   */
  private reserveStaging(updates: readonly (readonly [number, string])[], external: readonly (readonly [number, Place])[]): void {
    let most = 0;
    const within = (from: number, to: Place) => {
      if (this.buffers[from].buffer === to.buffer && this.buffers[from].offset !== to.offset) most = Math.max(most, this.plan.slots[from].bytes);
    };
    for (const [k, name] of updates) {
      const to = this.plan.params.get(name);
      if (to !== undefined) within(this.plan.results[k][0], this.buffers[to]);
    }
    for (const [k, place] of external) within(this.plan.results[k][0], place);
    this.stagingSized = true;
    if (most > 0 && (!this.staging || this.staging.size < most)) {
      this.staging = this.gpu.createBuffer(most, "copy staging");
      this.owned.push(this.staging);
    }
  }

  /** One pipeline, sizes uniform and bind group per launch, made once (loops reuse them every iteration). */
  private async prepare(steps: readonly Step[], paramSlots: ReadonlySet<number> = new Set(this.plan.params.values())): Promise<void> {
    for (const step of steps) {
      if (step.kind === "loop") await this.prepare(step.body, paramSlots);
      if (step.kind !== "dispatch") continue;
      const kernel: KernelSpec = this.plan.kernels[step.kernel];
      const pipeline = await this.gpu.pipeline(kernel);
      // Kernels only read the parameter pack (updates are copied in): a writable range of it next
      // to read-only ones would be a usage conflict within the dispatch.
      const storage = kernel.bindings.filter((bd) => bd.source.kind !== "sizes");
      step.buffers.forEach((s, k) => {
        if (storage[k].access === "read_write" && paramSlots.has(s)) {
          throw new Error(`internal: kernel ${kernel.name} would write parameter slot ${s} in place`);
        }
      });
      const ranges = step.buffers.map((s, k) => partOf(this.buffers[s], storage[k].part));
      let group: GPUBindGroup | undefined;
      await this.gpu.scoped(kernel, () => {
        const made = this.gpu.launchGroup(kernel, pipeline, ranges, step.sizes);
        if (made.uniform) this.owned.push(made.uniform);
        group = made.group;
      });
      this.launches.set(step, { pipeline, group: group!, grid: kernel.dispatch(step.sizes) });
    }
  }
}
