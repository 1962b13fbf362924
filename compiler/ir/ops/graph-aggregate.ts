import type { OpSpec } from "../spec.js";
import { formatType } from "../type-utils.js";
import { alloc, asGraph, asTensor, describeValue, elementsOf, fail, graphAt, sizeOf, streamingCost } from "./common.js";
import { edgeTensorAt, nodeTensorAt, rowSize } from "./graph-common.js";
import { nodeRows } from "./graph-structure.js";
import { softmaxLine } from "./reduce.js";

/**
 * Message passing over the CSR-by-destination graph: SpMM (aggregate neighbour rows, optionally
 * edge-weighted), SDDMM (per-edge scores from both endpoints) and the per-destination edge softmax.
 */

const spmm: OpSpec = {
  name: "g.spmm",
  summary:
    "out[i] = reduce over edges e into i of w[e]·x[src[e]]; w is [E] or [E,H] (with x [N,H,C]); mean divides by in-degree; empty rows give 0",
  arity: [2, 3],
  attrs: { reduce: { kind: "string", default: "sum", oneOf: ["sum", "mean", "max"] } },
  pure: true,
  infer(inputs) {
    const g = graphAt(inputs, 0);
    if ("error" in g) return g;
    const xi = inputs.length - 1;
    const x = nodeTensorAt(inputs, xi, "x", g);
    if ("error" in x) return x;
    if (inputs.length === 3) {
      const w = edgeTensorAt(inputs, 1, "edge weights", g);
      if ("error" in w) return w;
      const what = `cannot weight ${formatType(x)} by ${formatType(w)}`;
      if (w.dtype !== x.dtype) return fail(`${what}: dtypes differ`, [1, 2]);
      if (w.shape.length > 2) return fail(`${what}: edge weights must be [E] or [E,H]`, [1]);
      if (w.shape.length === 2 && (x.shape.length !== 3 || x.shape[1] !== w.shape[1])) {
        return fail(`${what}: per-head weights [E,${w.shape[1]}] need x of shape [N,${w.shape[1]},C]`, [1, 2]);
      }
    }
    return x;
  },
  interpret(inputs, attrs) {
    const g = asGraph(inputs[0]);
    const x = nodeRows(g, asTensor(inputs[inputs.length - 1], "x"));
    const w = inputs.length === 3 ? asTensor(inputs[1], "edge weights") : undefined;
    if (w && w.shape[0] !== g.numEdges) throw new Error(`edge weights ${describeValue(w)} have no row per edge`);
    const rs = rowSize(x.shape);
    const heads = w && w.shape.length === 2 ? w.shape[1] : 1;
    const perHead = rs / heads; // x row = heads × perHead elements; head h weights its own slice
    const reduce = attrs.reduce as string;
    const out = alloc(x.dtype, x.shape);
    const acc = new Float64Array(rs);
    for (let i = 0; i < g.numNodes; i++) {
      const from = g.indptr[i];
      const to = g.indptr[i + 1];
      if (from === to) continue; // rows with no edges stay 0 for every reduce
      acc.fill(reduce === "max" ? -Infinity : 0);
      for (let e = from; e < to; e++) {
        const s = g.src[e] * rs;
        for (let f = 0; f < rs; f++) {
          const v = w ? w.data[e * heads + Math.floor(f / perHead)] * x.data[s + f] : x.data[s + f];
          acc[f] = reduce === "max" ? Math.max(acc[f], v) : acc[f] + v;
        }
      }
      if (reduce === "mean") for (let f = 0; f < rs; f++) acc[f] /= to - from;
      out.data.set(acc, i * rs);
    }
    return out;
  },
  cost(inputs, output, _attrs, symbols) {
    const g = inputs[0];
    const x = inputs[inputs.length - 1];
    const edges = g.kind === "graph" ? sizeOf(g.edges, symbols) : 0;
    const row = x.kind === "tensor" ? x.shape.slice(1).reduce<number>((n, d) => n * sizeOf(d, symbols), 1) : 0;
    return streamingCost(inputs, output, symbols, 2 * edges * row); // a multiply-add per edge and channel
  },
};

