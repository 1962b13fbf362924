import { FuncBuilder, withDefaults } from "../../compiler/ir/builder.js";
import { getOpSpec } from "../../compiler/ir/ops/index.js";
import type { Attrs, DType, Node } from "../../compiler/ir/types.js";
import type { TensorValue, Value } from "../../compiler/ir/values.js";
import { runFunc } from "../../runtime/reference/index.js";
import { typeOf } from "../support/one-op.js";

/** Fixtures of the loss tests: tensors, one op interpreted from the spec table, and a loss's VJP run through the interpreter. */

export function tensor(shape: number[], data: ArrayLike<number>, dtype: DType = "f32"): TensorValue {
  const arr = dtype === "i32" ? Int32Array.from(data) : dtype === "bool" ? Uint8Array.from(data) : Float32Array.from(data);
  return { kind: "tensor", dtype, shape, data: arr };
}

/** The same tensor stored in f64 (what an f64 interpreter mode holds), for exact central differences. */
export function f64(t: TensorValue): TensorValue {
  return { ...t, data: Float64Array.from(t.data) };
}

export const scalar = (v: number): TensorValue => tensor([], [v]);

/** Interpret one op directly from the spec table (inputs keep their array type). */
export function interpret(op: string, inputs: Value[], attrs: Attrs = {}): TensorValue {
  const v = getOpSpec(op)!.interpret(inputs, withDefaults(op, attrs), { runRegion: () => [] });
  if (v.kind !== "tensor") throw new Error(`${op} returned no tensor`);
  return v;
}

/**
 * Build `op(inputs…)`, ask its spec for the VJP with the given scalar cotangent, and run the
 * emitted backward through the interpreter (in the given precision). Returns one gradient per input (undefined where none).
 */
export function runVjp(op: string, inputs: TensorValue[], cotangent: number, precision: "f32" | "f64" = "f32"): (TensorValue | undefined)[] {
  const b = new FuncBuilder("vjp");
  const ids = inputs.map((v, i) => b.leaf("s.input", typeOf(v), { name: `in${i}` }));
  const cot = b.leaf("s.input", { kind: "tensor", dtype: "f32", shape: [] }, { name: "cot" });
  const output = b.emit(op, ids);
  const node: Node = { id: output, op, type: b.typeOf(output), inputs: ids, attrs: withDefaults(op, {}) };
  const grads = getOpSpec(op)!.vjp!(b, { node, output, cotangent: cot });
  const present = grads.flatMap((g) => (g === undefined ? [] : [g]));
  const env = Object.fromEntries([...inputs.map((v, i) => [`in${i}`, v] as const), ["cot", scalar(cotangent)]]);
  const values = runFunc(b.finish(present, present.map((_, i) => `g${i}`)), { inputs: env, params: {} }, { precision }) as TensorValue[];
  let next = 0;
  return grads.map((g) => (g === undefined ? undefined : values[next++]));
}

/** Central differences of a scalar op with respect to input `which`, in f64. */
export function numericGrad(op: string, inputs: TensorValue[], which: number, h = 1e-6): Float64Array {
  const wide = inputs.map((t) => (t.dtype === "f32" ? f64(t) : t));
  const x = wide[which];
  const g = new Float64Array(x.data.length);
  for (let k = 0; k < g.length; k++) {
    const keep = x.data[k];
    x.data[k] = keep + h;
    const up = interpret(op, wide).data[0];
    x.data[k] = keep - h;
    const down = interpret(op, wide).data[0];
    x.data[k] = keep;
    g[k] = (up - down) / (2 * h);
  }
  return g;
}
