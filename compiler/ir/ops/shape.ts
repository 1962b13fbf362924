import { dimAdd, formatShape } from "../dims.js";
import type { OpSpec } from "../spec.js";
import { DTYPES, formatType } from "../type-utils.js";
import type { Dim, DType, TensorType } from "../types.js";
import type { TensorValue } from "../values.js";
import {
  alloc,
  asTensor,
  concrete,
  concreteShape,
  describeValue,
  fail,
  normAxis,
  numel,
  streamingCost,
  tensorAt,
} from "./common.js";

/** Ops that move or create data without arithmetic: reshape, concat, slice, select, cast, full, const. */

/** A product of dims as (constant, sorted symbolic factors), splitting `a*b` at the top level. */
function factorize(shape: readonly Dim[]): { constant: number; symbols: string[] } {
  let constant = 1;
  const symbols: string[] = [];
  for (const d of shape) {
    if (typeof d === "number") {
      constant *= d;
      continue;
    }
    let depth = 0;
    let start = 0;
    const parts: string[] = [];
    for (let i = 0; i <= d.length; i++) {
      const c = d[i];
      if (c === "(") depth++;
      else if (c === ")") depth--;
      else if ((c === "*" && depth === 0) || i === d.length) {
        parts.push(d.slice(start, i));
        start = i + 1;
      }
    }
    for (const p of parts) {
      if (/^\d+$/.test(p)) constant *= Number(p);
      else symbols.push(p);
    }
  }
  return { constant, symbols: symbols.sort() };
}

/** True when the two shapes provably hold the same number of elements. */
export function sameElementCount(a: readonly Dim[], b: readonly Dim[]): boolean {
  const fa = factorize(a);
  const fb = factorize(b);
  if (fa.constant === 0 && fb.constant === 0) return true;
  return fa.constant === fb.constant && fa.symbols.join("*") === fb.symbols.join("*");
}

function badDim(shape: readonly Dim[]): Dim | undefined {
  return shape.find((d) => typeof d === "number" && !(Number.isInteger(d) && d >= 0));
}

function copyCost(): OpSpec["cost"] {
  return (inputs, output, _attrs, symbols) => streamingCost(inputs, output, symbols, 0);
}

const reshape: OpSpec = {
  name: "t.reshape",
  summary: "same elements (row-major), new shape",
  arity: 1,
  attrs: { shape: { kind: "dims" } },
  pure: true,
  infer(inputs, attrs) {
    const x = tensorAt(inputs, 0, "operand");
    if ("error" in x) return x;
    const shape = attrs.shape as Dim[];
    const bad = badDim(shape);
    if (bad !== undefined) return fail(`${bad} is not a valid dimension`, [0]);
    if (!sameElementCount(x.shape, shape)) {
      return fail(
        `cannot reshape ${formatType(x)} to ${formatShape(shape)}: the element counts are not provably equal`,
        [0],
      );
    }
    return { kind: "tensor", dtype: x.dtype, shape: [...shape] };
  },
  interpret(inputs, attrs) {
    const x = asTensor(inputs[0], "operand");
    const shape = concreteShape(attrs.shape, "shape");
    if (numel(shape) !== x.data.length) {
      throw new Error(`cannot reshape ${describeValue(x)} to [${shape.join(",")}]`);
    }
    return { kind: "tensor", dtype: x.dtype, shape, data: x.data.slice() };
  },
  cost: copyCost(),
};

