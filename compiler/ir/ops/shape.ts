import { dimAttr, dimsAttr, dtypeAttr, floatAttr, intAttr } from "../attrs.js";
import { dimAdd, formatShape } from "../dims.js";
import type { InferError, InterpretContext, OpSpec } from "../spec.js";
import { DTYPES, formatType, isFloatDType } from "../type-utils.js";
import type { Attrs, Dim, DType, TensorType, Type } from "../types.js";
import type { FloatPrecision, TensorValue, Value } from "../values.js";
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
  tensorTypeOf,
} from "./common.js";
import { broadcastIndex, broadcastShapes, sumToShape } from "./broadcast.js";

/**
 * Ops that move or create data without arithmetic: reshape, concat, slice, select, cast, full, const,
 * and the gradient-side primitives broadcast_to, pad and scatter_slice.
 */

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
    const shape = dimsAttr(attrs, "shape");
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
  interpret(inputs, attrs, ctx) {
    const x = asTensor(inputs[0], "operand");
    const shape = concreteShape(attrs.shape, "shape");
    if (numel(shape) !== x.data.length) {
      throw new Error(`cannot reshape ${describeValue(x)} to [${shape.join(",")}]`);
    }
    // A view of the operand's data, as a device's memory plan makes it (plan/value-buffers.ts),
    // unless the operand is one to overwrite in place.
    return { kind: "tensor", dtype: x.dtype, shape, data: ctx.overwritable?.[0] ? x.data.slice() : x.data };
  },
  vjp(b, { node, cotangent }) {
    return [b.emit("t.reshape", [cotangent], { shape: [...tensorTypeOf(b, node.inputs[0]).shape] })];
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
    const axis = normAxis(intAttr(attrs, "axis"), first.shape.length);
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
  interpret(inputs, attrs, ctx) {
    const xs = inputs.map((v, i) => asTensor(v, `operand ${i}`));
    const axis = normAxis(intAttr(attrs, "axis"), xs[0].shape.length)!;
    const outer = numel(xs[0].shape.slice(0, axis));
    const inner = numel(xs[0].shape.slice(axis + 1));
    const shape = [...xs[0].shape];
    shape[axis] = xs.reduce((n, x) => n + x.shape[axis], 0);
    const out = alloc(xs[0].dtype, shape, ctx.precision);
    const outRow = shape[axis] * inner;
    let offset = 0;
    for (const x of xs) {
      const row = x.shape[axis] * inner;
      for (let o = 0; o < outer; o++) out.data.set(x.data.subarray(o * row, (o + 1) * row), o * outRow + offset);
      offset += row;
    }
    return out;
  },
  // Each operand's gradient is its own stretch of the cotangent along the axis.
  vjp(b, { node, cotangent }) {
    const first = tensorTypeOf(b, node.inputs[0]);
    const axis = normAxis(intAttr(node.attrs, "axis"), first.shape.length)!;
    let start: Dim = 0;
    return node.inputs.map((x) => {
      const size = tensorTypeOf(b, x).shape[axis];
      const g = b.emit("t.slice", [cotangent], { axis, start, size });
      start = dimAdd(start, size);
      return g;
    });
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
    const axis = normAxis(intAttr(attrs, "axis"), x.shape.length);
    if (axis === undefined) return fail(`axis ${attrs.axis} is out of range for ${formatType(x)}`, [0]);
    const start = dimAttr(attrs, "start");
    const size = dimAttr(attrs, "size");
    const dim = x.shape[axis];
    if (typeof start === "number" && typeof size === "number" && typeof dim === "number" && start + size > dim) {
      return fail(`[${start}, ${start + size}) exceeds axis ${axis} of ${formatType(x)}`, [0]);
    }
    const shape = [...x.shape];
    shape[axis] = size;
    return { kind: "tensor", dtype: x.dtype, shape };
  },
  interpret(inputs, attrs, ctx) {
    const x = asTensor(inputs[0], "operand");
    const axis = normAxis(intAttr(attrs, "axis"), x.shape.length)!;
    const start = concrete(attrs.start, "start");
    const size = concrete(attrs.size, "size");
    if (start < 0 || start + size > x.shape[axis]) {
      throw new Error(`slice [${start}, ${start + size}) exceeds axis ${axis} of ${describeValue(x)}`);
    }
    const shape = [...x.shape];
    shape[axis] = size;
    const out = alloc(x.dtype, shape, ctx.precision);
    const inner = numel(x.shape.slice(axis + 1));
    const outer = numel(x.shape.slice(0, axis));
    for (let o = 0; o < outer; o++) {
      const from = (o * x.shape[axis] + start) * inner;
      out.data.set(x.data.subarray(from, from + size * inner), o * size * inner);
    }
    return out;
  },
  vjp(b, { node, cotangent }) {
    const x = tensorTypeOf(b, node.inputs[0]);
    const axis = normAxis(intAttr(node.attrs, "axis"), x.shape.length)!;
    return [b.emit("t.pad", [cotangent], { axis, start: node.attrs.start, size: x.shape[axis] })];
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
    const bad = sliceIndexAt(inputs, 1);
    if (bad) return bad;
    const axis = normAxis(intAttr(attrs, "axis"), x.shape.length);
    if (axis === undefined) return fail(`axis ${attrs.axis} is out of range for ${formatType(x)}`, [0]);
    return { kind: "tensor", dtype: x.dtype, shape: x.shape.filter((_, k) => k !== axis) };
  },
  interpret(inputs, attrs, ctx) {
    const x = asTensor(inputs[0], "operand");
    const index = asTensor(inputs[1], "index").data[0];
    const axis = normAxis(intAttr(attrs, "axis"), x.shape.length)!;
    if (!(index >= 0 && index < x.shape[axis])) {
      throw new Error(`index ${index} is out of range for axis ${axis} of ${describeValue(x)}`);
    }
    const inner = numel(x.shape.slice(axis + 1));
    const outer = numel(x.shape.slice(0, axis));
    const out = alloc(
      x.dtype,
      x.shape.filter((_, k) => k !== axis),
      ctx.precision,
    );
    for (let o = 0; o < outer; o++) {
      const from = (o * x.shape[axis] + index) * inner;
      out.data.set(x.data.subarray(from, from + inner), o * inner);
    }
    return out;
  },
  // Zeros of x's type with the selected slice filled (a stacked parameter's gradient for one layer).
  vjp(b, { node, cotangent }) {
    const [x, index] = node.inputs;
    const t = tensorTypeOf(b, x);
    const zeros = b.emit("t.full", [], { value: 0, shape: [...t.shape], dtype: t.dtype });
    return [b.emit("t.scatter_slice", [zeros, cotangent, index], { axis: node.attrs.axis }), undefined];
  },
  cost: copyCost(),
};

