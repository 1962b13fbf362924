import { dimAttr, stringAttr } from "../attrs.js";
import type { InferError, OpSpec, VjpBuilder } from "../spec.js";
import { formatType } from "../type-utils.js";
import type { Dim, TensorType, Type } from "../types.js";
import type { TensorValue, Value } from "../values.js";
import { alloc, asTensor, concrete, elementsOf, fail, floatTensorAt, reshapeTo, scalarLike, streamingCost, tensorAt, tensorTypeOf } from "./common.js";
import { rowSize } from "./graph-common.js";

/**
 * Readouts of a batch of graphs stored as one disjoint union: node n belongs to graph batch[n]
 * (PyG's batch vector: ascending, graph ids 0 … B−1). `g.pool` reduces each graph's node rows to
 * one row (global add/mean/max pooling); `g.unpool` copies each graph's row back onto its nodes
 * (the gradient of a sum pool); `g.pool_max_mask` marks the node that max pooling took.
 * Graphs without nodes pool to 0. The batch vector must be sorted: loaders check it, and the
 * kernels find each graph's nodes by binary search.
 */

/** x [N,…] (float) and batch i32[N]; returns x's type. */
function nodeRowsAndBatch(inputs: readonly Type[], role: string): TensorType | InferError {
  const x = floatTensorAt(inputs, 0, role);
  if ("error" in x) return x;
  const batch = tensorAt(inputs, 1, "batch");
  if ("error" in batch) return batch;
  if (x.shape.length === 0) return fail(`${role} must have a row per node, got ${formatType(x)}`, [0]);
  if (batch.dtype !== "i32" || batch.shape.length !== 1 || batch.shape[0] !== x.shape[0]) {
    return fail(`the batch vector must be i32[${x.shape[0]}] (a graph id per row of ${formatType(x)}), got ${formatType(batch)}`, [0, 1]);
  }
  return x;
}

/** Each graph's node range [start[b], start[b+1]) from a sorted batch vector; throws if it is not sorted or in range. */
export function graphRanges(batch: TensorValue, graphs: number): Int32Array {
  const start = new Int32Array(graphs + 1);
  const ids = batch.data;
  for (let n = 0; n < ids.length; n++) {
    const b = ids[n];
    if (!(b >= 0 && b < graphs)) throw new Error(`batch[${n}] = ${b} is not a graph id in [0, ${graphs})`);
    if (n > 0 && b < ids[n - 1]) throw new Error(`the batch vector is not sorted: batch[${n}] = ${b} < batch[${n - 1}] = ${ids[n - 1]}`);
    start[b + 1]++;
  }
  for (let b = 0; b < graphs; b++) start[b + 1] += start[b];
  return start;
}

function operands(inputs: readonly Value[]): { x: TensorValue; batch: TensorValue; rs: number } {
  const x = asTensor(inputs[0], "x");
  const batch = asTensor(inputs[1], "batch");
  if (batch.shape[0] !== x.shape[0]) throw new Error(`batch has ${batch.shape[0]} entries for ${x.shape[0]} rows`);
  return { x, batch, rs: rowSize(x.shape) };
}

/** The first node of graph b's range holding its maximum in channel f; −1 for an empty graph. */
function firstArgMax(x: TensorValue, rs: number, from: number, to: number, f: number): number {
  let best = -1;
  for (let n = from; n < to; n++) if (best < 0 || x.data[n * rs + f] > x.data[best * rs + f]) best = n;
  return best;
}

/** Nodes per graph as [B,1,…] (at least 1, so an empty graph's zero divides safely), for mean pooling. */
function nodeCounts(b: VjpBuilder, x: number, batch: number, graphs: Dim): number {
  const t = tensorTypeOf(b, x);
  const ones = b.emit("t.full", [], { value: 1, shape: [t.shape[0]], dtype: t.dtype });
  const counts = b.emit("g.pool", [ones, batch], { reduce: "sum", graphs });
  const safe = b.emit("t.maximum", [counts, scalarLike(b, 1, counts)]);
  return reshapeTo(b, safe, [graphs, ...t.shape.slice(1).map(() => 1)]);
}

