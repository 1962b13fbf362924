import { formatLocation, type Span } from "../../grammar/span.js";
import { withDefaults } from "../../compiler/ir/builder.js";
import { getOpSpec } from "../../compiler/ir/ops/index.js";
import type { InterpretContext } from "../../compiler/ir/spec.js";
import type { Func, Node, Region } from "../../compiler/ir/types.js";
import type { FloatPrecision, TensorValue, Value } from "../../compiler/ir/values.js";
import { LEAF_OPS } from "../../compiler/ir/ops/struct.js";
import { inputName, paramName } from "../../compiler/ir/struct-views.js";
import { updateChains } from "../../compiler/ir/update-chains.js";
import { deathsAfter } from "../../compiler/plan/liveness.js";
import { SymbolTable } from "./bind.js";
import type { DataMemo } from "./data-memo.js";
import { MemoryMeter } from "./memory-meter.js";

/**
 * The reference interpreter: walks a function's nodes in order and computes each with its op's
 * `interpret` from the spec table (f32 storage, f64 accumulation). It is the living definition
 * of every op that the GPU kernels are tested against.
 *
 * In f64 mode (for finite-difference gradient checks) every float tensor is stored as a
 * Float64Array: float inputs and parameters are widened on entry and ops allocate f64 results.
 */

export interface RunEnv {
  /** Values for `s.input{name}` leaves. */
  inputs: Readonly<Record<string, Value>>;
  /** Values for `s.param{name}` leaves. */
  params: Readonly<Record<string, TensorValue>>;
  /** Known symbol sizes (the module's symbols, say); the rest are learnt from the inputs' shapes. */
  symbols?: Readonly<Record<string, number>>;
}

export interface RunOptions {
  /** Float storage: f32 (default, what the device computes) or f64. */
  precision?: FloatPrecision;
  /** Measures the run's peak bytes of held values (see memory-meter.ts). */
  meter?: MemoryMeter;
  /** Reuse values that depend only on unchanging inputs across calls (see data-memo.ts). */
  memo?: DataMemo;
}

/** A float tensor stored as Float64Array (widened exactly); other values unchanged. */
function widen(v: Value): Value {
  if (v.kind !== "tensor" || !(v.data instanceof Float32Array)) return v;
  return { ...v, data: Float64Array.from(v.data) };
}

/** An op failed while running; names the op, the node and the `.gnn` text it came from. */
export class InterpretError extends Error {
  constructor(
    readonly op: string,
    readonly nodeId: number,
    readonly detail: string,
    readonly span?: Span,
  ) {
    super(`${op} (%${nodeId})${span ? ` at ${formatLocation(span)}` : ""}: ${detail}`);
  }
}

/**
 * Values by id; a region's frame sees its enclosing frames (regions may use outer values). A
 * frame holds its computed values on the memory meter until they die (or the frame ends).
 */
class Frame {
  private readonly values = new Map<number, Value>();
  private readonly metered = new Set<number>();
  constructor(
    private readonly meter: MemoryMeter,
    private readonly parent?: Frame,
  ) {}
  /** `held`: a value this frame owns for the meter (not an input or parameter held by the caller). */
  set(id: number, v: Value, held: boolean): void {
    this.values.set(id, v);
    if (!held) return;
    this.meter.hold(v);
    this.metered.add(id);
  }
  get(id: number): Value | undefined {
    return this.values.get(id) ?? this.parent?.get(id);
  }
  drop(id: number): void {
    const v = this.values.get(id);
    if (!v) return;
    this.values.delete(id);
    if (this.metered.delete(id)) this.meter.release(v);
  }
  /** Release everything still held (a region's frame at the end of an iteration). */
  close(): void {
    for (const id of [...this.metered]) this.drop(id);
  }
}

/** Liveness of each body, computed once per body. */
const deathCache = new WeakMap<readonly Node[], (readonly number[])[]>();
function deathsOf(params: readonly Node[], body: readonly Node[], results: readonly number[]): (readonly number[])[] {
  let d = deathCache.get(body);
  if (!d) deathCache.set(body, (d = deathsAfter(params, body, results)));
  return d;
}

class Run {
  constructor(
    private readonly env: RunEnv,
    private readonly symbols: SymbolTable,
    private readonly precision: FloatPrecision,
    readonly meter: MemoryMeter,
    private readonly memo?: DataMemo,
  ) {}

