import { stringAttr } from "../attrs.js";
import { dimMul } from "../dims.js";
import type { InferError, OpSpec, VjpBuilder } from "../spec.js";
import { formatType } from "../type-utils.js";
import type { Dim, GraphType, TensorType, Type } from "../types.js";
import type { GraphValue, TensorValue, Value } from "../values.js";
import {
  alloc,
  asGraph,
  asTensor,
  describeValue,
  elementsOf,
  fail,
  graphAt,
  reshapeTo,
  scalarLike,
  sizeOf,
  streamingCost,
  tensorTypeOf,
} from "./common.js";
import { edgeTensorAt, nodeTensorAt, rowSize } from "./graph-common.js";
import { nodeRows } from "./graph-structure.js";
import { softmaxLine } from "./reduce.js";

/**
 * Message passing over the CSR-by-destination graph: SpMM (aggregate neighbour rows, optionally
 * edge-weighted), SDDMM (per-edge scores from both endpoints) and the per-destination edge softmax.
 */

/** Operand checks of (g, [w], x) aggregations: w is [E] or [E,H] (with x [N,H,C]); the result is x's type. */
function inferAggregate(inputs: readonly Type[] ): TensorType | InferError {
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
}

/** The weighted messages of an aggregation: the edge weight of edge e and feature f (1 without weights). */
function edgeWeight(w: TensorValue | undefined, rs: number): (e: number, f: number) => number {
  if (!w) return () => 1;
  const heads = w.shape.length === 2 ? w.shape[1] : 1;
  const perHead = rs / heads; // x row = heads × perHead elements; head h weights its own slice
  return (e, f) => w.data[e * heads + Math.floor(f / perHead)];
}

function aggregateOperands(inputs: readonly Value[]): { g: GraphValue; x: TensorValue; w?: TensorValue } {
  const g = asGraph(inputs[0]);
  const x = nodeRows(g, asTensor(inputs[inputs.length - 1], "x"));
  const w = inputs.length === 3 ? asTensor(inputs[1], "edge weights") : undefined;
  if (w && w.shape[0] !== g.numEdges) throw new Error(`edge weights ${describeValue(w)} have no row per edge`);
  return { g, x, w };
}

function aggregateCost(): OpSpec["cost"] {
  return (inputs, output, _attrs, symbols) => {
    const g = inputs[0];
    const x = inputs[inputs.length - 1];
    const edges = g.kind === "graph" ? sizeOf(g.edges, symbols) : 0;
    const row = x.kind === "tensor" ? x.shape.slice(1).reduce<number>((n, d) => n * sizeOf(d, symbols), 1) : 0;
    return streamingCost(inputs, output, symbols, 2 * edges * row); // a multiply-add per edge and channel
  };
}

const spmm: OpSpec = {
  name: "g.spmm",
  summary:
    "out[i] = reduce over edges e into i of w[e]·x[src[e]]; w is [E] or [E,H] (with x [N,H,C]); mean divides by in-degree; empty rows give 0",
  arity: [2, 3],
  attrs: { reduce: { kind: "string", default: "sum", oneOf: ["sum", "mean", "max"] } },
  pure: true,
  epilogue: "g.spmm_epilogue",
  infer: inferAggregate,
  interpret(inputs, attrs, ctx) {
    const { g, x, w } = aggregateOperands(inputs);
    const rs = rowSize(x.shape);
    const weight = edgeWeight(w, rs);
    const reduce = stringAttr(attrs, "reduce");
    const out = alloc(x.dtype, x.shape, ctx.precision);
    const acc = new Float64Array(rs);
    for (let i = 0; i < g.numNodes; i++) {
      const from = g.indptr[i];
      const to = g.indptr[i + 1];
      if (from === to) continue; // rows with no edges stay 0 for every reduce
      acc.fill(reduce === "max" ? -Infinity : 0);
      for (let e = from; e < to; e++) {
        const s = g.src[e] * rs;
        for (let f = 0; f < rs; f++) {
          const v = w ? weight(e, f) * x.data[s + f] : x.data[s + f];
          acc[f] = reduce === "max" ? Math.max(acc[f], v) : acc[f] + v;
        }
      }
      if (reduce === "mean") for (let f = 0; f < rs; f++) acc[f] /= to - from;
      out.data.set(acc, i * rs);
    }
    return out;
  },
  vjp(b, { node, cotangent }) {
    const reduce = stringAttr(node.attrs, "reduce");
    const [g] = node.inputs;
    const x = node.inputs[node.inputs.length - 1];
    const w = node.inputs.length === 3 ? node.inputs[1] : undefined;
    if (reduce === "max") return spmmMaxGrad(b, node.inputs, cotangent);
    // mean is sum with each destination's cotangent divided by its in-degree.
    const c = reduce === "mean" ? divideByInDegree(b, g, cotangent) : cotangent;
    const gx = b.emit("g.spmm_t", w === undefined ? [g, c] : [g, w, c]);
    if (w === undefined) return [undefined, gx];
    return [undefined, edgeDot(b, g, x, c, w), gx];
  },
  cost: aggregateCost(),
};

