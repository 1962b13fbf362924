import { formatLocation, type Span } from "../../grammar/span.js";
import { withDefaults } from "../../compiler/ir/builder.js";
import { getOpSpec } from "../../compiler/ir/ops/index.js";
import type { InterpretContext } from "../../compiler/ir/spec.js";
import type { Func, Node, Region } from "../../compiler/ir/types.js";
import type { FloatPrecision, TensorValue, Value } from "../../compiler/ir/values.js";
import { SymbolTable } from "./bind.js";

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

/** Values by id; a region's frame sees its enclosing frames (regions may use outer values). */
class Frame {
  private readonly values = new Map<number, Value>();
  constructor(private readonly parent?: Frame) {}
  set(id: number, v: Value): void {
    this.values.set(id, v);
  }
  get(id: number): Value | undefined {
    return this.values.get(id) ?? this.parent?.get(id);
  }
}

class Run {
  constructor(
    private readonly env: RunEnv,
    private readonly symbols: SymbolTable,
    private readonly precision: FloatPrecision,
  ) {}

  body(nodes: readonly Node[], frame: Frame, owned: ReadonlySet<number> = new Set()): void {
    for (const node of nodes) frame.set(node.id, this.node(node, frame, owned));
  }

  region(region: Region, args: Value[], outer: Frame, ownedArgs: readonly boolean[] = []): Value[] {
    if (args.length !== region.params.length) {
      throw new Error(`region takes ${region.params.length} argument(s), got ${args.length}`);
    }
    const frame = new Frame(outer);
    region.params.forEach((p, k) => {
      const why = this.symbols.check(p.type, args[k]);
      if (why) throw new InterpretError(p.op, p.id, `region argument ${k}: ${why}`, p.span);
      frame.set(p.id, args[k]);
    });
    const owned = new Set(region.params.filter((_, k) => ownedArgs[k]).map((p) => p.id));
    this.body(region.body, frame, owned);
    return region.results.map((id) => this.lookup(frame, id));
  }

  private lookup(frame: Frame, id: number): Value {
    const v = frame.get(id);
    if (!v) throw new Error(`value %${id} is not available`);
    return v;
  }

  private leaf(node: Node): Value {
    const name = String(node.attrs.name);
    const v = node.op === "s.input" ? this.env.inputs[name] : this.env.params[name];
    if (!v) throw new Error(`no ${node.op === "s.input" ? "input" : "parameter"} named ${name} was given`);
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
    if (node.op === "s.input" || node.op === "s.param") return this.leaf(node);
    const spec = getOpSpec(node.op);
    if (!spec) throw new Error("unknown op");
    const inputs = node.inputs.map((id) => this.lookup(frame, id));
    const attrs = this.symbols.concreteAttrs(spec.attrs, withDefaults(node.op, node.attrs));
    const ctx: InterpretContext = {
      regions: node.regions,
      runRegion: (region, args, ownedArgs) => this.region(region, args, frame, ownedArgs),
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
  const run = new Run(env, new SymbolTable(env.symbols, precision), precision);
  const frame = new Frame();
  run.body(func.body, frame);
  return func.results.map((id) => {
    const v = frame.get(id);
    if (!v) throw new Error(`func ${func.name}: result %${id} was never computed`);
    return v;
  });
}