/** The runtime index operand of select-like ops: an integer scalar at position `i`. */
function sliceIndexAt(inputs: readonly Type[], i: number): InferError | undefined {
  const t = tensorAt(inputs, i, "index");
  if ("error" in t) return t;
  if (!(t.dtype === "i32" || t.dtype === "u32") || t.shape.length !== 0) {
    return fail(`the index must be an i32[] scalar, got ${formatType(t)}`, [i]);
  }
  return undefined;
}

/** Shared typing of t.scatter_slice and t.slice_add: value is one slice of base along axis. */
function inferSliceUpdate(inputs: readonly Type[], attrs: Attrs): Type | InferError {
  const base = tensorAt(inputs, 0, "base");
  if ("error" in base) return base;
  const value = tensorAt(inputs, 1, "value");
  if ("error" in value) return value;
  const bad = sliceIndexAt(inputs, 2);
  if (bad) return bad;
  const axis = normAxis(intAttr(attrs, "axis"), base.shape.length);
  if (axis === undefined) return fail(`axis ${attrs.axis} is out of range for ${formatType(base)}`, [0]);
  const slice = base.shape.filter((_, k) => k !== axis);
  const fits = value.dtype === base.dtype && value.shape.length === slice.length && value.shape.every((d, k) => d === slice[k]);
  if (!fits) {
    return fail(`value ${formatType(value)} is not a slice of ${formatType(base)} along axis ${axis}`, [0, 1]);
  }
  return base;
}

/**
 * base with slice i along axis updated by `write(old, new)`. Writes into base itself when the
 * interpreter says base is dead after this node (a loop-carried accumulator), else into a copy.
 */