const pool: OpSpec = {
  name: "g.pool",
  summary: "out[b] = sum, mean or max of the rows x[n] with batch[n] = b ([N,…] → [graphs,…]); graphs without nodes give 0",
  arity: 2,
  attrs: {
    reduce: { kind: "string", default: "sum", oneOf: ["sum", "mean", "max"] },
    graphs: { kind: "dim", doc: "the number of graphs B" },
  },
  pure: true,
  infer(inputs, attrs) {
    const x = nodeRowsAndBatch(inputs, "x");
    if ("error" in x) return x;
    return { kind: "tensor", dtype: x.dtype, shape: [dimAttr(attrs, "graphs"), ...x.shape.slice(1)] };
  },
  interpret(inputs, attrs, ctx) {
    const { x, batch, rs } = operands(inputs);
    const graphs = concrete(attrs.graphs, "graphs");
    const start = graphRanges(batch, graphs);
    const reduce = stringAttr(attrs, "reduce");
    const out = alloc(x.dtype, [graphs, ...x.shape.slice(1)], ctx.precision);
    for (let g = 0; g < graphs; g++) {
      const [from, to] = [start[g], start[g + 1]];
      for (let f = 0; f < rs && from < to; f++) {
        let v: number;
        if (reduce === "max") v = x.data[firstArgMax(x, rs, from, to, f) * rs + f];
        else {
          v = 0;
          for (let n = from; n < to; n++) v += x.data[n * rs + f];
          if (reduce === "mean") v /= to - from;
        }
        out.data[g * rs + f] = v;
      }
    }
    return out;
  },
  vjp(b, { node, cotangent }) {
    const [x, batch] = node.inputs;
    const reduce = stringAttr(node.attrs, "reduce");
    const graphs = dimAttr(node.attrs, "graphs");
    const c = reduce === "mean" ? b.emit("t.div", [cotangent, nodeCounts(b, x, batch, graphs)]) : cotangent;
    const spread = b.emit("g.unpool", [c, batch]);
    return [reduce === "max" ? b.emit("t.mul", [spread, b.emit("g.pool_max_mask", [x, batch], { graphs })]) : spread, undefined];
  },
  cost(inputs, output, _attrs, symbols) {
    return streamingCost(inputs, output, symbols, elementsOf(inputs[0], symbols));
  },
};

const unpool: OpSpec = {
  name: "g.unpool",
  summary: "out[n] = y[batch[n]]: each graph's row copied onto its nodes ([graphs,…] → [N,…])",
  arity: 2,
  attrs: {},
  pure: true,
  infer(inputs) {
    const y = floatTensorAt(inputs, 0, "y");
    if ("error" in y) return y;
    const batch = tensorAt(inputs, 1, "batch");
    if ("error" in batch) return batch;
    if (y.shape.length === 0) return fail(`y must have a row per graph, got ${formatType(y)}`, [0]);
    if (batch.dtype !== "i32" || batch.shape.length !== 1) return fail(`the batch vector must be i32[N], got ${formatType(batch)}`, [1]);
    return { kind: "tensor", dtype: y.dtype, shape: [batch.shape[0], ...y.shape.slice(1)] };
  },
  interpret(inputs, _attrs, ctx) {
    const y = asTensor(inputs[0], "y");
    const batch = asTensor(inputs[1], "batch");
    const rs = rowSize(y.shape);
    graphRanges(batch, y.shape[0]);
    const out = alloc(y.dtype, [batch.shape[0], ...y.shape.slice(1)], ctx.precision);
    for (let n = 0; n < batch.shape[0]; n++) out.data.set(y.data.subarray(batch.data[n] * rs, (batch.data[n] + 1) * rs), n * rs);
    return out;
  },
  vjp(b, { node, cotangent }) {
    const [y, batch] = node.inputs;
    return [b.emit("g.pool", [cotangent, batch], { reduce: "sum", graphs: tensorTypeOf(b, y).shape[0] }), undefined];
  },
  cost(inputs, output, _attrs, symbols) {
    return streamingCost(inputs, output, symbols, 0);
  },
};

const poolMaxMask: OpSpec = {
  name: "g.pool_max_mask",
  summary: "per node and channel: 1 where x[n] is the first maximum (in node order) of its graph, else 0",
  arity: 2,
  attrs: { graphs: { kind: "dim", doc: "the number of graphs B" } },
  pure: true,
  nondifferentiable: true,
  infer(inputs) {
    return nodeRowsAndBatch(inputs, "x");
  },
  interpret(inputs, attrs, ctx) {
    const { x, batch, rs } = operands(inputs);
    const graphs = concrete(attrs.graphs, "graphs");
    const start = graphRanges(batch, graphs);
    const out = alloc(x.dtype, x.shape, ctx.precision);
    for (let g = 0; g < graphs; g++) {
      for (let f = 0; f < rs && start[g] < start[g + 1]; f++) out.data[firstArgMax(x, rs, start[g], start[g + 1], f) * rs + f] = 1;
    }
    return out;
  },
  cost(inputs, output, _attrs, symbols) {
    return streamingCost(inputs, output, symbols, elementsOf(inputs[0], symbols));
  },
};

export const graphPoolOps: readonly OpSpec[] = [pool, unpool, poolMaxMask];
