import { concreteShape } from "../../compiler/ir/dims.js";
import type { Func, TensorType } from "../../compiler/ir/types.js";
import type { TensorValue, Value } from "../../compiler/ir/values.js";
import { allocatedSize, deviceBytes, packedParams, packStagingBytes, statePool, type PoolLayout } from "../../compiler/plan/index.js";
import { BufferStore, hostValues, loadFunction, onHostOnly, planFunction, patternedInputs, type FunctionPlan, type GpuDevice, type GpuProgram, type Place } from "../gpu/index.js";
import { valueBytes } from "./value-bytes.js";
import { hostArray } from "../gpu/host-data.js";
import { checkInputs, funcNamed, resultIndex, RunnerError, type Runner, type RunnerMemory, type RunnerProgram, type RunOptions, type StateSnapshot } from "./runner.js";

/** Room for this many logged scalars between readbacks by default (when full, a run reads them back). */
const LOG_ENTRIES = 1024;

interface Loaded {
  func: Func;
  program: GpuProgram;
  /** The ids of the values computed on the host from the data (recomputed when it is replaced). */
  hosted: readonly number[];
  /** [result, state entry]: results copied over the state they replace, on the GPU, in the same submission. */
  updates: readonly (readonly [number, string])[];
  /** The same for state entries the function does not read: copied to their place in the shared pack. */
  writes: readonly (readonly [number, Place])[];
}

/** A function of the data only (a schedule's propagated features): computed on the host once, its results uploaded when it runs. */
interface OnHost {
  func: Func;
  /** The ids of its results, all computed on the host (recomputed when the data is replaced). */
  hosted: readonly number[];
  results: Value[];
  outputs?: ReadonlyMap<string, Value>;
}

/**
 * The GPU runner: every function resident on Dawn, sharing one buffer store — the data uploaded
 * once, every state entry in one packed buffer that all functions read, and the scratch buffers of
 * computed values, which functions share since they never run at once (compiler/plan/scratch-pool.ts;
 * only outputs read back after a run keep buffers of their own). A run is one submission; state
 * updates are copied on the GPU and logged scalars go into a log on the GPU. Nothing is read back
 * until a client asks (an output, the log, the state). A function whose every result depends on
 * the data only needs no kernel: its results are computed on the host once, and a run uploads
 * them (the device holds them once, in the state they replace, not also in a program of theirs).
 */
export class GpuRunner implements Runner {
  readonly kind = "gpu";
  private readonly log: GPUBuffer;
  private entries = 0;
  /** Scalars read back because the log filled up, not yet asked for. */
  private early: number[] = [];
  /** State no function reads or writes stays on the host. */
  private readonly hostState = new Map<string, TensorValue>();

  private constructor(
    private readonly gpu: GpuDevice,
    private readonly store: BufferStore,
    private readonly loaded: ReadonlyMap<string, Loaded>,
    private data: Readonly<Record<string, Value>>,
    /** Each state entry's type, to read it back. */
    private readonly stateTypes: ReadonlyMap<string, TensorType>,
    private readonly symbols: Readonly<Record<string, number>>,
    private readonly logEntries: number,
    private readonly pool: PoolLayout,
    private readonly onHost: Map<string, OnHost>,
  ) {
    this.log = store.get("log", 4 * logEntries);
  }

