import { FuncBuilder } from "../../compiler/ir/builder.js";
import { concreteShape } from "../../compiler/ir/dims.js";
import { paramName } from "../../compiler/ir/struct-views.js";
import type { Func, TensorType } from "../../compiler/ir/types.js";
import type { TensorValue, Value } from "../../compiler/ir/values.js";
import { allocatedSize, deviceBytes, packedParams } from "../../compiler/plan/index.js";
import { BufferStore, loadFunction, planFunction, patternedInputs, type FunctionPlan, type GpuDevice, type GpuProgram } from "../gpu/index.js";
import { hostArray } from "../gpu/host-data.js";
import { checkInputs, funcNamed, resultIndex, RunnerError, type Runner, type RunnerMemory, type RunnerProgram, type RunOptions } from "./runner.js";

/**
 * `func` reading every state entry it writes: a state update is a copy into the entry's place in
 * the parameter pack, and a function's plan places only the parameters it reads. A function that
 * overwrites state without reading it (a projection, a recorded value) gets an `s.param` leaf for
 * it, which places it and computes nothing.
 */
function readingWhatItWrites(func: Func, state: Readonly<Record<string, TensorValue>>): Func {
  const read = new Set(func.body.map(paramName).filter((n) => n !== undefined));
  const unread = func.resultNames.filter((name) => name in state && !read.has(name));
  if (unread.length === 0) return func;
  const b = new FuncBuilder(func.name, func, true);
  for (const name of unread) b.leaf("s.param", { kind: "tensor", dtype: state[name].dtype, shape: state[name].shape }, { name });
  for (const n of func.body) b.append(n);
  return b.finish(func.results, func.resultNames);
}

/** Room for this many logged scalars between readbacks by default (when full, a run reads them back). */
const LOG_ENTRIES = 1024;

interface Loaded {
  func: Func;
  program: GpuProgram;
  /** [result, state entry]: results copied over the state they replace, on the GPU, in the same submission. */
  updates: readonly (readonly [number, string])[];
}

/**
 * The GPU runner: every function resident on Dawn, sharing one buffer store — the data uploaded
 * once, and every state entry in one packed buffer that all functions read. A run is one
 * submission; state updates are copied on the GPU and logged scalars go into a log on the GPU.
 * Nothing is read back until a client asks (an output, the log, the state).
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
    private readonly data: Readonly<Record<string, Value>>,
    /** Each state entry's type, to read it back. */
    private readonly stateTypes: ReadonlyMap<string, TensorType>,
    private readonly symbols: Readonly<Record<string, number>>,
    private readonly logEntries: number,
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
    const funcs = program.funcs.map((f) => readingWhatItWrites(f, program.state));
    const plans = new Map<string, FunctionPlan>(funcs.map((f) => [f.name, planFunction(f, { symbols, data }, patterned)]));
    // One pack for every function's state, as the memory plan counts it.
    const store = new BufferStore(gpu, packedParams([...plans.values()].map((p) => p.launches)));
    const loaded = new Map<string, Loaded>();
    for (const func of funcs) {
      const plan = plans.get(func.name)!;
      const prog = await loadFunction(gpu, func, { symbols, data, store, plan });
      const updates = func.resultNames.flatMap((name, k): [number, string][] => (name in program.state ? [[k, name]] : []));
      loaded.set(func.name, { func, program: prog, updates });
    }
    const stateTypes = new Map(Object.entries(program.state).map(([name, v]): [string, TensorType] => [name, { kind: "tensor", dtype: v.dtype, shape: v.shape }]));
    const runner = new GpuRunner(gpu, store, loaded, data, stateTypes, symbols, options.logEntries ?? LOG_ENTRIES);
    runner.setState(program.state);
    return runner;
  }

  async run(name: string, inputs: Readonly<Record<string, Value>> = {}, options: RunOptions = {}): Promise<void> {
    const l = this.get(name);
    checkInputs(l.func, this.data, inputs);
    for (const [input, value] of Object.entries(inputs)) l.program.setInput(input, value);
    const log = options.log === undefined ? undefined : { result: this.outputIndex(l, options.log), to: this.log, offset: 4 * this.entries++ };
    await l.program.run(l.updates, log);
    if (this.entries === this.logEntries) {
      const early = await this.logged(); // resets `early`: append after it returns
      this.early.push(...early);
    }
  }

  async read(name: string, result: string): Promise<TensorValue> {
    const l = this.get(name);
    const k = this.outputIndex(l, result);
    const type = l.func.body.find((n) => n.id === l.func.results[k])!.type;
    if (type.kind !== "tensor") throw new RunnerError(`result \`${result}\` of \`${name}\` is a ${type.kind}, not a tensor`);
    return l.program.readResult(k, type, concreteShape(type.shape, this.symbols, `result \`${result}\` of \`${name}\``));
  }

  async logged(): Promise<number[]> {
    const read = new Float32Array(await this.gpu.read(this.log, 4 * this.entries));
    this.gpu.checkErrors();
    const out = [...this.early, ...read];
    this.early = [];
    this.entries = 0;
    return out;
  }

  async state(names?: readonly string[]): Promise<Record<string, TensorValue>> {
    const wanted = names ?? [...this.stateTypes.keys()];
    const packed = await this.store.readParams();
    const out: Record<string, TensorValue> = {};
    for (const name of wanted) {
      const type = this.stateTypes.get(name);
      if (!type) throw new RunnerError(`no state entry \`${name}\``);
      const bytes = packed.get(name);
      const host = this.hostState.get(name);
      out[name] = bytes ? { kind: "tensor", dtype: type.dtype, shape: [...type.shape] as number[], data: hostArray(type.dtype, bytes) } : { ...host!, data: host!.data.slice() };
    }
    return out;
  }

  setState(values: Readonly<Record<string, TensorValue>>): void {
    for (const [name, value] of Object.entries(values)) {
      if (!this.stateTypes.has(name)) throw new RunnerError(`no state entry \`${name}\` to set`);
      // Every function's state lives in the one pack: writing it through one program sets it for all.
      const holder = [...this.loaded.values()].find((l) => l.program.plan.params.has(name));
      if (holder) holder.program.setParam(name, value);
      else this.hostState.set(name, value);
    }
  }

  /** Every buffer the programs and the shared store allocated (all stay resident); nothing else is held. */
  memory(): RunnerMemory {
    const programs = [...this.loaded.values()].reduce((n, l) => n + l.program.ownedBytes, 0);
    let shared = 0;
    for (const b of this.store.buffers.values()) shared += b.size;
    const predicted = deviceBytes([...this.loaded.values()].map((l) => l.program.plan)) + allocatedSize(4 * this.logEntries);
    return { heldBytes: 0, peakBytes: programs + shared, predictedBytes: predicted };
  }

  destroy(): void {
    for (const l of this.loaded.values()) l.program.destroy();
    this.store.destroy();
  }

  private get(name: string): Loaded {
    funcNamed(new Map([...this.loaded].map(([n, l]) => [n, l.func])), name);
    return this.loaded.get(name)!;
  }

  /** A result that is an output (not a state update) of the function. */
  private outputIndex(l: Loaded, result: string): number {
    const k = resultIndex(l.func, result);
    if (l.updates.some(([j]) => j === k)) throw new RunnerError(`result \`${result}\` of \`${l.func.name}\` is state (read it with state())`);
    return k;
  }
}
