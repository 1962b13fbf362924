import { dimAttr } from "../attrs.js";
import type { InferError, OpSpec } from "../spec.js";
import { dtypeBytes, formatType, isFloatDType } from "../type-utils.js";
import type { TensorType, Type } from "../types.js";
import { alloc, asTensor, concrete, describeValue, fail, numel, sizeOf, tensorAt } from "./common.js";

/**
 * Rows picked by index: `t.gather_rows` reads the rows a mini-batch names (x[idx]), so a step
 * over m rows touches m rows of an [N, …] tensor, never N; `t.scatter_rows` is its gradient (the
 * rows summed back into zeros of N rows, in index order where an index repeats).
 */

/** The index operand: i32[M] or u32[M]. */
function indexAt(inputs: readonly Type[], i: number): TensorType | InferError {
  const t = tensorAt(inputs, i, "index");
  if ("error" in t) return t;
  if (!(t.dtype === "i32" || t.dtype === "u32") || t.shape.length !== 1) return fail(`the index must be an i32[M] vector, got ${formatType(t)}`, [i]);
  return t;
}

/** Row `r`'s index, checked against `rows` (the interpreter refuses what a kernel would turn into zeros). */
function rowIndex(idx: ArrayLike<number>, j: number, rows: number, what: string): number {
  const r = idx[j];
  if (!(r >= 0 && r < rows)) throw new Error(`index[${j}] = ${r} is out of range for the ${rows} rows of ${what}`);
  return r;
}

const gatherRows: OpSpec = {
  name: "t.gather_rows",
  summary: "x[idx]: the rows of x named by an index vector (a mini-batch's rows)",
  arity: 2,
  attrs: {},
  pure: true,
  infer(inputs) {
    const x = tensorAt(inputs, 0, "operand");
    if ("error" in x) return x;
    if (x.shape.length < 1) return fail(`the operand needs rows, got ${formatType(x)}`, [0]);
    const idx = indexAt(inputs, 1);
    if ("error" in idx) return idx;
    return { kind: "tensor", dtype: x.dtype, shape: [idx.shape[0], ...x.shape.slice(1)] };
  },
  interpret(inputs, _attrs, ctx) {
    const x = asTensor(inputs[0], "operand");
    const idx = asTensor(inputs[1], "index").data;
    const inner = numel(x.shape.slice(1));
    const out = alloc(x.dtype, [idx.length, ...x.shape.slice(1)], ctx.precision);
    for (let j = 0; j < idx.length; j++) {
      const r = rowIndex(idx, j, x.shape[0], describeValue(x));
      out.data.set(x.data.subarray(r * inner, (r + 1) * inner), j * inner);
    }
    return out;
  },
  vjp(b, { node, cotangent }) {
    const x = b.typeOf(node.inputs[0]) as TensorType;
    if (!isFloatDType(x.dtype)) return [undefined, undefined];
    return [b.emit("t.scatter_rows", [cotangent, node.inputs[1]], { rows: x.shape[0] }), undefined];
  },
  // Only the named rows are read: the cost of a mini-batch does not grow with the rows of x.
  cost(inputs, output, _attrs, symbols) {
    const out = output as TensorType;
    const bytes = dtypeBytes(out.dtype) * out.shape.reduce<number>((n, d) => n * sizeOf(d, symbols), 1);
    return { flops: 0, bytes: 2 * bytes + 4 * sizeOf((inputs[1] as TensorType).shape[0], symbols) };
  },
};

const scatterRows: OpSpec = {
  name: "t.scatter_rows",
  summary: "zeros of `rows` rows with row j of x added to row idx[j] (t.gather_rows' gradient)",
  arity: 2,
  attrs: { rows: { kind: "dim" } },
  pure: true,
  infer(inputs, attrs) {
    const x = tensorAt(inputs, 0, "operand");
    if ("error" in x) return x;
    if (!isFloatDType(x.dtype) || x.shape.length < 1) return fail(`the operand must be a float tensor with rows, got ${formatType(x)}`, [0]);
    const idx = indexAt(inputs, 1);
    if ("error" in idx) return idx;
    if (idx.shape[0] !== x.shape[0]) return fail(`${formatType(idx)} does not index the ${x.shape[0]} rows of ${formatType(x)}`, [0, 1]);
    return { kind: "tensor", dtype: x.dtype, shape: [dimAttr(attrs, "rows"), ...x.shape.slice(1)] };
  },
  interpret(inputs, attrs, ctx) {
    const x = asTensor(inputs[0], "operand");
    const idx = asTensor(inputs[1], "index").data;
    const rows = concrete(attrs.rows, "rows");
    const inner = numel(x.shape.slice(1));
    const sums = new Float64Array(rows * inner);
    for (let j = 0; j < idx.length; j++) {
      const r = rowIndex(idx, j, rows, `the ${rows}-row result`);
      for (let k = 0; k < inner; k++) sums[r * inner + k] += x.data[j * inner + k];
    }
    const out = alloc(x.dtype, [rows, ...x.shape.slice(1)], ctx.precision);
    out.data.set(sums);
    return out;
  },
  vjp(b, { node, cotangent }) {
    return [b.emit("t.gather_rows", [cotangent, node.inputs[1]]), undefined];
  },
  // The kernel gives each result row one invocation, which scans the whole index (no atomics):
  // rows × M index reads, and one add per element of x.
  cost(inputs, output, _attrs, symbols) {
    const x = inputs[0] as TensorType;
    const m = sizeOf(x.shape[0], symbols);
    const rows = sizeOf((output as TensorType).shape[0], symbols);
    const elements = x.shape.reduce<number>((n, d) => n * sizeOf(d, symbols), 1);
    const inner = m === 0 ? 0 : elements / m;
    return { flops: elements, bytes: 4 * (rows * m + elements + rows * inner) };
  },
};

export const rowOps: readonly OpSpec[] = [gatherRows, scatterRows];
