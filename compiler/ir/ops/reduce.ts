import type { InferError, OpSpec } from "../spec.js";
import { formatType, isFloatDType } from "../type-utils.js";
import type { Attrs, Dim, TensorType } from "../types.js";
import type { TensorValue } from "../values.js";
import { broadcastIndex } from "./broadcast.js";
import { NUMERIC_DTYPES, alloc, asTensor, elementsOf, fail, normAxis, numel, streamingCost, tensorAt } from "./common.js";

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
      const axes = reductionAxes(x, attrs.axes as number[]);
      if ("error" in axes) return axes;
      return { kind: "tensor", dtype: x.dtype, shape: reducedShape<Dim>(x.shape, axes, attrs.keepdims as boolean, 1) };
    },
    interpret(inputs, attrs) {
      const x = asTensor(inputs[0], "operand");
      const axes = (attrs.axes as number[]).map((a) => normAxis(a, x.shape.length)!);
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
      const out = alloc(x.dtype, reducedShape(x.shape, axes, attrs.keepdims as boolean, 1));
      out.data.set(acc);
      return out;
    },
    cost(inputs, output, _attrs, symbols) {
      return streamingCost(inputs, output, symbols, elementsOf(inputs[0], symbols));
    },
  };
}

/** View x as [outer, len, inner] around `axis` and apply f to every line along it. */
function alongAxis(x: TensorValue, axis: number, f: (line: Float64Array) => void): TensorValue {
  const len = x.shape[axis];
  const inner = numel(x.shape.slice(axis + 1));
  const outer = numel(x.shape.slice(0, axis));
  const out = alloc(x.dtype, x.shape);
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
      if (normAxis(attrs.axis as number, x.shape.length) === undefined) {
        return fail(`axis ${attrs.axis} is out of range for ${formatType(x)}`, [0]);
      }
      return x;
    },
    interpret(inputs, attrs) {
      const x = asTensor(inputs[0], "operand");
      return alongAxis(x, normAxis(attrs.axis as number, x.shape.length)!, (line) => softmaxLine(line, log));
    },
    cost(inputs, output, _attrs, symbols) {
      return streamingCost(inputs, output, symbols, 8 * elementsOf(output, symbols));
    },
  };
}

export const reduceOps: readonly OpSpec[] = [
  reduction("sum"),
  reduction("mean"),
  reduction("max"),
  softmaxOp(false),
  softmaxOp(true),
];