  /**
   * Plan every function over the data (values computed once on the host, mostly-zero data stored
   * compactly), load them sharing one store, and upload the initial state.
   */
  static async open(gpu: GpuDevice, program: RunnerProgram, options: { logEntries?: number } = {}): Promise<GpuRunner> {
    const { symbols, data } = program;
    const patterned = patternedInputs(data); // the data is scanned for zero patterns once
    const planned = new Map<string, FunctionPlan>(program.funcs.map((f) => [f.name, planFunction(f, { symbols, data, limits: gpu.bindingLimits }, patterned)]));
    const onHost = new Map<string, OnHost>();
    for (const func of program.funcs) {
      const plan = planned.get(func.name)!;
      if (!onHostOnly(func, plan)) continue;
      onHost.set(func.name, { func, hosted: plan.hosted, results: hostResults(func, plan.hosted, symbols, data) });
    }
    const devFuncs = program.funcs.filter((f) => !onHost.has(f.name));
    const plans = new Map([...planned].filter(([name]) => !onHost.has(name)));
    // One pack for every function's state, as the memory plan counts it.
    const packed = packedParams([...plans.values()].map((p) => p.launches));
    const written = (func: Func) => func.resultNames.flatMap((name, k): [number, string][] => (name in program.state ? [[k, name]] : []));
    // State written but read by none of these functions (another device's, over a partitioned
    // runner) still gets its place in the pack: state() reads it there.
    for (const func of program.funcs) for (const [, name] of written(func)) if (!packed.has(name)) packed.set(name, program.state[name].data.byteLength);
    const store = new BufferStore(gpu, packed);
    const pool = statePool(
      devFuncs.map((func) => ({ plan: plans.get(func.name)!.launches, resultNames: func.resultNames })),
      new Set(Object.keys(program.state)),
    );
    const shared = pool.buffers.map((bytes, k) => store.get(`scratch ${k}`, bytes));
    const loaded = new Map<string, Loaded>();
    for (const [f, func] of devFuncs.entries()) {
      const plan = plans.get(func.name)!;
      const pooled = new Map([...pool.slots[f]].map(([slot, k]) => [slot, shared[k]]));
      const prog = await loadFunction(gpu, func, { symbols, data, store, plan, pooled });
      const all = written(func);
      const updates = all.filter(([, name]) => plan.launches.params.has(name));
      const unread = all.filter(([, name]) => !plan.launches.params.has(name));
      // State the function writes without reading it is copied to its place in the pack.
      const writes = unread.map(([k, name]): [number, Place] => [k, store.param(name, packed)]);
      loaded.set(func.name, { func, program: prog, hosted: plan.hosted, updates, writes });
    }
    const stateTypes = new Map(Object.entries(program.state).map(([name, v]): [string, TensorType] => [name, { kind: "tensor", dtype: v.dtype, shape: v.shape }]));
    const runner = new GpuRunner(gpu, store, loaded, data, stateTypes, symbols, options.logEntries ?? LOG_ENTRIES, pool, onHost);
    runner.setState(program.state);
    return runner;
  }

  async run(name: string, inputs: Readonly<Record<string, Value>> = {}, options: RunOptions = {}): Promise<void> {
    const h = this.onHost.get(name);
    if (h) return this.runOnHost(h, inputs, options);
    const l = this.get(name);
    checkInputs(l.func, this.data, inputs);
    for (const [input, value] of Object.entries(inputs)) l.program.setInput(input, value);
    if (this.gpu.timer) this.gpu.timer.scope = name;
    const log = options.log === undefined ? undefined : { result: this.outputIndex(l, options.log), to: this.log, offset: 4 * this.entries++ };
    await l.program.run(l.updates, log, l.writes);
    if (this.entries === this.logEntries) {
      const early = await this.logged(); // resets `early`: append after it returns
      this.early.push(...early);
    }
  }

  async read(name: string, result: string): Promise<TensorValue> {
    const h = this.onHost.get(name);
    if (h) {
      const k = resultIndex(h.func, result);
      const v = h.outputs?.get(result);
      if (!v) throw new RunnerError(`\`${name}\` has not run yet, or its result \`${result}\` is state (read it with state())`);
      if (v.kind !== "tensor") throw new RunnerError(`result \`${h.func.resultNames[k]}\` of \`${name}\` is a ${v.kind}, not a tensor`);
      return v;
    }
    const l = this.get(name);
    const k = this.outputIndex(l, result);
    const type = l.func.body.find((n) => n.id === l.func.results[k])!.type;
    if (type.kind !== "tensor") throw new RunnerError(`result \`${result}\` of \`${name}\` is a ${type.kind}, not a tensor`);
    return l.program.readResult(k, type, concreteShape(type.shape, this.symbols, `result \`${result}\` of \`${name}\``));
  }

  async logged(): Promise<number[]> {
    // Taken now (see Runner): runs queued before the read resolves log from the start again.
    const early = this.early;
    const bytes = 4 * this.entries;
    this.early = [];
    this.entries = 0;
    const read = new Float32Array(await this.gpu.read(this.log, bytes));
    this.gpu.checkErrors();
    return [...early, ...read];
  }

  finish(): Promise<void> {
    return this.gpu.idle();
  }

  async state(names?: readonly string[]): Promise<Record<string, TensorValue>> {
    const wanted = names ?? [...this.stateTypes.keys()];
    for (const name of wanted) if (!this.stateTypes.has(name)) throw new RunnerError(`no state entry \`${name}\``);
    // Taken now (see Runner): the pack's copy is queued, and entries held on the host copied, before any await.
    const onHost = this.hostCopies(wanted);
    return this.assemble(wanted, await this.store.readParams(wanted), onHost);
  }

  snapshot(): StateSnapshot {
    const wanted = [...this.stateTypes.keys()];
    const onHost = this.hostCopies(wanted);
    const packed = this.store.snapshotParams();
    return { read: async () => this.assemble(wanted, await packed.read(), onHost), release: () => packed.release() };
  }

  /** Copies of the entries among `names` that live on the host (no function reads or writes them). */
  private hostCopies(names: readonly string[]): Map<string, TensorValue> {
    return new Map(names.flatMap((name) => {
      const host = this.hostState.get(name);
      return host ? [[name, { ...host, data: host.data.slice() }] as const] : [];
    }));
  }