function updateSlice(
  inputs: readonly Value[],
  attrs: Attrs,
  ctx: InterpretContext,
  write: (old: number, value: number) => number,
): TensorValue {
  const base = asTensor(inputs[0], "base");
  const value = asTensor(inputs[1], "value");
  const index = asTensor(inputs[2], "index").data[0];
  const axis = normAxis(intAttr(attrs, "axis"), base.shape.length)!;
  if (!(index >= 0 && index < base.shape[axis])) {
    throw new Error(`index ${index} is out of range for axis ${axis} of ${describeValue(base)}`);
  }
  let out = base;
  if (!ctx.overwritable?.[0]) {
    out = alloc(base.dtype, base.shape, ctx.precision);
    out.data.set(base.data);
  }
  const inner = numel(base.shape.slice(axis + 1));
  const outer = numel(base.shape.slice(0, axis));
  for (let o = 0; o < outer; o++) {
    const to = (o * base.shape[axis] + index) * inner;
    for (let k = 0; k < inner; k++) out.data[to + k] = write(out.data[to + k], value.data[o * inner + k]);
  }
  return out;
}

const scatterSlice: OpSpec = {
  name: "t.scatter_slice",
  summary: "base with base[…, i, …] (along axis) replaced by value, for a runtime scalar index i (t.select's gradient)",
  arity: 3,
  attrs: { axis: { kind: "int", default: 0 } },
  pure: true,
  inPlace: true,
  infer: inferSliceUpdate,
  interpret: (inputs, attrs, ctx) => updateSlice(inputs, attrs, ctx, (_, v) => v),
  vjp(b, { node, cotangent }) {
    const [, value, index] = node.inputs;
    const t = tensorTypeOf(b, value);
    const zeros = b.emit("t.full", [], { value: 0, shape: [...t.shape], dtype: t.dtype });
    const axis = node.attrs.axis;
    return [
      b.emit("t.scatter_slice", [cotangent, zeros, index], { axis }),
      b.emit("t.select", [cotangent, index], { axis }),
      undefined,
    ];
  },
  cost: copyCost(),
};

/** base with base[…, i, …] += value: how a backward loop sums a stacked parameter's gradient slice by slice. */
const sliceAdd: OpSpec = {
  name: "t.slice_add",
  summary: "base with value added to base[…, i, …] (along axis), for a runtime scalar index i",
  arity: 3,
  attrs: { axis: { kind: "int", default: 0 } },
  pure: true,
  inPlace: true,
  infer: inferSliceUpdate,
  interpret: (inputs, attrs, ctx) => updateSlice(inputs, attrs, ctx, (old, v) => old + v),
  vjp(b, { node, cotangent }) {
    const [, , index] = node.inputs;
    return [cotangent, b.emit("t.select", [cotangent, index], { axis: node.attrs.axis }), undefined];
  },
  cost: copyCost(),
};

const pad: OpSpec = {
  name: "t.pad",
  summary: "zeros of length `size` along axis with x placed at [start, start + len) (t.slice's gradient)",
  arity: 1,
  attrs: { axis: { kind: "int" }, start: { kind: "dim" }, size: { kind: "dim" } },
  pure: true,
  infer(inputs, attrs) {
    const x = tensorAt(inputs, 0, "operand");
    if ("error" in x) return x;
    const axis = normAxis(intAttr(attrs, "axis"), x.shape.length);
    if (axis === undefined) return fail(`axis ${attrs.axis} is out of range for ${formatType(x)}`, [0]);
    const [start, size, len] = [dimAttr(attrs, "start"), dimAttr(attrs, "size"), x.shape[axis]];
    if (typeof start === "number" && typeof size === "number" && typeof len === "number" && start + len > size) {
      return fail(`[${start}, ${start + len}) does not fit in ${size} along axis ${axis}`, [0]);
    }
    const shape = [...x.shape];
    shape[axis] = size;
    return { kind: "tensor", dtype: x.dtype, shape };
  },
  interpret(inputs, attrs, ctx) {
    const x = asTensor(inputs[0], "operand");
    const axis = normAxis(intAttr(attrs, "axis"), x.shape.length)!;
    const start = concrete(attrs.start, "start");
    const size = concrete(attrs.size, "size");
    const len = x.shape[axis];
    if (start < 0 || start + len > size) throw new Error(`[${start}, ${start + len}) does not fit in ${size} along axis ${axis}`);
    const shape = [...x.shape];
    shape[axis] = size;
    const out = alloc(x.dtype, shape, ctx.precision);
    const inner = numel(x.shape.slice(axis + 1));
    const outer = numel(x.shape.slice(0, axis));
    for (let o = 0; o < outer; o++) {
      out.data.set(x.data.subarray(o * len * inner, (o + 1) * len * inner), (o * size + start) * inner);
    }
    return out;
  },
  vjp(b, { node, cotangent }) {
    const x = tensorTypeOf(b, node.inputs[0]);
    const axis = normAxis(intAttr(node.attrs, "axis"), x.shape.length)!;
    return [b.emit("t.slice", [cotangent], { axis, start: node.attrs.start, size: x.shape[axis] })];
  },
  cost: copyCost(),
};