  /** Run a body, freeing each value after its last use (the results stay). */
  body(params: readonly Node[], nodes: readonly Node[], results: readonly number[], frame: Frame, owned: ReadonlySet<number> = new Set()): void {
    const deaths = deathsOf(params, nodes, results);
    const fixed = this.memo && params.length === 0 ? this.memo.staticIn(nodes) : undefined;
    nodes.forEach((node, i) => {
      let value = fixed?.has(node.id) ? this.memo!.values.get(node) : undefined;
      if (!value) {
        value = this.node(node, frame, owned);
        if (fixed?.has(node.id) && !LEAF_OPS.has(node.op)) this.memo!.values.set(node, value);
      }
      const leaf = LEAF_OPS.has(node.op);
      // Inputs and parameters are the caller's (s.arg is a value this run already counts).
      if (node.op === "s.input" || node.op === "s.param") this.meter.callerHolds(value);
      frame.set(node.id, value, !leaf);
      for (const id of deaths[i]) frame.drop(id);
    });
  }

  region(region: Region, args: Value[], outer: Frame, ownedArgs: readonly boolean[] = []): Value[] {
    if (args.length !== region.params.length) {
      throw new Error(`region takes ${region.params.length} argument(s), got ${args.length}`);
    }
    const frame = new Frame(this.meter, outer);
    region.params.forEach((p, k) => {
      const why = this.symbols.check(p.type, args[k]);
      if (why) throw new InterpretError(p.op, p.id, `region argument ${k}: ${why}`, p.span);
      frame.set(p.id, args[k], true);
    });
    const owned = new Set(region.params.filter((_, k) => ownedArgs[k]).map((p) => p.id));
    this.body(region.params, region.body, region.results, frame, owned);
    const results = region.results.map((id) => this.lookup(frame, id));
    frame.close();
    return results;
  }

  private lookup(frame: Frame, id: number): Value {
    const v = frame.get(id);
    if (!v) throw new Error(`value %${id} is not available`);
    return v;
  }

  /** An input's or a parameter's value, as the caller gave it; undefined for other nodes. */
  private leaf(node: Node): Value | undefined {
    const input = inputName(node);
    const param = paramName(node);
    if (input === undefined && param === undefined) return undefined;
    const v = input !== undefined ? this.env.inputs[input] : this.env.params[param!];
    if (!v) throw new Error(`no ${input !== undefined ? `input named ${input}` : `parameter named ${param}`} was given`);
    return this.precision === "f64" ? widen(v) : v;
  }

  private node(node: Node, frame: Frame, owned: ReadonlySet<number>): Value {
    try {
      const value = this.compute(node, frame, owned);
      const why = this.symbols.check(node.type, value);
      if (why) throw new Error(`the result does not match the node's type: ${why}`);
      return value;
    } catch (e) {
      if (e instanceof InterpretError) throw e; // already names the innermost failing node
      throw new InterpretError(node.op, node.id, (e as Error).message, node.span);
    }
  }

  private compute(node: Node, frame: Frame, owned: ReadonlySet<number>): Value {
    const leaf = this.leaf(node);
    if (leaf) return leaf;
    const spec = getOpSpec(node.op);
    if (!spec) throw new Error("unknown op");
    const inputs = node.inputs.map((id) => this.lookup(frame, id));
    const attrs = this.symbols.concreteAttrs(spec.attrs, withDefaults(node.op, node.attrs));
    const ctx: InterpretContext = {
      regions: node.regions,
      runRegion: (region, args, ownedArgs) => this.region(region, args, frame, ownedArgs),
      updateChains,
      precision: this.precision,
      overwritable: node.inputs.map((id) => owned.has(id)),
    };
    const value = spec.interpret(inputs, attrs, ctx);
    // An op that ignores ctx.precision still computes; its f32 result is widened (exactly).
    return this.precision === "f64" ? widen(value) : value;
  }
}

/** Run a function on concrete inputs and parameters; returns its results in order. */
export function runFunc(func: Func, env: RunEnv, options: RunOptions = {}): Value[] {
  const precision = options.precision ?? "f32";
  const run = new Run(env, new SymbolTable(env.symbols, precision), precision, options.meter ?? new MemoryMeter(), options.memo);
  const frame = new Frame(run.meter);
  run.body([], func.body, func.results, frame);
  return func.results.map((id) => {
    const v = frame.get(id);
    if (!v) throw new Error(`func ${func.name}: result %${id} was never computed`);
    return v;
  });
}