/** Rank-matching view of a per-node vector `v` [N] against `like` [N,…] ([N,1,…,1]). */
function perNode(b: VjpBuilder, v: number, like: number): number {
  const t = tensorTypeOf(b, like);
  return reshapeTo(b, v, [t.shape[0], ...t.shape.slice(1).map(() => 1)]);
}

/** c[i] / max(in-degree(i), 1): mean aggregation's cotangent as a sum's. */
function divideByInDegree(b: VjpBuilder, g: number, c: number): number {
  const dtype = tensorTypeOf(b, c).dtype;
  let deg = b.emit("g.degree", [g]);
  if (tensorTypeOf(b, deg).dtype !== dtype) deg = b.emit("t.cast", [deg], { dtype });
  const safe = b.emit("t.maximum", [deg, scalarLike(b, 1, deg)]); // empty rows are never read
  return b.emit("t.div", [c, perNode(b, safe, c)]);
}

/**
 * The gradient of edge weights w ([E] or [E,H]) that scaled `a` (gathered at the source) into a
 * sum at the destination whose cotangent is `c`: per edge (and head), a[src]·c[dst] over the channels.
 */
function edgeDot(b: VjpBuilder, g: number, a: number, c: number, w: number): number {
  if (tensorTypeOf(b, w).shape.length === 2) return b.emit("g.sddmm", [g, a, c], { op: "dot" });
  const flat = (v: number) => {
    const shape = tensorTypeOf(b, v).shape;
    return reshapeTo(b, v, [shape[0], shape.slice(1).reduce<Dim>((n, d) => dimMul(n, d), 1)]);
  };
  return b.emit("g.sddmm", [g, flat(a), flat(c)], { op: "dot" });
}

/** Edge weights [E] or [E,H] viewed against edge rows [E,…] of `like` ([E,1,…] or [E,H,1]). */
function perEdge(b: VjpBuilder, w: number, like: number): number {
  const shape = tensorTypeOf(b, like).shape;
  const wShape = tensorTypeOf(b, w).shape;
  return reshapeTo(b, w, [...wShape, ...shape.slice(wShape.length).map(() => 1)]);
}

/** Sum edge rows over their channels to the weights' shape ([E] or [E,H]). */
function sumToWeights(b: VjpBuilder, v: number, w: number): number {
  const rank = tensorTypeOf(b, v).shape.length;
  const wRank = tensorTypeOf(b, w).shape.length;
  if (rank === wRank) return v;
  return b.emit("t.sum", [v], { axes: Array.from({ length: rank - wRank }, (_, k) => wRank + k), keepdims: false });
}

/** Max aggregation routes each destination's cotangent to its first arg-max edge (per channel). */
function spmmMaxGrad(b: VjpBuilder, inputs: readonly number[], cotangent: number): (number | undefined)[] {
  const [g] = inputs;
  const x = inputs[inputs.length - 1];
  const w = inputs.length === 3 ? inputs[1] : undefined;
  const mask = b.emit("g.spmm_max_mask", [...inputs]);
  const routed = b.emit("t.mul", [b.emit("g.gather_dst", [g, cotangent]), mask]);
  if (w === undefined) return [undefined, b.emit("g.scatter_sum_src", [g, routed])];
  const gx = b.emit("g.scatter_sum_src", [g, b.emit("t.mul", [routed, perEdge(b, w, routed)])]);
  const gw = sumToWeights(b, b.emit("t.mul", [routed, b.emit("g.gather_src", [g, x])]), w);
  return [undefined, gw, gx];
}

/**
 * `g.spmm_t(g, [w], y)`: the transposed aggregation, out[j] = Σ over edges e with src[e] = j of
 * w[e]·y[dst[e]] — spmm's gradient w.r.t. x (on the GPU: the transposed layout built at load).
 */
const spmmT: OpSpec = {
  name: "g.spmm_t",
  summary: "out[j] = Σ over edges e out of j (src[e] = j) of w[e]·y[dst[e]]; spmm's transpose (sum only)",
  arity: [2, 3],
  attrs: {},
  pure: true,
  infer: inferAggregate,
  interpret(inputs, _attrs, ctx) {
    const { g, x: y, w } = aggregateOperands(inputs);
    const rs = rowSize(y.shape);
    const weight = edgeWeight(w, rs);
    const acc = new Float64Array(g.numNodes * rs);
    for (let e = 0; e < g.numEdges; e++) {
      const o = g.src[e] * rs;
      const d = g.dst[e] * rs;
      for (let f = 0; f < rs; f++) acc[o + f] += weight(e, f) * y.data[d + f];
    }
    const out = alloc(y.dtype, y.shape, ctx.precision);
    out.data.set(acc);
    return out;
  },
  // The transpose of the transpose: y's gradient aggregates by destination again.
  vjp(b, { node, cotangent }) {
    const [g] = node.inputs;
    const y = node.inputs[node.inputs.length - 1];
    const w = node.inputs.length === 3 ? node.inputs[1] : undefined;
    const gy = b.emit("g.spmm", w === undefined ? [g, cotangent] : [g, w, cotangent], { reduce: "sum" });
    if (w === undefined) return [undefined, gy];
    return [undefined, edgeDot(b, g, cotangent, y, w), gy];
  },
  cost: aggregateCost(),
};

