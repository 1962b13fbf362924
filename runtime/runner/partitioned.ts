import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { inputName, paramName } from "../../compiler/ir/struct-views.js";
import type { Func, Node } from "../../compiler/ir/types.js";
import type { TensorValue, Value } from "../../compiler/ir/values.js";
import type { Placement } from "../../compiler/plan/placement.js";
import type { GpuDevice } from "../gpu/index.js";
import type { DeviceRequest, FromWorker, ToWorker } from "./partition-worker.js";
import { funcNamed, RunnerError, type Runner, type RunnerMemory, type RunnerProgram, type RunOptions, type StateSnapshot } from "./runner.js";
import { decode, wireBytes, type Wire } from "./wire.js";

/**
 * A runner over several devices, each in a worker thread (./partition-worker.ts): the functions
 * of each contiguous group of parts (ADMM's layers) run on their group's device, concurrently with
 * the others. State moves between devices only when a function reads an entry whose newest value
 * another device wrote: the holder is asked for it after everything posted to it before (its
 * messages are handled in order), and the reader gets it before anything posted to it after. So
 * every function sees exactly the values it would see on one device running the same calls in
 * the same order, and the results are the same.
 *
 * Every transfer is counted at the width it travels: f32, or level indices for entries on a
 * level set (./wire.ts). Transfers between two parts' functions are the boundary exchanges;
 * the rest (setup, reports, evaluation) are counted apart.
 */

export interface Traffic {
  /** Bytes moved between functions of two parts (p, q, u across group boundaries). */
  boundaryBytes: number;
  /** Everything else: setup, the report's scalars and ρ, weights gathered for evaluation. */
  otherBytes: number;
  transfers: number;
}

interface Device {
  worker: Worker;
  /** Messages to this device go out through this chain, so a transfer's value arrives before what follows it. */
  chain: Promise<void>;
  memory: RunnerMemory;
  entries: Set<string>;
}

/** The entries a function reads (every `s.param`, nested regions included) and the inputs it takes. */
function leaves(func: Func): { params: Set<string>; inputs: Set<string> } {
  const params = new Set<string>();
  const inputs = new Set<string>();
  const visit = (nodes: readonly Node[]) => {
    for (const n of nodes) {
      const p = paramName(n);
      if (p !== undefined) params.add(p);
      const i = inputName(n);
      if (i !== undefined) inputs.add(i);
      for (const r of n.regions ?? []) visit(r.body);
    }
  };
  visit(func.body);
  return { params, inputs };
}

/** The worker's script: compiled JavaScript, or — running from the TypeScript sources (tests) — the .ts through a transpiling loader. */
function workerScript(): { url: URL; execArgv: string[] } {
  const js = new URL("./partition-worker.js", import.meta.url);
  if (existsSync(fileURLToPath(js))) return { url: js, execArgv: [] };
  const hooks = new URL("../../scripts/ts-worker-hooks.mjs", import.meta.url);
  return { url: new URL("./partition-worker.ts", import.meta.url), execArgv: ["--import", hooks.href] };
}

