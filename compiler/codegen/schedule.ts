import type { Span } from "../../grammar/span.js";
import { evalDim } from "../ir/dims.js";
import { formatLocation } from "../../grammar/span.js";
import type { Func, Node, Region, Type } from "../ir/types.js";
import { updateChains } from "../ir/update-chains.js";
import { deathsAfter } from "../plan/liveness.js";
import { CodegenError } from "./emit-context.js";
import { concatLaunches, MAX_CONCAT_OPERANDS } from "./concat.js";
import { emitKernel, hasKernel } from "./emit.js";
import { CompactValues } from "./schedule-compact.js";
import { PATTERN_ARRAYS } from "./pattern.js";
import { globalNormLaunches, MAX_NORM_OPERANDS } from "./optimizer-clip.js";
import { resolveKernelSizes, type KernelSpec } from "./kernel.js";
import { equilibriumUpdate, type EquilibriumScheduler } from "./schedule-equilibrium.js";

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
      /**
       * Equilibrium loops: the slot of the loop's flag words (codegen/equilibrium.ts). The body ends
       * with the convergence check and a state update that stops once converged, so the runtime may
       * run iterations in chunks, reading `flag` back between them and stopping when word 0 is set.
       */
      until?: { flag: number };
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
  /**
   * Graphs whose source-grouped view (graphBySource: indptr, edges) some kernel reads: the value
   * (an input by name, or a host value by id) and the two slots the runtime fills once at load.
   */
  bySource: readonly { graph: { input: string } | { hosted: number }; slots: readonly [number, number] }[];
  /**
   * Inputs stored compactly (their nonzero values in row order, see pattern.ts): the runtime
   * derives the pattern from the value given at load and uploads only the values.
   */
  compact: readonly string[];
  /** Patterned inputs some kernel reads the pattern of: the input and its slots in PATTERN_ARRAYS order. */
  patterns: readonly { input: string; slots: readonly number[] }[];
  /** Each function result's slots (one per tuple item / graph array). */
  results: readonly (readonly number[])[];
}

export interface ScheduleOptions {
  symbols: Readonly<Record<string, number>>;
  /**
   * Inputs that are mostly zeros with a pattern known at load (see pattern.ts), with their nonzero
   * counts: stored compactly; dropout and matmuls over them visit only the nonzeros, and any
   * other op reads a dense copy made just before it.
   */
  patterned?: ReadonlyMap<string, number>;
  /** Top-level node ids computed on the host (graph normalisation and the like). */
  hosted?: ReadonlySet<number>;
}

/**
 * Schedule `func`. Ops without a kernel are reported all at once, each with its `.gnn` location,
 * as one CodegenError: nothing half-runs on the GPU.
 */
export function scheduleFunc(func: Func, options: ScheduleOptions): Schedule {
  const s = new Scheduler(options, func.results);
  const missing = s.missingKernels(func.body);
  if (missing.length) {
    const list = [...new Set(missing.map((n) => `\`${n.op}\`${n.span ? ` (${formatLocation(n.span)})` : ""}`))].join(", ");
    throw new CodegenError(missing[0].op, `no WGSL kernel yet for ${list}`, missing[0].span);
  }
  const steps = s.body(func.body, new Set(), true);
  return {
    slots: s.slots,
    kernels: s.kernels,
    steps,
    inputs: s.inputs,
    params: s.params,
    hosted: s.hostedSlots,
    constants: s.constants,
    bySource: s.bySource,
    compact: [...s.inputs.keys()].filter((name) => options.patterned?.has(name)),
    patterns: s.compact.patterns,
    results: func.results.map((id) => s.resultSlots(id)),
  };
}

