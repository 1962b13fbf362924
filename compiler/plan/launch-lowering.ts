import { CodegenError } from "../codegen/emit-context.js";
import { emitLaunches } from "../codegen/emit.js";
import { resolveKernelSizes, type KernelSpec } from "../codegen/kernel.js";
import { intAttr } from "../ir/attrs.js";
import { inputName, loopOf, loopUpdateChains, paramName, tupleIndex, type LoopView } from "../ir/struct-views.js";
import type { Func, Node, Type } from "../ir/types.js";
import type { BufferAssignment } from "./buffer-assignment.js";
import { DEFAULT_BINDING_LIMITS, fitBindings } from "./binding-split.js";
import { allocatedSize } from "./device-bytes.js";
import { isView } from "./value-buffers.js";
import { CompactValues } from "./compact-values.js";
import { equilibriumUpdate, type EquilibriumPlanner } from "./equilibrium-launches.js";
import type { LaunchPlan, LaunchPlanOptions, Step } from "./launch-plan.js";

/**
 * The steps of a launch plan: each node's launches (a kernel, or several for ops with a launches
 * hook, see codegen/emit.ts), each binding resolved to a slot of the buffer assignment, and each
 * loop lowered to a host-driven repetition of its body with the copies that carry its state.
 */
export class LaunchLowering {
  /** Distinct kernels (by WGSL text). */
  readonly kernels: KernelSpec[] = [];
  readonly constants = new Map<number, Int32Array>();
  readonly bySource: LaunchPlan["bySource"][number][] = [];
  readonly graphOrders: LaunchPlan["graphOrders"][number][] = [];
  readonly keyFolds: LaunchPlan["keyFolds"][number][] = [];
  /** Mostly-zero inputs stored compactly, and the values that share their pattern. */
  readonly compact: CompactValues;
  private readonly byWgsl = new Map<string, number>();
  private readonly bySourceOf = new Map<number, readonly [number, number]>();
  private readonly orderOf = new Map<string, number>();
  /** `s.input` nodes → their input's name (graphs read by source are filled from the input). */
  private readonly inputNames = new Map<number, string>();

  constructor(
    private readonly options: LaunchPlanOptions,
    private readonly buffers: BufferAssignment,
  ) {
    this.compact = new CompactValues(options.patterned ?? new Map(), options.symbols, buffers, (n, kernel, out, operand) => this.launch(n, kernel, out, operand));
  }

  /** The steps of a whole function. */
  func(func: Func): Step[] {
    this.results = new Set(func.results);
    this.compact.readRowsIn(func.body);
    return this.body(func.body, func.results, new Set(), true);
  }

  /** The function's results (a reshape among them is copied, not viewed). */
  private results = new Set<number>();

  /** A function result's slots; the runtime reads results densely, so a compactly stored one is refused. */
  resultSlots(id: number): number[] {
    const input = this.compact.inputOf(id);
    if (input !== undefined) throw new CodegenError("launch plan", `a function result is input ${input} (or dropout of it), which is stored compactly; return a value computed from it`);
    return this.buffers.slotsOf(id);
  }

  /** A body's steps, its values given slots by the buffer assignment's walk. */
  private body(nodes: readonly Node[], results: readonly number[], owned: ReadonlySet<number>, top: boolean, params: readonly Node[] = []): Step[] {
    const steps: Step[] = [];
    this.buffers.values.walk(params, nodes, results, (n) => steps.push(...this.node(n, owned, top)));
    return steps;
  }

  private node(n: Node, owned: ReadonlySet<number>, top: boolean): Step[] {
    const { buffers } = this;
    buffers.record(n);
    const input = inputName(n);
    const param = paramName(n);
    const loop = loopOf(n);
    if (input !== undefined) {
      buffers.input(n, input, this.compact.nonzerosOf(input));
      this.inputNames.set(n.id, input);
      this.compact.input(n.id, input);
    } else if (param !== undefined) buffers.param(n, param);
    else if (top && this.options.hosted?.has(n.id)) buffers.hostLater(n);
    else if (tupleIndex(n) !== undefined) buffers.values.define(n.id, buffers.values.computed(n, owned, `%${n.id}`)); // its tuple's slots
    else if (loop) return this.loop(loop);
    else return this.dispatch(n, owned, top);
    return [];
  }

