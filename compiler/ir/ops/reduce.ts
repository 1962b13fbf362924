import { boolAttr, intAttr, intsAttr } from "../attrs.js";
import type { InferError, OpSpec, VjpBuilder } from "../spec.js";
import { formatType, isFloatDType } from "../type-utils.js";
import type { Attrs, Dim, TensorType } from "../types.js";
import type { FloatPrecision, TensorValue } from "../values.js";
import { broadcastIndex } from "./broadcast.js";
import {
  NUMERIC_DTYPES,
  alloc,
  asTensor,
  elementsOf,
  fail,
  normAxis,
  numel,
  reshapeTo,
  scaleBy,
  streamingCost,
  tensorAt,
  tensorTypeOf,
} from "./common.js";

/** Reductions over a set of axes, and (log-)softmax along one axis. */

/** The normalised, sorted axes of a reduction, or an error. Empty lists are rejected rather than guessed at. */
function reductionAxes(x: TensorType, axes: readonly number[]): number[] | InferError {
  if (axes.length === 0) return fail(`axes must list at least one axis (list every axis to reduce all)`, [0]);
  const seen = new Set<number>();
  for (const a of axes) {
    const n = normAxis(a, x.shape.length);
    if (n === undefined) return fail(`axis ${a} is out of range for ${formatType(x)}`, [0]);
    if (seen.has(n)) return fail(`axis ${a} is listed twice`, [0]);
    seen.add(n);
  }
  return [...seen].sort((a, b) => a - b);
}

function reducedShape<D>(shape: readonly D[], axes: readonly number[], keepdims: boolean, one: D): D[] {
  const out: D[] = [];
  shape.forEach((d, i) => {
    if (!axes.includes(i)) out.push(d);
    else if (keepdims) out.push(one);
  });
  return out;
}

type Kind = "sum" | "mean" | "max";

/** The reduced axes of a reduction node, normalised against its operand's rank. */
function nodeAxes(b: VjpBuilder, x: number, axes: unknown): number[] {
  const rank = tensorTypeOf(b, x).shape.length;
  return (axes as number[]).map((a) => normAxis(a, rank)!);
}

/** The cotangent of a reduction spread back over x's shape (each reduced element gets its group's value). */
function expandBack(b: VjpBuilder, c: number, x: number, axes: readonly number[]): number {
  const shape = tensorTypeOf(b, x).shape;
  const kept = reshapeTo(b, c, reducedShape<Dim>(shape, axes, true, 1));
  return b.emit("t.broadcast_to", [kept], { shape: [...shape] });
}

/** g / (number of elements reduced into each output), with a symbolic count computed as Σ 1. */
function divideByCount(b: VjpBuilder, g: number, x: number, axes: readonly number[]): number {
  const t = tensorTypeOf(b, x);
  const dims = axes.map((a) => t.shape[a]);
  if (dims.every((d) => typeof d === "number")) return scaleBy(b, g, 1 / dims.reduce<number>((n, d) => n * (d as number), 1));
  const ones = b.emit("t.full", [], { value: 1, shape: dims, dtype: t.dtype });
  const count = b.emit("t.sum", [ones], { axes: dims.map((_, k) => k), keepdims: false });
  return b.emit("t.div", [g, count]);
}

function reduction(kind: Kind): OpSpec {
  const name = `t.${kind}`;
  return {
    name,
    summary: `${kind} over the given axes`,
    arity: 1,
    attrs: {
      axes: { kind: "ints", doc: "axes to reduce (negative counts from the end)" },
      keepdims: { kind: "bool", default: false },
    },
    pure: true,
    infer(inputs, attrs) {
      const x = tensorAt(inputs, 0, "operand");
      if ("error" in x) return x;
      if (!NUMERIC_DTYPES.includes(x.dtype)) return fail(`${name} needs a numeric tensor, got ${formatType(x)}`, [0]);
      const axes = reductionAxes(x, intsAttr(attrs, "axes"));
      if ("error" in axes) return axes;
      return { kind: "tensor", dtype: x.dtype, shape: reducedShape<Dim>(x.shape, axes, boolAttr(attrs, "keepdims"), 1) };
    },
    interpret(inputs, attrs, ctx) {
      const x = asTensor(inputs[0], "operand");
      const axes = intsAttr(attrs, "axes").map((a) => normAxis(a, x.shape.length)!);
      const kept = reducedShape(x.shape, axes, true, 1);
      const acc = new Float64Array(numel(kept)).fill(kind === "max" ? -Infinity : 0);
      const map = broadcastIndex(kept, x.shape);
      const xd = x.data;
      for (let e = 0; e < xd.length; e++) {
        const o = map ? map[e] : e;
        acc[o] = kind === "max" ? Math.max(acc[o], xd[e]) : acc[o] + xd[e];
      }
      if (kind === "mean") {
        const count = axes.reduce((n, a) => n * x.shape[a], 1);
        for (let o = 0; o < acc.length; o++) acc[o] /= count;
      }
      const out = alloc(x.dtype, reducedShape(x.shape, axes, boolAttr(attrs, "keepdims"), 1), ctx.precision);
      out.data.set(acc);
      return out;
    },
    // max routes the cotangent to the first maximal element of each group, as PyTorch does.
    vjp(b, { node, cotangent }) {
      const x = node.inputs[0];
      const axes = nodeAxes(b, x, node.attrs.axes);
      const spread = expandBack(b, cotangent, x, axes);
      if (kind === "sum") return [spread];
      if (kind === "mean") return [divideByCount(b, spread, x, axes)];
      return [b.emit("t.mul", [spread, b.emit("t.argmax_onehot", [x], { axes })])];
    },
    cost(inputs, output, _attrs, symbols) {
      return streamingCost(inputs, output, symbols, elementsOf(inputs[0], symbols));
    },
  };
}