/** 1 on the first edge (CSR order) attaining each destination's maximum message, per channel. */
const spmmMaxMask: OpSpec = {
  name: "g.spmm_max_mask",
  summary: "per edge and channel: 1 where the edge's message w[e]·x[src[e]] is the first maximum of its destination, else 0",
  arity: [2, 3],
  attrs: {},
  pure: true,
  nondifferentiable: true,
  infer(inputs) {
    const x = inferAggregate(inputs);
    if ("error" in x) return x;
    const g = inputs[0] as GraphType;
    return { kind: "tensor", dtype: x.dtype, shape: [g.edges, ...x.shape.slice(1)] };
  },
  interpret(inputs, _attrs, ctx) {
    const { g, x, w } = aggregateOperands(inputs);
    const rs = rowSize(x.shape);
    const weight = edgeWeight(w, rs);
    const out = alloc(x.dtype, [g.numEdges, ...x.shape.slice(1)], ctx.precision);
    for (let i = 0; i < g.numNodes; i++) {
      const from = g.indptr[i];
      const to = g.indptr[i + 1];
      for (let f = 0; f < rs && from < to; f++) {
        let best = from;
        let bestValue = -Infinity;
        for (let e = from; e < to; e++) {
          const v = weight(e, f) * x.data[g.src[e] * rs + f];
          if (e === from || v > bestValue) [best, bestValue] = [e, v];
        }
        out.data[best * rs + f] = 1;
      }
    }
    return out;
  },
  cost: aggregateCost(),
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
  interpret(inputs, attrs, ctx) {
    const g = asGraph(inputs[0]);
    const a = nodeRows(g, asTensor(inputs[1], "a"));
    const b = nodeRows(g, asTensor(inputs[2], "b"));
    const rs = rowSize(a.shape);
    if (attrs.op === "dot") {
      const d = a.shape[a.shape.length - 1];
      const groups = rs / d;
      const out = alloc(a.dtype, [g.numEdges, ...a.shape.slice(1, -1)], ctx.precision);
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
    const out = alloc(a.dtype, [g.numEdges, ...a.shape.slice(1)], ctx.precision);
    for (let e = 0; e < g.numEdges; e++) {
      const sa = g.src[e] * rs;
      const sb = g.dst[e] * rs;
      for (let f = 0; f < rs; f++) out.data[e * rs + f] = a.data[sa + f] + b.data[sb + f];
    }
    return out;
  },
  // add: each endpoint sums the cotangents of its edges. dot: the cotangent scales the other endpoint's row.
  vjp(b, { node, cotangent }) {
    const [g, a, y] = node.inputs;
    if (node.attrs.op !== "dot") {
      return [undefined, b.emit("g.scatter_sum_src", [g, cotangent]), b.emit("g.scatter_sum", [g, cotangent])];
    }
    const c = reshapeTo(b, cotangent, [...tensorTypeOf(b, cotangent).shape, 1]);
    const ga = b.emit("g.scatter_sum_src", [g, b.emit("t.mul", [c, b.emit("g.gather_dst", [g, y])])]);
    const gy = b.emit("g.scatter_sum", [g, b.emit("t.mul", [c, b.emit("g.gather_src", [g, a])])]);
    return [undefined, ga, gy];
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
  interpret(inputs, _attrs, ctx) {
    const g = asGraph(inputs[0]);
    const s = asTensor(inputs[1], "edge scores");
    if (s.shape[0] !== g.numEdges) throw new Error(`edge scores ${describeValue(s)} have no row per edge`);
    const rs = rowSize(s.shape);
    const out = alloc(s.dtype, s.shape, ctx.precision);
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
  // Softmax per destination: dx[e] = y[e]·(c[e] − Σ over the destination's edges of c·y).
  vjp(b, { node, output: y, cotangent: c }) {
    const g = node.inputs[0];
    const cy = b.emit("t.mul", [c, y]);
    const perDst = b.emit("g.gather_dst", [g, b.emit("g.scatter_sum", [g, cy])]);
    return [undefined, b.emit("t.sub", [cy, b.emit("t.mul", [y, perDst])])];
  },
  cost(inputs, output, _attrs, symbols) {
    return streamingCost(inputs, output, symbols, 8 * elementsOf(output, symbols));
  },
};

export const graphAggregateOps: readonly OpSpec[] = [spmm, spmmT, spmmMaxMask, sddmm, edgeSoftmax];