  /** A computed node's launches. */
  private dispatch(n: Node, owned: ReadonlySet<number>, top: boolean): Step[] {
    const { buffers } = this;
    // A top-level reshape views its operand's slots: no launch, no buffer. Not of a compactly
    // stored operand (its slot holds only the nonzeros), nor as a function result (the runtime
    // copies results into parameters, and a slot cannot be copied onto itself), nor in a loop
    // body (its results are copied into the carried state).
    if (top && isView(n, owned) && this.compact.inputOf(n.inputs[0]) === undefined && !this.results.has(n.id)) {
      buffers.values.define(n.id, buffers.values.computed(n, owned, `%${n.id}`));
      return [];
    }
    const folded = this.foldOnHost(n);
    if (folded !== undefined) {
      buffers.values.define(n.id, [[folded]]);
      return [];
    }
    const dropout = this.compact.dropout(n);
    if (dropout) {
      buffers.values.define(n.id, [[dropout.out]]);
      return dropout.steps;
    }
    // An owned loop accumulator's single reader is its in-place update (see ir/update-chains.ts).
    const inPlace = owned.has(n.inputs[0]);
    const types = n.inputs.map((id) => buffers.typeOf(id));
    const options = { symbols: this.options.symbols, ...(inPlace ? { inPlace: true } : {}) };
    const steps: Step[] = [];
    const patterned = this.compact.matmul(n, types, options);
    const dense = patterned ? new Map<number, number>() : this.compact.densified(n, steps);
    const kernels = patterned ?? emitLaunches(n, types, options);
    const out = buffers.values.computed(n, owned, `${kernels[kernels.length - 1].name} %${n.id}`, false);
    const scratch = this.scratch(n, kernels);
    for (const kernel of kernels) steps.push(this.launch(n, kernel, out[0][0], (id) => dense.get(id) ?? buffers.slotsOf(id)[0], scratch));
    for (const slot of [...dense.values(), ...scratch.values()]) buffers.release(slot);
    buffers.values.define(n.id, out);
    return steps;
  }

  /**
   * A key derived from an input key by a salt (`s.rng_fold` without an index: each dropout site's
   * key from the step's) is computed by the runtime when the input is given, into a slot of its
   * own: a launch of one invocation costs as much as a small kernel on lavapipe (80 µs, two per
   * Cora GCN step). The slot is never reused, because it is written before the run starts.
   */
  private foldOnHost(n: Node): number | undefined {
    const input = n.op === "s.rng_fold" && n.inputs.length === 1 ? this.inputNames.get(n.inputs[0]) : undefined;
    if (input === undefined) return undefined;
    const salt = intAttr(n.attrs, "salt");
    const slot = this.buffers.slot(8, `${input} folded by ${salt}`);
    this.keyFolds.push({ input, salt, slot });
    return slot;
  }

  /** Slots for the scratch buffers a node's launches share (by index), held until the caller releases them. */
  private scratch(n: Node, kernels: readonly KernelSpec[]): Map<number, number> {
    const slots = new Map<number, number>();
    for (const b of kernels.flatMap((k) => k.bindings)) {
      if (b.source.kind !== "scratch" || slots.has(b.source.index)) continue;
      const slot = this.buffers.take(b.source.bytes, n.type, `scratch ${b.source.index} of %${n.id}`);
      this.buffers.hold(slot);
      slots.set(b.source.index, slot);
    }
    return slots;
  }

  /**
   * One launch of `kernel` for node `n`: each binding's slot (`operand` gives a tensor operand's),
   * the kernel fitted to the binding limits (a slot split into parts appears once per part).
   */
  private launch(n: Node, kernel: KernelSpec, out: number, operand: (id: number) => number, scratch: ReadonlyMap<number, number> = new Map()): Step {
    const slots = kernel.bindings
      .filter((b) => b.source.kind !== "sizes")
      .map((b) => {
        const src = b.source;
        if (src.kind === "output") return out;
        if (src.kind === "scratch") return scratch.get(src.index)!;
        if (src.kind === "input") return operand(n.inputs[src.input]);
        if (src.kind === "graph") return this.buffers.slotsOf(n.inputs[src.input])[["indptr", "src", "dst"].indexOf(src.array)];
        if (src.kind === "graph_by_src") return this.sourceView(n, n.inputs[src.input])[src.array === "indptr" ? 0 : 1];
        if (src.kind === "graph_order") return this.orderView(n, n.inputs[src.input], src.by);
        if (src.kind === "pattern") return this.compact.patternSlot(n.inputs[src.input], src.array);
        if (src.kind === "column_values") return this.compact.columnValuesSlot(n.inputs[src.input]);
        if (src.kind === "kept") return this.compact.keptSlot(src.input === undefined ? n.id : n.inputs[src.input], src.array);
        throw new CodegenError(n.op, `binding ${b.name} has an unknown source`, n.span);
      });
    const bytes = slots.map((s) => allocatedSize(this.buffers.slots[s].bytes));
    const fitted = fitBindings(kernel, bytes, this.options.limits ?? DEFAULT_BINDING_LIMITS);
    const buffers = slots.flatMap((s, k) => Array<number>(fitted.parts[k]).fill(s));
    return { kind: "dispatch", kernel: this.kernel(fitted.kernel), sizes: resolveKernelSizes(kernel, this.options.symbols), buffers };
  }

  /** The source-grouped view of a graph, filled at load from the graph's host value (an input or a host value). */
  private sourceView(n: Node, graph: number): readonly [number, number] {
    const known = this.bySourceOf.get(graph);
    if (known) return known;
    const input = this.inputNames.get(graph);
    if (input === undefined && !this.buffers.isHostValue(graph)) {
      throw new CodegenError(n.op, "reads a graph computed on the GPU by source; only input graphs and graphs computed once at load have that view", n.span);
    }
    const type = this.buffers.typeOf(graph);
    if (type.kind !== "graph") throw new CodegenError(n.op, "operand is not a graph", n.span);
    const size = (d: number | string) => this.buffers.size(d, n.span);
    const slots = [this.buffers.slot((size(type.nodes) + 1) * 4, `%${graph} by source.indptr`), this.buffers.slot(size(type.edges) * 4, `%${graph} by source.edges`)] as const;
    this.bySourceOf.set(graph, slots);
    this.bySource.push({ graph: input !== undefined ? { input } : { hosted: graph }, slots });
    return slots;
  }