const concat: OpSpec = {
  name: "t.concat",
  summary: "join tensors along one axis",
  arity: [1, Infinity],
  attrs: { axis: { kind: "int" } },
  pure: true,
  infer(inputs, attrs) {
    const first = tensorAt(inputs, 0, "operand 0");
    if ("error" in first) return first;
    const axis = normAxis(attrs.axis as number, first.shape.length);
    if (axis === undefined) return fail(`axis ${attrs.axis} is out of range for ${formatType(first)}`, [0]);
    let total: Dim = first.shape[axis];
    for (let i = 1; i < inputs.length; i++) {
      const t = tensorAt(inputs, i, `operand ${i}`);
      if ("error" in t) return t;
      const what = `cannot concatenate ${formatType(first)} and ${formatType(t)} along axis ${axis}`;
      if (t.dtype !== first.dtype) return fail(`${what}: dtypes differ`, [0, i]);
      if (t.shape.length !== first.shape.length) return fail(`${what}: ranks differ`, [0, i]);
      const k = t.shape.findIndex((d, ax) => ax !== axis && d !== first.shape[ax]);
      if (k >= 0) return fail(`${what}: dims ${first.shape[k]} and ${t.shape[k]} of axis ${k} differ`, [0, i]);
      total = dimAdd(total, t.shape[axis]);
    }
    const shape = [...first.shape];
    shape[axis] = total;
    return { kind: "tensor", dtype: first.dtype, shape };
  },
  interpret(inputs, attrs) {
    const xs = inputs.map((v, i) => asTensor(v, `operand ${i}`));
    const axis = normAxis(attrs.axis as number, xs[0].shape.length)!;
    const outer = numel(xs[0].shape.slice(0, axis));
    const inner = numel(xs[0].shape.slice(axis + 1));
    const shape = [...xs[0].shape];
    shape[axis] = xs.reduce((n, x) => n + x.shape[axis], 0);
    const out = alloc(xs[0].dtype, shape);
    const outRow = shape[axis] * inner;
    let offset = 0;
    for (const x of xs) {
      const row = x.shape[axis] * inner;
      for (let o = 0; o < outer; o++) out.data.set(x.data.subarray(o * row, (o + 1) * row), o * outRow + offset);
      offset += row;
    }
    return out;
  },
  cost: copyCost(),
};

const slice: OpSpec = {
  name: "t.slice",
  summary: "x[start : start+size] along one axis",
  arity: 1,
  attrs: { axis: { kind: "int" }, start: { kind: "dim" }, size: { kind: "dim" } },
  pure: true,
  infer(inputs, attrs) {
    const x = tensorAt(inputs, 0, "operand");
    if ("error" in x) return x;
    const axis = normAxis(attrs.axis as number, x.shape.length);
    if (axis === undefined) return fail(`axis ${attrs.axis} is out of range for ${formatType(x)}`, [0]);
    const start = attrs.start as Dim;
    const size = attrs.size as Dim;
    const dim = x.shape[axis];
    if (typeof start === "number" && typeof size === "number" && typeof dim === "number" && start + size > dim) {
      return fail(`[${start}, ${start + size}) exceeds axis ${axis} of ${formatType(x)}`, [0]);
    }
    const shape = [...x.shape];
    shape[axis] = size;
    return { kind: "tensor", dtype: x.dtype, shape };
  },
  interpret(inputs, attrs) {
    const x = asTensor(inputs[0], "operand");
    const axis = normAxis(attrs.axis as number, x.shape.length)!;
    const start = concrete(attrs.start, "start");
    const size = concrete(attrs.size, "size");
    if (start < 0 || start + size > x.shape[axis]) {
      throw new Error(`slice [${start}, ${start + size}) exceeds axis ${axis} of ${describeValue(x)}`);
    }
    const shape = [...x.shape];
    shape[axis] = size;
    const out = alloc(x.dtype, shape);
    const inner = numel(x.shape.slice(axis + 1));
    const outer = numel(x.shape.slice(0, axis));
    for (let o = 0; o < outer; o++) {
      const from = (o * x.shape[axis] + start) * inner;
      out.data.set(x.data.subarray(from, from + size * inner), o * size * inner);
    }
    return out;
  },
  cost: copyCost(),
};