const broadcastTo: OpSpec = {
  name: "t.broadcast_to",
  summary: "x repeated NumPy-style to the given shape (a reduction's gradient)",
  arity: 1,
  attrs: { shape: { kind: "dims" } },
  pure: true,
  infer(inputs, attrs) {
    const x = tensorAt(inputs, 0, "operand");
    if ("error" in x) return x;
    const shape = dimsAttr(attrs, "shape");
    const bad = badDim(shape);
    if (bad !== undefined) return fail(`${bad} is not a valid dimension`, [0]);
    const r = broadcastShapes(x.shape, shape);
    if ("conflict" in r || r.shape.length !== shape.length || r.shape.some((d, k) => d !== shape[k])) {
      return fail(`cannot broadcast ${formatType(x)} to ${formatShape(shape)}`, [0]);
    }
    return { kind: "tensor", dtype: x.dtype, shape: [...shape] };
  },
  interpret(inputs, attrs, ctx) {
    const x = asTensor(inputs[0], "operand");
    const shape = concreteShape(attrs.shape, "shape");
    const out = alloc(x.dtype, shape, ctx.precision);
    const map = broadcastIndex(x.shape, shape);
    for (let e = 0; e < out.data.length; e++) out.data[e] = x.data[map ? map[e] : e];
    return out;
  },
  vjp(b, { node, cotangent }) {
    return [sumToShape(b, cotangent, tensorTypeOf(b, node.inputs[0]).shape)];
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
    return { kind: "tensor", dtype: dtypeAttr(attrs, "dtype"), shape: x.shape };
  },
  interpret(inputs, attrs, ctx) {
    const x = asTensor(inputs[0], "operand");
    const dtype = dtypeAttr(attrs, "dtype");
    const out = alloc(dtype, x.shape, ctx.precision);
    for (let e = 0; e < x.data.length; e++) out.data[e] = convert(x.data[e], dtype);
    return out;
  },
  // Only float → float casts carry a gradient (integers and bools have none).
  vjp(b, { node, cotangent }) {
    const from = tensorTypeOf(b, node.inputs[0]).dtype;
    const to = tensorTypeOf(b, cotangent).dtype;
    if (!isFloatDType(from) || !isFloatDType(to)) return [undefined];
    return [from === to ? cotangent : b.emit("t.cast", [cotangent], { dtype: from })];
  },
  cost: copyCost(),
};

function filled(dtype: DType, shape: number[], value: number, precision?: FloatPrecision): TensorValue {
  const out = alloc(dtype, shape, precision);
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
    const shape = dimsAttr(attrs, "shape");
    const bad = badDim(shape);
    if (bad !== undefined) return fail(`${bad} is not a valid dimension`);
    return { kind: "tensor", dtype: dtypeAttr(attrs, "dtype"), shape: [...shape] } satisfies TensorType;
  },
  interpret(_inputs, attrs, ctx) {
    return filled(dtypeAttr(attrs, "dtype"), concreteShape(attrs.shape, "shape"), floatAttr(attrs, "value"), ctx.precision);
  },
  vjp: () => [], // no inputs

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
    return { kind: "tensor", dtype: dtypeAttr(attrs, "dtype"), shape: [] };
  },
  interpret(_inputs, attrs, ctx) {
    return filled(dtypeAttr(attrs, "dtype"), [], floatAttr(attrs, "value"), ctx.precision);
  },
  vjp: () => [], // no inputs

  cost: copyCost(),
};

export const shapeOps: readonly OpSpec[] = [
  reshape,
  concat,
  slice,
  select,
  cast,
  full,
  constant,
  broadcastTo,
  pad,
  scatterSlice,
  sliceAdd,
];