class Scheduler {
  readonly slots: Slot[] = [];
  readonly kernels: KernelSpec[] = [];
  readonly inputs = new Map<string, number[]>();
  readonly params = new Map<string, number>();
  readonly hostedSlots = new Map<number, number[]>();
  readonly constants = new Map<number, Int32Array>();
  readonly bySource: { graph: { input: string } | { hosted: number }; slots: readonly [number, number] }[] = [];
  /** Mostly-zero inputs stored compactly, and the values that share their pattern. */
  readonly compact: CompactValues;
  private readonly bySourceOf = new Map<number, readonly [number, number]>();
  private readonly inputNames = new Map<number, string>();
  private readonly byWgsl = new Map<string, number>();
  private readonly values = new Map<number, number[][]>(); // per value: one slot list per tuple item
  private readonly types = new Map<number, Type>();
  private readonly hosted: ReadonlySet<number>;
  private readonly pendingHost = new Set<number>();
  /** Memory reuse: holders per reusable slot, and free reusable slots by byte size. */
  private readonly holders = new Map<number, number>();
  private readonly free = new Map<number, number[]>();

  constructor(
    private readonly options: ScheduleOptions,
    private readonly topResults: readonly number[],
  ) {
    this.hosted = options.hosted ?? new Set();
    this.compact = new CompactValues(options.patterned ?? new Map(), {
      symbols: options.symbols,
      typeOf: (id) => this.types.get(id)!,
      size: (d) => this.size(d),
      byteSizes: (type) => this.byteSizes(type),
      slot: (bytes, label) => this.slot(bytes, label),
      reusable: (bytes, label) => this.reusable(bytes, label),
      hold: (slots) => this.hold(slots),
      launch: (n, kernel, out, operand) => this.launch(n, kernel, out, operand),
      slotsOf: (id) => this.slotsOf(id),
    });
  }

