import { evalDim } from "../dims.js";
import type { Cost, InferError, VjpBuilder } from "../spec.js";
import { dtypeBytes, formatType, isFloatDType } from "../type-utils.js";
import type { Dim, DType, GraphType, TensorType, Type } from "../types.js";
import type { FloatPrecision, GraphValue, RngValue, TensorData, TensorValue, Value } from "../values.js";

/** Helpers every op file uses: operand checks for `infer`, value plumbing for `interpret`, sizes for `cost`. */

export function fail(error: string, operands?: number[]): InferError {
  return operands ? { error, operands } : { error };
}

/** Input `i` as a tensor type, or an error naming the operand. */
export function tensorAt(inputs: readonly Type[], i: number, role: string): TensorType | InferError {
  const t = inputs[i];
  if (t?.kind !== "tensor") return fail(`${role} must be a tensor, got ${t ? formatType(t) : "nothing"}`, [i]);
  return t;
}

export function floatTensorAt(inputs: readonly Type[], i: number, role: string): TensorType | InferError {
  const t = tensorAt(inputs, i, role);
  if ("error" in t) return t;
  if (!isFloatDType(t.dtype)) return fail(`${role} must be a float tensor, got ${formatType(t)}`, [i]);
  return t;
}

export function graphAt(inputs: readonly Type[], i: number): GraphType | InferError {
  const t = inputs[i];
  if (t?.kind !== "graph") return fail(`operand ${i} must be a graph, got ${t ? formatType(t) : "nothing"}`, [i]);
  return t;
}

export function rngAt(inputs: readonly Type[], i: number): InferError | undefined {
  const t = inputs[i];
  if (t?.kind !== "rng") return fail(`operand ${i} must be an rng key, got ${t ? formatType(t) : "nothing"}`, [i]);
  return undefined;
}

export const NUMERIC_DTYPES: readonly DType[] = ["f32", "f16", "i32", "u32"];

/** Normalise a possibly negative axis; undefined when out of range. */
export function normAxis(axis: number, rank: number): number | undefined {
  const a = axis < 0 ? axis + rank : axis;
  return Number.isInteger(a) && a >= 0 && a < rank ? a : undefined;
}

// ------------------------------------------------------------------ values

export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Storage for n elements of `dtype`; floats are Float64Array only when the run asks for f64. */
export function allocData(dtype: DType, n: number, precision: FloatPrecision = "f32"): TensorData {
  switch (dtype) {
    case "i32":
      return new Int32Array(n);
    case "u32":
      return new Uint32Array(n);
    case "bool":
      return new Uint8Array(n);
    default:
      return precision === "f64" ? new Float64Array(n) : new Float32Array(n);
  }
}

export function alloc(dtype: DType, shape: readonly number[], precision?: FloatPrecision): TensorValue {
  return { kind: "tensor", dtype, shape: [...shape], data: allocData(dtype, numel(shape), precision) };
}

export function asTensor(v: Value | undefined, role: string): TensorValue {
  if (v?.kind !== "tensor") throw new Error(`${role} must be a tensor value`);
  return v;
}

export function asGraph(v: Value | undefined): GraphValue {
  if (v?.kind !== "graph") throw new Error("operand 0 must be a graph value");
  return v;
}

export function asRng(v: Value | undefined): RngValue {
  if (v?.kind !== "rng") throw new Error("expected an rng key value");
  return v;
}

/** An attr the interpreter has already resolved to a concrete number (dims are resolved before `interpret`). */
export function concrete(d: unknown, what: string): number {
  if (typeof d !== "number") throw new Error(`${what} is not concrete (${String(d)}): bind its symbols first`);
  return d;
}

export function concreteShape(ds: unknown, what: string): number[] {
  if (!Array.isArray(ds)) throw new Error(`${what} must be a list of dims`);
  return ds.map((d, i) => concrete(d, `${what}[${i}]`));
}

export function describeValue(v: TensorValue): string {
  return `${v.dtype}[${v.shape.join(",")}]`;
}

/** Row-major strides of a concrete shape. */
export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

// ------------------------------------------------------------------ cost

/** A dim's concrete size for the cost model and the memory plans; unbound symbols are an error of the caller. */
export function sizeOf(d: Dim, symbols: Readonly<Record<string, number>>): number {
  const v = evalDim(d, symbols);
  if (v === undefined) throw new Error(`dimension ${d} is not bound to a size`);
  return v;
}

export function elementsOf(t: Type, symbols: Readonly<Record<string, number>>): number {
  return t.kind === "tensor" ? t.shape.reduce<number>((n, d) => n * sizeOf(d, symbols), 1) : 0;
}

/**
 * The buffers a value occupies on a device, in bytes: a tensor one (by dtype), a graph three
 * (indptr, src, dst; i32), an rng key one (two u32 words), a tuple its items' in order. The one
 * size rule of the cost model and of the memory plans (plan/peak.ts, plan/buffer-assignment.ts).
 */
export function bufferBytes(t: Type, symbols: Readonly<Record<string, number>>): number[] {
  switch (t.kind) {
    case "tensor":
      return [elementsOf(t, symbols) * dtypeBytes(t.dtype)];
    case "graph": {
      const edges = 4 * sizeOf(t.edges, symbols);
      return [4 * (sizeOf(t.nodes, symbols) + 1), edges, edges];
    }
    case "rng":
      return [8];
    case "tuple":
      return t.items.flatMap((item) => bufferBytes(item, symbols));
  }
}

/** Bytes a value occupies on the device: the sum of its buffers (bufferBytes). */
export function bytesOf(t: Type, symbols: Readonly<Record<string, number>>): number {
  return bufferBytes(t, symbols).reduce((n, b) => n + b, 0);
}

/** Every input read once and the output written once; `flops` supplied per op. */
export function streamingCost(
  inputs: readonly Type[],
  output: Type,
  symbols: Readonly<Record<string, number>>,
  flops: number,
): Cost {
  let bytes = bytesOf(output, symbols);
  for (const t of inputs) bytes += bytesOf(t, symbols);
  return { flops, bytes };
}

// ------------------------------------------------------------------ gradient rules

/** The tensor type of a value a gradient rule works on (gradients only flow through tensors). */
export function tensorTypeOf(b: VjpBuilder, id: number): TensorType {
  const t = b.typeOf(id);
  if (t.kind !== "tensor") throw new Error(`gradient rule: %${id} is a ${t.kind}, not a tensor`);
  return t;
}

/** A scalar constant with the dtype of `like`; it broadcasts against any tensor. */
export function scalarLike(b: VjpBuilder, value: number, like: number): number {
  return b.emit("t.const", [], { value, dtype: tensorTypeOf(b, like).dtype });
}

/** `c · k` for a number k (skipped when k = 1). */
export function scaleBy(b: VjpBuilder, c: number, k: number): number {
  return k === 1 ? c : b.emit("t.mul", [c, scalarLike(b, k, c)]);
}

/** `x` with its shape changed to `shape` (skipped when it already has it). */
export function reshapeTo(b: VjpBuilder, x: number, shape: readonly Dim[]): number {
  const t = tensorTypeOf(b, x);
  const same = t.shape.length === shape.length && t.shape.every((d, k) => d === shape[k]);
  return same ? x : b.emit("t.reshape", [x], { shape: [...shape] });
}