  /** The nodes of a graph most edges first (graph_order), filled at load from the graph's host value (an input or a host value). */
  private orderView(n: Node, graph: number, by: "dst" | "src"): number {
    const key = `${graph}:${by}`;
    const known = this.orderOf.get(key);
    if (known !== undefined) return known;
    const input = this.inputNames.get(graph);
    if (input === undefined && !this.buffers.isHostValue(graph)) {
      throw new CodegenError(n.op, "visits a graph computed on the GPU by degree; only input graphs and graphs computed once at load have that order", n.span);
    }
    const type = this.buffers.typeOf(graph);
    if (type.kind !== "graph") throw new CodegenError(n.op, "operand is not a graph", n.span);
    const slot = this.buffers.slot(this.buffers.size(type.nodes, n.span) * 4, `%${graph} by ${by === "dst" ? "in" : "out"}-degree`);
    this.graphOrders.push({ graph: input !== undefined ? { input } : { hosted: graph }, by, slot });
    this.orderOf.set(key, slot);
    return slot;
  }

  /**
   * A loop: its carried values live in slots of their own for the whole loop (initialised by a
   * copy); each iteration refills the index, runs the body, and copies each result back into its
   * carried slot (update chains write in place and need no copy).
   */
  private loop(loop: LoopView): Step[] {
    const { buffers } = this;
    const n = loop.node;
    const region = loop.body;
    const trip = buffers.size(loop.trip, n.span);
    const equilibrium = loop.mode === "equilibrium";
    const chains = loopUpdateChains(loop);
    const [indexParam, ...carriedParams] = region.params;
    const index = buffers.slot(4, `loop %${n.id} index`);
    buffers.record(indexParam);
    buffers.values.bind(indexParam.id, [[index]]);
    const steps: Step[] = [];
    const carried = carriedParams.map((p, k) => {
      buffers.record(p);
      const slots = buffers.values.fresh(p.type, `loop %${n.id} carried ${k}`);
      for (const s of slots.flat()) buffers.hold(s); // the loop value's hold: the state outlives every iteration
      buffers.values.define(p.id, slots); // the region param's, released where the body last reads it
      steps.push(...this.initCarried(n, k, slots.flat(), p.type));
      return slots.flat();
    });
    const owned = new Set(carriedParams.filter((_, k) => chains[k + 1]).map((p) => p.id));
    const body = this.body(region.body, region.results, owned, false, region.params);
    let until: { flag: number } | undefined;
    if (equilibrium) {
      const types = carriedParams.map((p) => p.type);
      const update = equilibriumUpdate(this.equilibriumPlanner(), loop, types, index, region.results.map((id) => buffers.slotsOf(id)), carried);
      body.push(...update.steps);
      until = { flag: update.flag };
    } else {
      region.results.forEach((id, k) => {
        const from = buffers.slotsOf(id);
        if (from.some((s, j) => s !== carried[k][j])) body.push(...this.copies(from, carried[k], carriedParams[k].type));
      });
    }
    // After the copies, the iteration's own results are dead (the loop's value is the carried state).
    const inside = new Set([...region.params, ...region.body].map((x) => x.id));
    for (const id of region.results) if (inside.has(id)) buffers.values.release(id);
    const indexTable = buffers.slot(4 * trip, `loop %${n.id} indices`);
    this.constants.set(indexTable, Int32Array.from({ length: trip }, (_, i) => i));
    steps.push({ kind: "loop", trip, reverse: loop.reverse, index, indexTable, body, ...(until ? { until } : {}) });
    buffers.values.bind(n.id, carried.map((slots) => slots));
    return steps;
  }

  /** Slots and launches for an equilibrium loop's control kernels (equilibrium-launches.ts). */
  private equilibriumPlanner(): EquilibriumPlanner {
    return {
      slot: (bytes, label) => this.buffers.slot(bytes, label),
      launch: (kernel, buffers) => ({ kind: "dispatch", kernel: this.kernel(kernel), sizes: resolveKernelSizes(kernel, {}), buffers }),
      byteSizes: (type) => this.buffers.byteSizes(type),
    };
  }

  /** Fill carried value `k`'s slots with the loop's operand k: a copy, or the dense form of a compactly stored operand. */
  private initCarried(loop: Node, k: number, to: readonly number[], type: Type): Step[] {
    const id = loop.inputs[k];
    if (this.compact.inputOf(id) === undefined) return this.copies(this.buffers.slotsOf(id), to, type);
    return [this.compact.densify(loop, k, type, to[0])];
  }

  private copies(from: readonly number[], to: readonly number[], type: Type): Step[] {
    const bytes = this.buffers.byteSizes(type);
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
}