export class PartitionedRunner implements Runner {
  readonly kind: Runner["kind"];
  private readonly devices: Device[];
  private readonly home = new Map<string, number>();
  private readonly funcs: ReadonlyMap<string, Func>;
  private readonly reads = new Map<string, Set<string>>();
  private readonly parts: Readonly<Record<string, number>>;
  /** Per entry: the device holding its newest value, the devices whose copy is current, and the function that wrote it. */
  private readonly latest = new Map<string, number>();
  private readonly fresh = new Map<string, Set<number>>();
  private readonly writer = new Map<string, string>();
  private readonly logOrder: number[] = [];
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void; device: number }>();
  private readonly levels: Record<string, Float32Array> = {};
  private nextId = 0;
  private closed = false;
  private readonly moved: Traffic = { boundaryBytes: 0, otherBytes: 0, transfers: 0 };

  private constructor(program: RunnerProgram, placement: Placement, device: DeviceRequest) {
    this.kind = device.kind;
    this.parts = placement.parts;
    this.funcs = new Map(program.funcs.map((f) => [f.name, f]));
    const groups = placement.devices;
    const group = (part: number) => Math.floor((part * groups) / placement.count);
    for (const f of program.funcs) {
      const part = placement.parts[f.name];
      this.home.set(f.name, part === undefined ? 0 : group(part));
      this.reads.set(f.name, leaves(f).params);
    }
    const levels = this.levels;
    for (const [entry, table] of Object.entries(placement.quantized)) {
      const t = program.state[table];
      if (!t) throw new RunnerError(`the level set ${table} of ${entry} is no state entry`);
      levels[entry] = Float32Array.from(t.data);
    }
    const script = workerScript();
    this.devices = Array.from({ length: groups }, (_, d) => {
      const funcs = program.funcs.filter((f) => this.home.get(f.name) === d);
      const used = funcs.map(leaves);
      const entries = new Set<string>(used.flatMap((u) => [...u.params]));
      for (const f of funcs) for (const r of f.resultNames) if (r in program.state) entries.add(r);
      const inputs = new Set(used.flatMap((u) => [...u.inputs]));
      const sub: RunnerProgram = {
        funcs,
        data: Object.fromEntries(Object.entries(program.data).filter(([k]) => inputs.has(k))),
        state: Object.fromEntries(Object.entries(program.state).filter(([k]) => entries.has(k))),
        symbols: program.symbols,
      };
      const worker = new Worker(script.url, { execArgv: script.execArgv });
      worker.on("message", (m: FromWorker) => this.answer(m));
      worker.on("error", (e) => this.fail(d, e));
      worker.on("exit", (code) => code !== 0 && !this.closed && this.fail(d, new Error(`device ${d}'s worker exited with code ${code}`)));
      const dev: Device = { worker, chain: Promise.resolve(), memory: { heldBytes: 0, peakBytes: 0, predictedBytes: 0 }, entries };
      this.post(dev, { op: "open", program: sub, device, levels: Object.fromEntries(Object.entries(levels).filter(([k]) => entries.has(k))) });
      return dev;
    });
    for (const name of Object.keys(program.state)) {
      const holders = this.devices.flatMap((dev, d) => (dev.entries.has(name) ? [d] : []));
      if (holders.length) {
        this.latest.set(name, holders[0]);
        this.fresh.set(name, new Set(holders));
      }
    }
  }

  /** Open `placement.devices` devices: Dawn devices on the adapter `gpu` is on, or reference interpreters. */
  static async open(program: RunnerProgram, placement: Placement, gpu?: GpuDevice): Promise<PartitionedRunner> {
    const device: DeviceRequest = gpu ? { kind: "gpu", backend: gpu.adapter.backend } : { kind: "reference" };
    const runner = new PartitionedRunner(program, placement, device);
    // The first answer of each device says it opened (or why it could not).
    await Promise.all(runner.devices.map((_, d) => runner.request(d, { op: "logged", id: 0 })));
    return runner;
  }

  async run(func: string, inputs: Readonly<Record<string, Value>> = {}, options: RunOptions = {}): Promise<void> {
    const f = funcNamed(this.funcs, func);
    const d = this.home.get(func)!;
    for (const entry of this.reads.get(func)!) this.bring(entry, d, func);
    this.post(this.devices[d], { op: "run", func, inputs: { ...inputs }, ...(options.log ? { log: options.log } : {}) });
    if (options.log) this.logOrder.push(d);
    for (const r of f.resultNames) {
      if (!this.fresh.has(r)) continue;
      this.latest.set(r, d);
      this.fresh.set(r, new Set([d]));
      this.writer.set(r, func);
    }
  }

  /** Make device d's copy of `entry` current before its next message, if another device wrote it last. */
  private bring(entry: string, d: number, reader: string): void {
    const fresh = this.fresh.get(entry);
    if (!fresh || fresh.has(d)) return;
    const from = this.latest.get(entry)!;
    const writer = this.writer.get(entry);
    const boundary = writer !== undefined && this.parts[writer] !== undefined && this.parts[reader] !== undefined;
    const value = this.request(from, { op: "get", id: 0, names: [entry] }) as Promise<Record<string, Wire>>;
    const dev = this.devices[d];
    dev.chain = dev.chain.then(async () => {
      const values = await value;
      const bytes = wireBytes(values[entry]);
      if (boundary) this.moved.boundaryBytes += bytes;
      else this.moved.otherBytes += bytes;
      this.moved.transfers++;
      this.send(dev, { op: "set", values });
    }).catch((e: unknown) => this.fail(d, e instanceof Error ? e : new Error(String(e))));
    fresh.add(d);
  }

  /** The bytes moved so far, once every transfer asked for has arrived. */
  async traffic(): Promise<Traffic> {
    await Promise.all(this.devices.map((dev) => dev.chain));
    return { ...this.moved };
  }

  async read(func: string, result: string): Promise<TensorValue> {
    funcNamed(this.funcs, func);
    return (await this.request(this.home.get(func)!, { op: "read", id: 0, func, result })) as TensorValue;
  }

  async logged(): Promise<number[]> {
    const order = this.logOrder.splice(0);
    const logs = (await Promise.all(this.devices.map((_, d) => this.request(d, { op: "logged", id: 0 })))) as number[][];
    const at = logs.map(() => 0);
    return order.map((d) => logs[d][at[d]++]);
  }

  /** Every device has run what was posted to it (transfers included: a request queues behind them). */
  async finish(): Promise<void> {
    await Promise.all(this.devices.map((_, d) => this.request(d, { op: "finish", id: 0 })));
  }

  async state(names?: readonly string[]): Promise<Record<string, TensorValue>> {
    const wanted = names ?? [...this.latest.keys()];
    const byDevice = new Map<number, string[]>();
    for (const name of wanted) {
      const d = this.latest.get(name);
      if (d === undefined) throw new RunnerError(`no state entry \`${name}\``);
      byDevice.set(d, [...(byDevice.get(d) ?? []), name]);
    }
    const out: Record<string, TensorValue> = {};
    await Promise.all(
      [...byDevice].map(async ([d, list]) => {
        const values = (await this.request(d, { op: "get", id: 0, names: list })) as Record<string, Wire>;
        for (const [name, w] of Object.entries(values)) out[name] = decode(w, this.levels[name]);
      }),
    );
    return out;
  }

  /** Devices answer in the order they were asked, so the state asked for now is the snapshot: read at once, kept until wanted. */
  snapshot(): StateSnapshot {
    const values = this.state();
    values.catch(() => {}); // a snapshot released unread is never awaited; a read still sees the failure
    return { read: () => values, release: () => {} };
  }

  setState(values: Readonly<Record<string, TensorValue>>): void {
    for (const [name, t] of Object.entries(values)) {
      const holders = this.devices.flatMap((dev, d) => (dev.entries.has(name) ? [d] : []));
      if (holders.length === 0) throw new RunnerError(`no state entry \`${name}\``);
      for (const d of holders) this.post(this.devices[d], { op: "set", values: { [name]: { kind: "f32", shape: [...t.shape], data: Float32Array.from(t.data) } } });
      this.latest.set(name, holders[0]);
      this.fresh.set(name, new Set(holders));
      this.writer.delete(name);
    }
  }

  /** Layer-parallel devices each hold the inputs of their own layers, fixed when they open; no schedule that replaces data (a soup's subgraphs) runs partitioned. */
  setData(): void {
    throw new RunnerError("a partitioned runner's data is fixed when its devices open: replacing it is not supported");
  }

  memory(): RunnerMemory {
    return this.devices.reduce((sum, dev) => ({ heldBytes: sum.heldBytes + dev.memory.heldBytes, peakBytes: sum.peakBytes + dev.memory.peakBytes, predictedBytes: sum.predictedBytes + dev.memory.predictedBytes }), { heldBytes: 0, peakBytes: 0, predictedBytes: 0 });
  }

  destroy(): void {
    if (this.closed) return;
    this.closed = true;
    for (const dev of this.devices) {
      void dev.chain.then(() => {
        dev.worker.postMessage({ op: "close" } satisfies ToWorker);
        dev.worker.unref();
      });
    }
  }

  private post(dev: Device, m: ToWorker): void {
    dev.chain = dev.chain.then(() => this.send(dev, m)).catch((e: unknown) => this.fail(this.devices.indexOf(dev), e instanceof Error ? e : new Error(String(e))));
  }

  private send(dev: Device, m: ToWorker): void {
    const buffers = m.op === "set" ? Object.values(m.values).map((w) => (w.kind === "f32" ? w.data.buffer : w.packed.buffer)) : [];
    dev.worker.postMessage(m, buffers as ArrayBuffer[]);
  }

  private request(d: number, m: Extract<ToWorker, { id: number }>): Promise<unknown> {
    const id = ++this.nextId;
    if (this.broken) return Promise.reject(this.broken);
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, device: d });
      this.post(this.devices[d], { ...m, id });
    });
  }

  private answer(m: FromWorker): void {
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    if (m.ok) {
      this.devices[p.device].memory = m.memory;
      p.resolve(m.value);
    } else p.reject(new RunnerError(`device ${p.device}: ${m.error}`));
  }

  /** A device failed: so does every request, now and later (the devices' states no longer agree with the plan). */
  private fail(d: number, e: Error): void {
    this.broken ??= e instanceof RunnerError ? e : new RunnerError(`device ${d}: ${e.message}`);
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      p.reject(this.broken);
    }
  }

  private broken?: RunnerError;
}

export function openPartitionedRunner(program: RunnerProgram, placement: Placement, gpu?: GpuDevice): Promise<PartitionedRunner> {
  return PartitionedRunner.open(program, placement, gpu);
}