/** View x as [outer, len, inner] around `axis` and apply f to every line along it. */
function alongAxis(x: TensorValue, axis: number, f: (line: Float64Array) => void, precision?: FloatPrecision): TensorValue {
  const len = x.shape[axis];
  const inner = numel(x.shape.slice(axis + 1));
  const outer = numel(x.shape.slice(0, axis));
  const out = alloc(x.dtype, x.shape, precision);
  const line = new Float64Array(len);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * len * inner + i;
      for (let k = 0; k < len; k++) line[k] = x.data[base + k * inner];
      f(line);
      for (let k = 0; k < len; k++) out.data[base + k * inner] = line[k];
    }
  }
  return out;
}

/** In place: line ← line − max − log Σ exp(line − max) (log) or exp(line − max)/Σ (plain). */
export function softmaxLine(line: Float64Array | number[], log: boolean): void {
  let max = -Infinity;
  for (const v of line) max = Math.max(max, v);
  let sum = 0;
  for (const v of line) sum += Math.exp(v - max);
  const logSum = Math.log(sum);
  for (let k = 0; k < line.length; k++) {
    line[k] = log ? line[k] - max - logSum : Math.exp(line[k] - max) / sum;
  }
}

function softmaxOp(log: boolean): OpSpec {
  const name = log ? "t.log_softmax" : "t.softmax";
  return {
    name,
    summary: `${log ? "log " : ""}softmax along one axis (max-subtracted)`,
    arity: 1,
    attrs: { axis: { kind: "int", default: -1 } },
    pure: true,
    infer(inputs, attrs: Attrs) {
      const x = tensorAt(inputs, 0, "operand");
      if ("error" in x) return x;
      if (!isFloatDType(x.dtype)) return fail(`${name} needs a float tensor, got ${formatType(x)}`, [0]);
      if (normAxis(intAttr(attrs, "axis"), x.shape.length) === undefined) {
        return fail(`axis ${attrs.axis} is out of range for ${formatType(x)}`, [0]);
      }
      return x;
    },
    interpret(inputs, attrs, ctx) {
      const x = asTensor(inputs[0], "operand");
      const axis = normAxis(intAttr(attrs, "axis"), x.shape.length)!;
      return alongAxis(x, axis, (line) => softmaxLine(line, log), ctx.precision);
    },
    // softmax: y ⊙ (c − Σ c⊙y); log_softmax: c − softmax ⊙ Σ c (sums along the axis).
    vjp(b, { node, output: y, cotangent: c }) {
      const axes = [intAttr(node.attrs, "axis")];
      if (log) {
        const total = b.emit("t.sum", [c], { axes, keepdims: true });
        return [b.emit("t.sub", [c, b.emit("t.mul", [b.emit("t.exp", [y]), total])])];
      }
      const dot = b.emit("t.sum", [b.emit("t.mul", [c, y])], { axes, keepdims: true });
      return [b.emit("t.mul", [y, b.emit("t.sub", [c, dot])])];
    },
    cost(inputs, output, _attrs, symbols) {
      return streamingCost(inputs, output, symbols, 8 * elementsOf(output, symbols));
    },
  };
}

/** A one-hot of the first maximum (row-major) of each reduced group: where t.max's gradient goes. */
const argmaxOnehot: OpSpec = {
  name: "t.argmax_onehot",
  summary: "1 at the first maximal element of each group reduced over `axes` (row-major order), 0 elsewhere",
  arity: 1,
  attrs: { axes: { kind: "ints", doc: "the axes of the matching t.max" } },
  pure: true,
  nondifferentiable: true,
  infer(inputs, attrs) {
    const x = tensorAt(inputs, 0, "operand");
    if ("error" in x) return x;
    if (!NUMERIC_DTYPES.includes(x.dtype)) return fail(`t.argmax_onehot needs a numeric tensor, got ${formatType(x)}`, [0]);
    const axes = reductionAxes(x, intsAttr(attrs, "axes"));
    return "error" in axes ? axes : x;
  },
  interpret(inputs, attrs, ctx) {
    const x = asTensor(inputs[0], "operand");
    const axes = intsAttr(attrs, "axes").map((a) => normAxis(a, x.shape.length)!);
    const kept = reducedShape(x.shape, axes, true, 1);
    const best = new Float64Array(numel(kept));
    const at = new Int32Array(best.length).fill(-1);
    const map = broadcastIndex(kept, x.shape);
    for (let e = 0; e < x.data.length; e++) {
      const o = map ? map[e] : e;
      if (at[o] < 0 || x.data[e] > best[o]) {
        best[o] = x.data[e];
        at[o] = e;
      }
    }
    const out = alloc(x.dtype, x.shape, ctx.precision);
    for (const e of at) if (e >= 0) out.data[e] = 1;
    return out;
  },
  cost(inputs, output, _attrs, symbols) {
    return streamingCost(inputs, output, symbols, elementsOf(inputs[0], symbols));
  },
};

export const reduceOps: readonly OpSpec[] = [
  reduction("sum"),
  reduction("mean"),
  reduction("max"),
  softmaxOp(false),
  softmaxOp(true),
  argmaxOnehot,
];