  /** State entries as host tensors: packed ones from their bytes, the others from their host copies. */
  private assemble(names: readonly string[], packed: ReadonlyMap<string, ArrayBuffer>, onHost: ReadonlyMap<string, TensorValue>): Record<string, TensorValue> {
    const out: Record<string, TensorValue> = {};
    for (const name of names) {
      const type = this.stateTypes.get(name)!;
      const bytes = packed.get(name);
      out[name] = bytes ? { kind: "tensor", dtype: type.dtype, shape: [...type.shape] as number[], data: hostArray(type.dtype, bytes) } : onHost.get(name)!;
    }
    return out;
  }

  setState(values: Readonly<Record<string, TensorValue>>): void {
    for (const [name, value] of Object.entries(values)) {
      if (!this.stateTypes.has(name)) throw new RunnerError(`no state entry \`${name}\` to set`);
      // Every function's state lives in the one pack: writing it through one program sets it for all.
      const holder = [...this.loaded.values()].find((l) => l.program.plan.params.has(name));
      if (holder) holder.program.setParam(name, value);
      else if (this.store.packs(name)) this.store.writeParam(name, value.data);
      else this.hostState.set(name, value);
    }
  }

  setData(values: Readonly<Record<string, Value>>): void {
    for (const name of Object.keys(values)) if (!(name in this.data)) throw new RunnerError(`no data input \`${name}\` to replace`);
    this.data = { ...this.data, ...values };
    const options = { symbols: this.symbols, data: this.data };
    for (const l of this.loaded.values()) l.program.replaceData(hostValues(l.func, l.hosted, options), this.data, this.store);
    for (const h of this.onHost.values()) {
      h.results = hostResults(h.func, h.hosted, this.symbols, this.data);
      h.outputs = undefined; // outputs of the old data are not outputs of the new
    }
  }

  /** Every buffer the programs and the shared store (scratch included) allocated, all resident; nothing else is held. */
  memory(): RunnerMemory {
    const programs = [...this.loaded.values()].reduce((n, l) => n + l.program.ownedBytes, 0);
    let shared = 0;
    for (const b of this.store.buffers.values()) shared += b.size;
    const staging = [...this.loaded.values()].reduce((n, l) => n + packStagingBytes(l.program.plan, [...l.updates, ...l.writes.map(([k]) => [k, l.func.resultNames[k]] as const)]), 0);
    const predicted = deviceBytes([...this.loaded.values()].map((l) => l.program.plan), this.pool) + allocatedSize(4 * this.logEntries) + staging;
    // Functions of the data only hold their results on the host.
    const held = valueBytes([...this.onHost.values()].flatMap((h) => h.results));
    return { heldBytes: held, peakBytes: programs + shared, predictedBytes: predicted };
  }

  /** A run of a function of the data only: its state results uploaded, the others kept as outputs. */
  private async runOnHost(h: OnHost, inputs: Readonly<Record<string, Value>>, options: RunOptions): Promise<void> {
    checkInputs(h.func, this.data, inputs);
    const state: Record<string, TensorValue> = {};
    const outputs = new Map<string, Value>();
    h.func.resultNames.forEach((name, k) => {
      const v = h.results[k];
      if (this.stateTypes.has(name) && v.kind === "tensor") state[name] = v;
      else outputs.set(name, v);
    });
    this.setState(state);
    h.outputs = outputs;
    if (options.log !== undefined) {
      const v = outputs.get(options.log);
      if (v?.kind !== "tensor") throw new RunnerError(`\`${h.func.name}\` has no scalar result \`${options.log}\` to log`);
      this.early.push(...(await this.logged()), v.data[0]); // in order after what the device logged
    }
  }

  destroy(): void {
    for (const l of this.loaded.values()) l.program.destroy();
    this.store.destroy();
  }

  private get(name: string): Loaded {
    funcNamed(new Map([...[...this.loaded].map(([n, l]): [string, Func] => [n, l.func]), ...[...this.onHost].map(([n, h]): [string, Func] => [n, h.func])]), name);
    return this.loaded.get(name)!;
  }

  /** A result that is an output (not a state update) of the function. */
  private outputIndex(l: Loaded, result: string): number {
    const k = resultIndex(l.func, result);
    if (l.updates.some(([j]) => j === k)) throw new RunnerError(`result \`${result}\` of \`${l.func.name}\` is state (read it with state())`);
    return k;
  }
}

/** The results of a function of the data only, computed on the host. */
function hostResults(func: Func, hosted: readonly number[], symbols: Readonly<Record<string, number>>, data: Readonly<Record<string, Value>>): Value[] {
  const values = hostValues(func, hosted, { symbols, data });
  return func.results.map((id) => values.get(id)!);
}
