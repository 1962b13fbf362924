import { evalDim } from "../../compiler/ir/dims.js";
import type { AttrSchema } from "../../compiler/ir/spec.js";
import { formatType } from "../../compiler/ir/type-utils.js";
import type { AttrValue, Attrs, Dim, DType, Type } from "../../compiler/ir/types.js";
import type { FloatPrecision, TensorData, Value } from "../../compiler/ir/values.js";

/**
 * Symbol values during a run. Plain symbols (`N`, `E`, `hidden`) are bound the first time a value
 * of a type mentioning them is seen; later occurrences, and compound dims such as `E+N`, are checked
 * against what is bound. This is how the interpreter learns concrete sizes from its inputs.
 */

const PLAIN_SYMBOL = /^[A-Za-z_][A-Za-z0-9_.]*$/;

function dataMatches(dtype: DType, data: TensorData, precision: FloatPrecision): boolean {
  switch (dtype) {
    case "i32":
      return data instanceof Int32Array;
    case "u32":
      return data instanceof Uint32Array;
    case "bool":
      return data instanceof Uint8Array;
    default:
      return precision === "f64" ? data instanceof Float64Array : data instanceof Float32Array;
  }
}

export function describe(v: Value): string {
  switch (v.kind) {
    case "tensor":
      return `${v.dtype}[${v.shape.join(",")}]`;
    case "graph":
      return `graph[${v.numNodes},${v.numEdges}${v.selfLoops ? ",self_loops" : ""}]`;
    case "rng":
      return "rng";
    case "tuple":
      return `(${v.items.map(describe).join(", ")})`;
  }
}

export class SymbolTable {
  private readonly values: Record<string, number>;

  /** `precision`: the float storage every float tensor of the run must use. */
  constructor(
    initial: Readonly<Record<string, number>> = {},
    private readonly precision: FloatPrecision = "f32",
  ) {
    this.values = { ...initial };
  }

  resolve(d: Dim): number | undefined {
    return evalDim(d, this.values);
  }

  /** Match dim `d` with a concrete size; returns a reason when they disagree. */
  private match(d: Dim, size: number): string | undefined {
    const known = this.resolve(d);
    if (known !== undefined) return known === size ? undefined : `${d} is ${known}, not ${size}`;
    if (typeof d === "string" && PLAIN_SYMBOL.test(d)) this.values[d] = size;
    return undefined; // a compound of unbound symbols: nothing to check yet
  }

  /** Check a value against a type, binding symbols on the way; returns a reason on mismatch. */
  check(type: Type, v: Value): string | undefined {
    const mismatch = `${describe(v)} does not match ${formatType(type)}`;
    if (type.kind !== v.kind) return mismatch;
    if (type.kind === "tensor" && v.kind === "tensor") {
      if (type.dtype !== v.dtype || type.shape.length !== v.shape.length) return mismatch;
      if (!dataMatches(v.dtype, v.data, this.precision)) return `${describe(v)} holds the wrong kind of typed array`;
      let n = 1;
      for (const s of v.shape) n *= s;
      if (v.data.length !== n) return `${describe(v)} holds ${v.data.length} elements, not ${n}`;
      for (let k = 0; k < type.shape.length; k++) {
        const why = this.match(type.shape[k], v.shape[k]);
        if (why) return `${mismatch}: ${why}`;
      }
    }
    if (type.kind === "graph" && v.kind === "graph") {
      if (type.selfLoops !== v.selfLoops) return `${mismatch}: self loops differ`;
      const why = this.match(type.nodes, v.numNodes) ?? this.match(type.edges, v.numEdges);
      if (why) return `${mismatch}: ${why}`;
    }
    if (type.kind === "tuple" && v.kind === "tuple") {
      if (type.items.length !== v.items.length) return mismatch;
      for (let k = 0; k < v.items.length; k++) {
        const why = this.check(type.items[k], v.items[k]);
        if (why) return `${mismatch}: item ${k}: ${why}`;
      }
    }
    return undefined;
  }

  /** Attrs with every `dim`/`dims` attr evaluated to a concrete size (the op table computes on sizes). */
  concreteAttrs(schemas: Readonly<Record<string, AttrSchema>>, attrs: Attrs): Attrs {
    const out: Record<string, AttrValue> = { ...attrs };
    for (const [name, schema] of Object.entries(schemas)) {
      const v = attrs[name];
      if (v === undefined) continue;
      if (schema.kind === "dim") out[name] = this.sizeOf(v as Dim, name);
      if (schema.kind === "dims") out[name] = (v as Dim[]).map((d) => this.sizeOf(d, name));
    }
    return out;
  }

  private sizeOf(d: Dim, attr: string): number {
    const n = this.resolve(d);
    if (n === undefined) throw new Error(`attribute ${attr}: dimension ${d} has no value (bind it through env.symbols or an input)`);
    return n;
  }
}
