import type { Span } from "../../grammar/span.js";
import { evalDim } from "../ir/dims.js";
import { formatLocation } from "../../grammar/span.js";
import type { Func, Node, Region, Type } from "../ir/types.js";
import { updateChains } from "../ir/update-chains.js";
import { CodegenError } from "./emit-context.js";
import { emitKernel, hasKernel } from "./emit.js";
import { resolveKernelSizes, type KernelSpec } from "./kernel.js";

/**
 * A function scheduled for a GPU: every value gets buffer slots, every node a kernel launch (or a
 * copy), every loop a host-driven repetition of its body's launches. Pure data — the runtime
 * allocates the slots, compiles the kernels and records the steps into one command encoder.
 *
 * Sizes are concrete: a schedule is made once the data is bound (symbols known).
 */

/** A buffer the runtime allocates: its size in bytes (before padding) and a label for errors. */
export interface Slot {
  bytes: number;
  label: string;
}

export type Step =
  | { kind: "dispatch"; kernel: number; sizes: Readonly<Record<string, number>>; buffers: readonly number[] }
  | { kind: "copy"; from: number; to: number; bytes: number }
  | {
      kind: "loop";
      trip: number;
      reverse: boolean;
      /** Slot of the i32 index the body reads, refilled from `indexTable` (one i32 per iteration) before each iteration. */
      index: number;
      indexTable: number;
      body: readonly Step[];
    };

export interface Schedule {
  slots: readonly Slot[];
  /** Distinct kernels (by WGSL text); steps refer to them by position. */
  kernels: readonly KernelSpec[];
  steps: readonly Step[];
  /** `s.input` names → their slots (a graph has three: indptr, src, dst; an rng key one). */
  inputs: ReadonlyMap<string, readonly number[]>;
  /** `s.param` names → slot. */
  params: ReadonlyMap<string, number>;
  /** Values computed on the host once (they depend on unchanging data only) → their slots. */
  hosted: ReadonlyMap<number, readonly number[]>;
  /** Slots the runtime fills once with the given words (loop index tables). */
  constants: ReadonlyMap<number, Int32Array>;
  /** Each function result's slots (one per tuple item / graph array). */
  results: readonly (readonly number[])[];
}

export interface ScheduleOptions {
  symbols: Readonly<Record<string, number>>;
  /** Top-level node ids computed on the host (graph normalisation and the like). */
  hosted?: ReadonlySet<number>;
}

/** The ops that write into an owned loop accumulator instead of a new buffer (see ir/update-chains.ts). */
const IN_PLACE = new Set(["t.scatter_slice", "t.slice_add"]);

/**
 * Schedule `func`. Ops without a kernel are reported all at once, each with its `.gnn` location,
 * as one CodegenError: nothing half-runs on the GPU.
 */
export function scheduleFunc(func: Func, options: ScheduleOptions): Schedule {
  const s = new Scheduler(options);
  const missing = s.missingKernels(func.body);
  if (missing.length) {
    const list = [...new Set(missing.map((n) => `\`${n.op}\`${n.span ? ` (${formatLocation(n.span)})` : ""}`))].join(", ");
    throw new CodegenError(missing[0].op, `no WGSL kernel yet for ${list}`, missing[0].span);
  }
  const steps = s.body(func.body, new Set());
  return {
    slots: s.slots,
    kernels: s.kernels,
    steps,
    inputs: s.inputs,
    params: s.params,
    hosted: s.hostedSlots,
    constants: s.constants,
    results: func.results.map((id) => s.slotsOf(id)),
  };
}

class Scheduler {
  readonly slots: Slot[] = [];
  readonly kernels: KernelSpec[] = [];
  readonly inputs = new Map<string, number[]>();
  readonly params = new Map<string, number>();
  readonly hostedSlots = new Map<number, number[]>();
  readonly constants = new Map<number, Int32Array>();
  private readonly byWgsl = new Map<string, number>();
  private readonly values = new Map<number, number[][]>(); // per value: one slot list per tuple item
  private readonly types = new Map<number, Type>();
  private readonly hosted: ReadonlySet<number>;
  private readonly pendingHost = new Set<number>();

  constructor(private readonly options: ScheduleOptions) {
    this.hosted = options.hosted ?? new Set();
  }

  slotsOf(id: number): number[] {
    return this.valueOf(id).flat();
  }

  /** A value's slots; a host-computed value gets its slots when first read on the GPU (interior host values never do). */
  private valueOf(id: number): number[][] {
    let v = this.values.get(id);
    if (!v && this.pendingHost.has(id)) {
      v = this.fresh(this.types.get(id)!, `host %${id}`);
      this.hostedSlots.set(id, v.flat());
      this.values.set(id, v);
    }
    if (!v) throw new Error(`schedule: value %${id} has no buffer`);
    return v;
  }

  /** Nodes that would need a kernel and have none (regions included). */
  missingKernels(body: readonly Node[], top = true): Node[] {
    const out: Node[] = [];
    for (const n of body) {
      if (top && this.hosted.has(n.id)) continue;
      if (n.op === "s.loop") {
        if (n.attrs.mode === "equilibrium") out.push(n); // early stopping needs a readback per iteration: not on the GPU yet
        out.push(...this.missingKernels(n.regions![0].body, false));
      } else if (!["s.input", "s.param", "s.get"].includes(n.op) && !hasKernel(n.op)) out.push(n);
    }
    return out;
  }