  /** A function result's slots; the runtime reads results densely, so a compactly stored one is refused. */
  resultSlots(id: number): number[] {
    const input = this.compact.inputOf(id);
    if (input !== undefined) throw new CodegenError("schedule", `a function result is input ${input} (or dropout of it), which is stored compactly; return a value computed from it`);
    return this.slotsOf(id);
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
        out.push(...this.missingKernels(n.regions![0].body, false));
      } else if (!["s.input", "s.param", "s.get"].includes(n.op) && !hasKernel(n.op)) out.push(n);
    }
    return out;
  }

  /**
   * Schedule a body. Values die after their last use (compiler/plan/liveness.ts) and their buffers
   * go back to a free list that later values of the same size reuse: the GPU runs launches in
   * order, so a buffer is rewritten only after its last reader has run.
   */
  body(nodes: readonly Node[], owned: ReadonlySet<number>, top = true, params: readonly Node[] = [], results: readonly number[] = []): Step[] {
    const steps: Step[] = [];
    const deaths = deathsAfter(params, nodes, top ? this.topResults : results);
    nodes.forEach((n, i) => {
      steps.push(...this.node(n, owned, top));
      const v = this.values.get(n.id);
      if (v && n.op !== "s.loop") this.hold(v.flat()); // a loop holds its state itself (see loop())
      for (const id of deaths[i]) {
        const dead = this.values.get(id);
        if (dead) this.release(dead.flat());
      }
    });
    return steps;
  }

  private node(n: Node, owned: ReadonlySet<number>, top: boolean): Step[] {
    const steps: Step[] = [];
    {
      this.types.set(n.id, n.type);
      if (n.op === "s.input") {
        const name = String(n.attrs.name);
        const nnz = this.compact.nonzerosOf(name);
        if (nnz !== undefined && !this.inputs.has(name)) this.inputs.set(name, [this.slot(nnz * 4, `${name} (nonzeros)`)]);
        this.values.set(n.id, [this.named(this.inputs, name, n.type)]);
        this.inputNames.set(n.id, name);
        this.compact.input(n.id, name);
      }
      else if (n.op === "s.param") this.values.set(n.id, [[this.param(String(n.attrs.name), n.type)]]);
      else if (top && this.hosted.has(n.id)) this.pendingHost.add(n.id);
      else if (n.op === "s.get") this.values.set(n.id, [this.valueOf(n.inputs[0])[n.attrs.index as number]]);
      else if (n.op === "s.loop") steps.push(...this.loop(n));
      else steps.push(...this.dispatch(n, owned));
    }
    return steps;
  }

  private hold(slots: readonly number[]): void {
    for (const s of slots) if (this.holders.has(s)) this.holders.set(s, this.holders.get(s)! + 1);
  }

  private release(slots: readonly number[]): void {
    for (const s of slots) {
      const n = this.holders.get(s);
      if (n === undefined) continue; // inputs, parameters, host values: never reused
      if (n > 1) {
        this.holders.set(s, n - 1);
        continue;
      }
      this.holders.set(s, 0);
      const bytes = this.slots[s].bytes;
      const list = this.free.get(bytes);
      if (list) list.push(s);
      else this.free.set(bytes, [s]);
    }
  }

  /** A buffer for a computed value: a free one of the same size, or a new one. */
  private reusable(bytes: number, label: string): number {
    const s = this.free.get(bytes)?.pop();
    if (s !== undefined) return s;
    const fresh = this.slot(bytes, label);
    this.holders.set(fresh, 0);
    return fresh;
  }

  private dispatch(n: Node, owned: ReadonlySet<number>): Step[] {
    // An owned loop accumulator's single reader is its in-place update (see ir/update-chains.ts).
    const inPlace = owned.has(n.inputs[0]);
    const types = n.inputs.map((id) => this.types.get(id)!);
    const options = { symbols: this.options.symbols, ...(inPlace ? { inPlace: true } : {}) };
    const dropout = this.compact.dropout(n);
    if (dropout) {
      this.values.set(n.id, [[dropout.out]]);
      return dropout.steps;
    }
    const steps: Step[] = [];
    const patterned = this.compact.matmul(n, types, options);
    const dense = patterned ? new Map<number, number>() : this.compact.densified(n, steps);
    // Ops with more operands than one kernel can bind run as several launches into one output.
    const kernels = patterned
      ? [patterned]
      : n.op === "t.concat" && n.inputs.length > MAX_CONCAT_OPERANDS
        ? concatLaunches(n, types, options)
        : n.op === "opt.global_norm" && n.inputs.length > MAX_NORM_OPERANDS
          ? globalNormLaunches(n, types, options)
          : [emitKernel(n, types, options)];
    const out = inPlace ? this.valueOf(n.inputs[0]) : this.fresh(n.type, `${kernels[0].name} %${n.id}`, true);
    this.values.set(n.id, out);
    for (const kernel of kernels) steps.push(this.launch(n, kernel, out[0][0], (id) => dense.get(id) ?? this.slotsOf(id)[0]));
    this.release([...dense.values()]);
    return steps;
  }

  /** One launch of `kernel` for node `n`: each binding's slot (`operand` gives a tensor operand's). */
  private launch(n: Node, kernel: KernelSpec, out: number, operand: (id: number) => number): Step {
    const buffers = kernel.bindings
      .filter((b) => b.source.kind !== "sizes")
      .map((b) => {
        const src = b.source;
        if (src.kind === "output") return out;
        if (src.kind === "input") return operand(n.inputs[src.input]);
        if (src.kind === "graph") return this.slotsOf(n.inputs[src.input])[["indptr", "src", "dst"].indexOf(src.array)];
        if (src.kind === "graph_by_src") return this.sourceView(n, n.inputs[src.input])[src.array === "indptr" ? 0 : 1];
        if (src.kind === "pattern") return this.compact.patternSlots(n.inputs[src.input])[PATTERN_ARRAYS.indexOf(src.array)];
        throw new CodegenError(n.op, `binding ${b.name} has an unknown source`, n.span);
      });
    return { kind: "dispatch", kernel: this.kernel(kernel), sizes: resolveKernelSizes(kernel, this.options.symbols), buffers };
  }

  /** The source-grouped view of a graph, filled at load from the graph's host value (an input or a host value). */
  private sourceView(n: Node, graph: number): readonly [number, number] {
    const known = this.bySourceOf.get(graph);
    if (known) return known;
    const input = this.inputNames.get(graph);
    if (input === undefined && !this.pendingHost.has(graph)) {
      throw new CodegenError(n.op, "reads a graph computed on the GPU by source; only input graphs and graphs computed once at load have that view", n.span);
    }
    const type = this.types.get(graph)!;
    if (type.kind !== "graph") throw new CodegenError(n.op, "operand is not a graph", n.span);
    const slots = [this.slot((this.size(type.nodes) + 1) * 4, `%${graph} by source.indptr`), this.slot(this.size(type.edges) * 4, `%${graph} by source.edges`)] as const;
    this.bySourceOf.set(graph, slots);
    this.bySource.push({ graph: input !== undefined ? { input } : { hosted: graph }, slots });
    return slots;
  }

  /**
   * A loop: its carried values live in slots of their own for the whole loop (initialised by a
   * copy); each iteration refills the index, runs the body, and copies each result back into its
   * carried slot (update chains write in place and need no copy).
   */
  private loop(n: Node): Step[] {
    const region: Region = n.regions![0];
    const trip = this.size(n.attrs.trip, n.span);
    const equilibrium = n.attrs.mode === "equilibrium";
    // An equilibrium iteration compares its result with the carried state: no in-place chains.
    const chains = equilibrium ? region.params.map(() => false) : updateChains(region);
    const [indexParam, ...carriedParams] = region.params;
    const index = this.slot(4, `loop %${n.id} index`);
    this.values.set(indexParam.id, [[index]]);
    this.types.set(indexParam.id, indexParam.type);
    const steps: Step[] = [];
    const carried = carriedParams.map((p, k) => {
      this.types.set(p.id, p.type);
      const slots = this.fresh(p.type, `loop %${n.id} carried ${k}`, true);
      this.values.set(p.id, slots);
      this.hold(slots.flat()); // the loop's value's hold: the state outlives every iteration
      this.hold(slots.flat()); // the region param's, released where the body last reads it
      steps.push(...this.initCarried(n, k, slots.flat(), p.type));
      return slots.flat();
    });
    const owned = new Set(carriedParams.filter((_, k) => chains[k + 1]).map((p) => p.id));
    const body = this.body(region.body, owned, false, region.params, region.results);
    let until: { flag: number } | undefined;
    if (equilibrium) {
      const types = carriedParams.map((p) => p.type);
      const update = equilibriumUpdate(this.equilibriumScheduler(), n, types, index, region.results.map((id) => this.slotsOf(id)), carried);
      body.push(...update.steps);
      until = { flag: update.flag };
    } else {
      region.results.forEach((id, k) => {
        const from = this.slotsOf(id);
        if (from.some((s, j) => s !== carried[k][j])) body.push(...this.copies(from, carried[k], carriedParams[k].type));
      });
    }
    // After the copies, the iteration's own results are dead (the loop's value is the carried state).
    const inside = new Set([...region.params, ...region.body].map((x) => x.id));
    for (const id of region.results) if (inside.has(id)) this.release(this.slotsOf(id));
    const indexTable = this.slot(4 * trip, `loop %${n.id} indices`);
    this.constants.set(indexTable, Int32Array.from({ length: trip }, (_, i) => i));
    steps.push({ kind: "loop", trip, reverse: n.attrs.reverse === true, index, indexTable, body, ...(until ? { until } : {}) });
    this.values.set(n.id, carried.map((slots) => slots));
    return steps;
  }

  /** Slots and launches for an equilibrium loop's control kernels (schedule-equilibrium.ts). */
  private equilibriumScheduler(): EquilibriumScheduler {
    return {
      slot: (bytes, label) => this.slot(bytes, label),
      launch: (kernel, buffers) => ({ kind: "dispatch", kernel: this.kernel(kernel), sizes: resolveKernelSizes(kernel, {}), buffers }),
      byteSizes: (type) => this.byteSizes(type),
    };
  }

  /** Fill carried value `k`'s slots with the loop's operand k: a copy, or the dense form of a compactly stored operand. */
  private initCarried(loop: Node, k: number, to: readonly number[], type: Type): Step[] {
    const id = loop.inputs[k];
    if (this.compact.inputOf(id) === undefined) return this.copies(this.slotsOf(id), to, type);
    return [this.compact.densify(loop, k, type, to[0])];
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
  private fresh(type: Type, label: string, reuse = false): number[][] {
    if (type.kind === "tuple") return type.items.map((t, k) => this.fresh(t, `${label}.${k}`, reuse).flat());
    return [
      this.byteSizes(type).map((bytes, j) => {
        const name = type.kind === "graph" ? `${label}.${["indptr", "src", "dst"][j]}` : label;
        return reuse ? this.reusable(bytes, name) : this.slot(bytes, name);
      }),
    ];
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