const select: OpSpec = {
  name: "t.select",
  summary: "x[i] along one axis for a runtime scalar index i (the axis is dropped)",
  arity: 2,
  attrs: { axis: { kind: "int", default: 0 } },
  pure: true,
  infer(inputs, attrs) {
    const x = tensorAt(inputs, 0, "operand");
    if ("error" in x) return x;
    const i = tensorAt(inputs, 1, "index");
    if ("error" in i) return i;
    if (!(i.dtype === "i32" || i.dtype === "u32") || i.shape.length !== 0) {
      return fail(`the index must be an i32[] scalar, got ${formatType(i)}`, [1]);
    }
    const axis = normAxis(attrs.axis as number, x.shape.length);
    if (axis === undefined) return fail(`axis ${attrs.axis} is out of range for ${formatType(x)}`, [0]);
    return { kind: "tensor", dtype: x.dtype, shape: x.shape.filter((_, k) => k !== axis) };
  },
  interpret(inputs, attrs) {
    const x = asTensor(inputs[0], "operand");
    const index = asTensor(inputs[1], "index").data[0];
    const axis = normAxis(attrs.axis as number, x.shape.length)!;
    if (!(index >= 0 && index < x.shape[axis])) {
      throw new Error(`index ${index} is out of range for axis ${axis} of ${describeValue(x)}`);
    }
    const inner = numel(x.shape.slice(axis + 1));
    const outer = numel(x.shape.slice(0, axis));
    const out = alloc(
      x.dtype,
      x.shape.filter((_, k) => k !== axis),
    );
    for (let o = 0; o < outer; o++) {
      const from = (o * x.shape[axis] + index) * inner;
      out.data.set(x.data.subarray(from, from + inner), o * inner);
    }
    return out;
  },
  cost: copyCost(),
};

/** Convert one number to the representation of `dtype` (truncation toward zero for integers). */
function convert(v: number, dtype: DType): number {
  if (dtype === "bool") return v !== 0 && !Number.isNaN(v) ? 1 : 0;
  if (dtype === "i32" || dtype === "u32") return Number.isFinite(v) ? Math.trunc(v) : 0;
  return v;
}

const cast: OpSpec = {
  name: "t.cast",
  summary: "convert to another dtype (floats truncate toward zero into integers; bool is x ≠ 0)",
  arity: 1,
  attrs: { dtype: { kind: "string", oneOf: DTYPES } },
  pure: true,
  infer(inputs, attrs) {
    const x = tensorAt(inputs, 0, "operand");
    if ("error" in x) return x;
    return { kind: "tensor", dtype: attrs.dtype as DType, shape: x.shape };
  },
  interpret(inputs, attrs) {
    const x = asTensor(inputs[0], "operand");
    const dtype = attrs.dtype as DType;
    const out = alloc(dtype, x.shape);
    for (let e = 0; e < x.data.length; e++) out.data[e] = convert(x.data[e], dtype);
    return out;
  },
  cost: copyCost(),
};

function filled(dtype: DType, shape: number[], value: number): TensorValue {
  const out = alloc(dtype, shape);
  out.data.fill(convert(value, dtype));
  return out;
}

const full: OpSpec = {
  name: "t.full",
  summary: "a tensor of the given shape with every element = value",
  arity: 0,
  attrs: {
    value: { kind: "float" },
    shape: { kind: "dims" },
    dtype: { kind: "string", default: "f32", oneOf: DTYPES },
  },
  pure: true,
  infer(_inputs, attrs) {
    const shape = attrs.shape as Dim[];
    const bad = badDim(shape);
    if (bad !== undefined) return fail(`${bad} is not a valid dimension`);
    return { kind: "tensor", dtype: attrs.dtype as DType, shape: [...shape] } satisfies TensorType;
  },
  interpret(_inputs, attrs) {
    return filled(attrs.dtype as DType, concreteShape(attrs.shape, "shape"), attrs.value as number);
  },
  cost: copyCost(),
};

const constant: OpSpec = {
  name: "t.const",
  summary: "a scalar constant",
  arity: 0,
  attrs: {
    value: { kind: "float" },
    dtype: { kind: "string", default: "f32", oneOf: DTYPES },
  },
  pure: true,
  infer(_inputs, attrs) {
    return { kind: "tensor", dtype: attrs.dtype as DType, shape: [] };
  },
  interpret(_inputs, attrs) {
    return filled(attrs.dtype as DType, [], attrs.value as number);
  },
  cost: copyCost(),
};

export const shapeOps: readonly OpSpec[] = [reshape, concat, slice, select, cast, full, constant];