  body(nodes: readonly Node[], owned: ReadonlySet<number>, top = true): Step[] {
    const steps: Step[] = [];
    for (const n of nodes) {
      this.types.set(n.id, n.type);
      if (n.op === "s.input") this.values.set(n.id, [this.named(this.inputs, String(n.attrs.name), n.type)]);
      else if (n.op === "s.param") this.values.set(n.id, [[this.param(String(n.attrs.name), n.type)]]);
      else if (top && this.hosted.has(n.id)) this.pendingHost.add(n.id);
      else if (n.op === "s.get") this.values.set(n.id, [this.valueOf(n.inputs[0])[n.attrs.index as number]]);
      else if (n.op === "s.loop") steps.push(...this.loop(n));
      else steps.push(this.dispatch(n, owned));
    }
    return steps;
  }

  private dispatch(n: Node, owned: ReadonlySet<number>): Step {
    const inPlace = IN_PLACE.has(n.op) && owned.has(n.inputs[0]);
    const kernel = emitKernel(
      n,
      n.inputs.map((id) => this.types.get(id)!),
      { symbols: this.options.symbols, ...(inPlace ? { inPlace: true } : {}) },
    );
    const out = inPlace ? this.valueOf(n.inputs[0]) : this.fresh(n.type, `${kernel.name} %${n.id}`);
    this.values.set(n.id, out);
    const buffers = kernel.bindings
      .filter((b) => b.source.kind !== "sizes")
      .map((b) => {
        const src = b.source;
        if (src.kind === "output") return out[0][0];
        if (src.kind === "input") return this.slotsOf(n.inputs[src.input])[0];
        if (src.kind === "graph") return this.slotsOf(n.inputs[src.input])[["indptr", "src", "dst"].indexOf(src.array)];
        throw new CodegenError(n.op, `binding ${b.name} has an unknown source`, n.span);
      });
    return { kind: "dispatch", kernel: this.kernel(kernel), sizes: resolveKernelSizes(kernel, this.options.symbols), buffers };
  }

  /**
   * A loop: its carried values live in slots of their own for the whole loop (initialised by a
   * copy); each iteration refills the index, runs the body, and copies each result back into its
   * carried slot (update chains write in place and need no copy).
   */
  private loop(n: Node): Step[] {
    const region: Region = n.regions![0];
    const trip = this.size(n.attrs.trip, n.span);
    const chains = updateChains(region);
    const [indexParam, ...carriedParams] = region.params;
    const index = this.slot(4, `loop %${n.id} index`);
    this.values.set(indexParam.id, [[index]]);
    this.types.set(indexParam.id, indexParam.type);
    const steps: Step[] = [];
    const carried = carriedParams.map((p, k) => {
      this.types.set(p.id, p.type);
      const slots = this.fresh(p.type, `loop %${n.id} carried ${k}`);
      this.values.set(p.id, slots);
      steps.push(...this.copies(this.slotsOf(n.inputs[k]), slots.flat(), p.type));
      return slots.flat();
    });
    const owned = new Set(carriedParams.filter((_, k) => chains[k + 1]).map((p) => p.id));
    const body = this.body(region.body, owned, false);
    region.results.forEach((id, k) => {
      const from = this.slotsOf(id);
      if (from.some((s, j) => s !== carried[k][j])) body.push(...this.copies(from, carried[k], carriedParams[k].type));
    });
    const indexTable = this.slot(4 * trip, `loop %${n.id} indices`);
    this.constants.set(indexTable, Int32Array.from({ length: trip }, (_, i) => i));
    steps.push({ kind: "loop", trip, reverse: n.attrs.reverse === true, index, indexTable, body });
    this.values.set(n.id, carried.map((slots) => slots));
    return steps;
  }

  private copies(from: readonly number[], to: readonly number[], type: Type): Step[] {
    const bytes = this.byteSizes(type);
    return from.map((f, j) => ({ kind: "copy" as const, from: f, to: to[j], bytes: bytes[j] }));
  }

  private kernel(k: KernelSpec): number {
    // Nodes with the same WGSL share one pipeline (errors then name the first node's kernel).
    const known = this.byWgsl.get(k.wgsl);
    if (known !== undefined) return known;
    this.kernels.push(k);
    this.byWgsl.set(k.wgsl, this.kernels.length - 1);
    return this.kernels.length - 1;
  }

  private named(table: Map<string, number[]>, name: string, type: Type): number[] {
    let slots = table.get(name);
    if (!slots) table.set(name, (slots = this.fresh(type, name).flat()));
    return slots;
  }

  private param(name: string, type: Type): number {
    let slot = this.params.get(name);
    if (slot === undefined) this.params.set(name, (slot = this.fresh(type, name)[0][0]));
    return slot;
  }

  /** New slots for a value of `type`: one list per tuple item. */
  private fresh(type: Type, label: string): number[][] {
    if (type.kind === "tuple") return type.items.map((t, k) => this.fresh(t, `${label}.${k}`).flat());
    return [this.byteSizes(type).map((bytes, j) => this.slot(bytes, type.kind === "graph" ? `${label}.${["indptr", "src", "dst"][j]}` : label))];
  }

  private byteSizes(type: Type): number[] {
    switch (type.kind) {
      case "tensor":
        return [type.shape.reduce<number>((n, d) => n * this.size(d), 1) * 4]; // f32, i32, u32 and bool (as u32): 4 bytes
      case "graph":
        return [(this.size(type.nodes) + 1) * 4, this.size(type.edges) * 4, this.size(type.edges) * 4];
      case "rng":
        return [8];
      case "tuple":
        return type.items.flatMap((t) => this.byteSizes(t));
    }
  }

  private slot(bytes: number, label: string): number {
    this.slots.push({ bytes, label });
    return this.slots.length - 1;
  }

  private size(d: unknown, span?: Span): number {
    const v = evalDim(d as number | string, this.options.symbols);
    if (v === undefined) throw new CodegenError("schedule", `size ${String(d)} is not bound`, span);
    return v;
  }
}