const sddmm: OpSpec = {
  name: "g.sddmm",
  summary: "per edge e: a[src] + b[dst] ([E,…]) or, for op=dot, their dot product over the last axis",
  arity: 3,
  attrs: { op: { kind: "string", default: "add", oneOf: ["add", "dot"] } },
  pure: true,
  infer(inputs, attrs) {
    const g = graphAt(inputs, 0);
    if ("error" in g) return g;
    const a = nodeTensorAt(inputs, 1, "a", g);
    if ("error" in a) return a;
    const b = nodeTensorAt(inputs, 2, "b", g);
    if ("error" in b) return b;
    const same = a.dtype === b.dtype && a.shape.length === b.shape.length && a.shape.every((d, k) => d === b.shape[k]);
    if (!same) return fail(`a ${formatType(a)} and b ${formatType(b)} must have the same type`, [1, 2]);
    if (attrs.op === "dot") {
      if (a.shape.length < 2) return fail(`g.sddmm{op=dot} needs [N,…,D] operands, got ${formatType(a)}`, [1]);
      return { kind: "tensor", dtype: a.dtype, shape: [g.edges, ...a.shape.slice(1, -1)] };
    }
    return { kind: "tensor", dtype: a.dtype, shape: [g.edges, ...a.shape.slice(1)] };
  },
  interpret(inputs, attrs) {
    const g = asGraph(inputs[0]);
    const a = nodeRows(g, asTensor(inputs[1], "a"));
    const b = nodeRows(g, asTensor(inputs[2], "b"));
    const rs = rowSize(a.shape);
    if (attrs.op === "dot") {
      const d = a.shape[a.shape.length - 1];
      const groups = rs / d;
      const out = alloc(a.dtype, [g.numEdges, ...a.shape.slice(1, -1)]);
      for (let e = 0; e < g.numEdges; e++) {
        const sa = g.src[e] * rs;
        const sb = g.dst[e] * rs;
        for (let k = 0; k < groups; k++) {
          let dot = 0;
          for (let j = 0; j < d; j++) dot += a.data[sa + k * d + j] * b.data[sb + k * d + j];
          out.data[e * groups + k] = dot;
        }
      }
      return out;
    }
    const out = alloc(a.dtype, [g.numEdges, ...a.shape.slice(1)]);
    for (let e = 0; e < g.numEdges; e++) {
      const sa = g.src[e] * rs;
      const sb = g.dst[e] * rs;
      for (let f = 0; f < rs; f++) out.data[e * rs + f] = a.data[sa + f] + b.data[sb + f];
    }
    return out;
  },
  cost(inputs, output, attrs, symbols) {
    const a = inputs[1];
    const depth = attrs.op === "dot" && a.kind === "tensor" ? sizeOf(a.shape[a.shape.length - 1], symbols) : 1;
    return streamingCost(inputs, output, symbols, 2 * depth * elementsOf(output, symbols));
  },
};

const edgeSoftmax: OpSpec = {
  name: "g.edge_softmax",
  summary: "softmax of edge scores [E] or [E,H] over each destination's incoming edges (max-subtracted)",
  arity: 2,
  attrs: {},
  pure: true,
  infer(inputs) {
    const g = graphAt(inputs, 0);
    if ("error" in g) return g;
    return edgeTensorAt(inputs, 1, "edge scores", g);
  },
  interpret(inputs) {
    const g = asGraph(inputs[0]);
    const s = asTensor(inputs[1], "edge scores");
    if (s.shape[0] !== g.numEdges) throw new Error(`edge scores ${describeValue(s)} have no row per edge`);
    const rs = rowSize(s.shape);
    const out = alloc(s.dtype, s.shape);
    for (let i = 0; i < g.numNodes; i++) {
      const from = g.indptr[i];
      const line = new Float64Array(g.indptr[i + 1] - from);
      for (let f = 0; f < rs; f++) {
        for (let k = 0; k < line.length; k++) line[k] = s.data[(from + k) * rs + f];
        softmaxLine(line, false);
        for (let k = 0; k < line.length; k++) out.data[(from + k) * rs + f] = line[k];
      }
    }
    return out;
  },
  cost(inputs, output, _attrs, symbols) {
    return streamingCost(inputs, output, symbols, 8 * elementsOf(output, symbols));
  },
};

export const graphAggregateOps: readonly OpSpec[] = [spmm, sddmm, edgeSoftmax];
