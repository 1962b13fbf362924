import { dimAdd } from "../dims.js";
import type { OpSpec } from "../spec.js";
import { formatType } from "../type-utils.js";
import type { GraphValue, TensorValue } from "../values.js";
import { alloc, asGraph, asTensor, describeValue, elementsOf, fail, graphAt, streamingCost } from "./common.js";
import { edgeRowsToNodes, edgeTensorAt, nodeTensorAt, rowSize } from "./graph-common.js";

/** Graph structure ops (self loops, degree, GCN normalisation) and moving rows between nodes and edges. */

const addSelfLoops: OpSpec = {
  name: "g.add_self_loops",
  summary: "append one self loop at the end of every destination row (E → E+N)",
  arity: 1,
  attrs: {},
  pure: true,
  infer(inputs) {
    const g = graphAt(inputs, 0);
    if ("error" in g) return g;
    if (g.selfLoops) return fail(`${formatType(g)} already carries self loops`, [0]);
    return { kind: "graph", nodes: g.nodes, edges: dimAdd(g.edges, g.nodes), selfLoops: true };
  },
  interpret(inputs) {
    const g = asGraph(inputs[0]);
    const n = g.numNodes;
    const [inPtr, inSrc, inDst] = [g.indptr, g.src, g.dst];
    const indptr = new Int32Array(n + 1);
    const src = new Int32Array(g.numEdges + n);
    const dst = new Int32Array(g.numEdges + n);
    for (let i = 0; i < n; i++) {
      const from = inPtr[i];
      const to = inPtr[i + 1];
      let at = from + i; // i loops were inserted before this row
      indptr[i] = at;
      for (let e = from; e < to; e++, at++) {
        src[at] = inSrc[e];
        dst[at] = inDst[e];
      }
      src[at] = i;
      dst[at] = i;
    }
    indptr[n] = g.numEdges + n;
    return { kind: "graph", numNodes: n, numEdges: g.numEdges + n, indptr, src, dst, selfLoops: true } satisfies GraphValue;
  },
  nondifferentiable: true,
  cost(inputs, output, _attrs, symbols) {
    return streamingCost(inputs, output, symbols, 0);
  },
};

const degree: OpSpec = {
  name: "g.degree",
  summary: "in-degree of every node (edges into it, self loops included), as f32[N]",
  arity: 1,
  attrs: {},
  pure: true,
  infer(inputs) {
    const g = graphAt(inputs, 0);
    if ("error" in g) return g;
    return { kind: "tensor", dtype: "f32", shape: [g.nodes] };
  },
  interpret(inputs, _attrs, ctx) {
    const g = asGraph(inputs[0]);
    const out = alloc("f32", [g.numNodes], ctx.precision);
    for (let i = 0; i < g.numNodes; i++) out.data[i] = g.indptr[i + 1] - g.indptr[i];
    return out;
  },
  nondifferentiable: true, // depends on the graph only
  cost(inputs, output, _attrs, symbols) {
    return streamingCost(inputs, output, symbols, elementsOf(output, symbols));
  },
};

const gcnNorm: OpSpec = {
  name: "g.gcn_norm",
  summary:
    "PyG gcn_norm edge weights: w_e = a_e·deg^-½[src]·deg^-½[dst], deg = Σ a over in-edges, a = 2 on self loops when improved else 1; 0 where deg = 0",
  arity: 1,
  attrs: { improved: { kind: "bool", default: false } },
  pure: true,
  infer(inputs) {
    const g = graphAt(inputs, 0);
    if ("error" in g) return g;
    return { kind: "tensor", dtype: "f32", shape: [g.edges] };
  },
  interpret(inputs, attrs, ctx) {
    const g = asGraph(inputs[0]);
    const [src, dst, m] = [g.src, g.dst, g.numEdges];
    const loopWeight = attrs.improved ? 2 : 1;
    const deg = new Float64Array(g.numNodes);
    for (let e = 0; e < m; e++) deg[dst[e]] += src[e] === dst[e] ? loopWeight : 1;
    const invSqrt = deg.map((d) => (d > 0 ? 1 / Math.sqrt(d) : 0));
    const out = alloc("f32", [m], ctx.precision);
    const data = out.data;
    for (let e = 0; e < m; e++) data[e] = (src[e] === dst[e] ? loopWeight : 1) * invSqrt[src[e]] * invSqrt[dst[e]];
    return out;
  },
  nondifferentiable: true, // depends on the graph only
  cost(inputs, output, _attrs, symbols) {
    return streamingCost(inputs, output, symbols, 4 * elementsOf(output, symbols));
  },
};

/** The transpose of gathering by an edge end: summing edge rows into that end. */
const scatterOf = { src: "g.scatter_sum_src", dst: "g.scatter_sum" } as const;

function gather(side: "src" | "dst"): OpSpec {
  const name = `g.gather_${side}`;
  return {
    name,
    summary: `out[e] = x[${side}[e]]: node rows copied onto edges ([N,…] → [E,…])`,
    arity: 2,
    attrs: {},
    pure: true,
    infer(inputs) {
      const g = graphAt(inputs, 0);
      if ("error" in g) return g;
      const x = nodeTensorAt(inputs, 1, "x", g);
      if ("error" in x) return x;
      return { kind: "tensor", dtype: x.dtype, shape: [g.edges, ...x.shape.slice(1)] };
    },
    interpret(inputs, _attrs, ctx) {
      const g = asGraph(inputs[0]);
      const x = nodeRows(g, asTensor(inputs[1], "x"));
      const rs = rowSize(x.shape);
      const out = alloc(x.dtype, [g.numEdges, ...x.shape.slice(1)], ctx.precision);
      const ends = g[side];
      for (let e = 0; e < g.numEdges; e++) out.data.set(x.data.subarray(ends[e] * rs, (ends[e] + 1) * rs), e * rs);
      return out;
    },
    // Each node receives the sum of the cotangents of the edges it was copied onto.
    vjp(b, { node, cotangent }) {
      return [undefined, b.emit(scatterOf[side], [node.inputs[0], cotangent])];
    },
    cost(inputs, output, _attrs, symbols) {
      return streamingCost(inputs, output, symbols, 0);
    },
  };
}

/**
 * Sum edge rows into nodes: by destination (`g.scatter_sum`, a row of the CSR at a time) or by
 * source (`g.scatter_sum_src`, the transpose: gather_src's gradient). Rows with no edges are 0.
 */
function scatter(side: "src" | "dst"): OpSpec {
  const name = side === "dst" ? "g.scatter_sum" : "g.scatter_sum_src";
  return {
    name,
    summary: `out[i] = Σ over edges e with ${side}[e] = i of y[e] ([E,…] → [N,…]); nodes with no such edge get 0`,
    arity: 2,
    attrs: {},
    pure: true,
    infer: edgeRowsToNodes,
    interpret(inputs, _attrs, ctx) {
      const g = asGraph(inputs[0]);
      const y = asTensor(inputs[1], "y");
      if (y.shape[0] !== g.numEdges) throw new Error(`y ${describeValue(y)} has no row per edge (${g.numEdges} edges)`);
      const rs = rowSize(y.shape);
      const out = alloc(y.dtype, [g.numNodes, ...y.shape.slice(1)], ctx.precision);
      const acc = new Float64Array(g.numNodes * rs);
      // Edges in order: each node's sum is accumulated in the same (deterministic) order.
      const ends = g[side];
      for (let e = 0; e < g.numEdges; e++) {
        const o = ends[e] * rs;
        for (let f = 0; f < rs; f++) acc[o + f] += y.data[e * rs + f];
      }
      out.data.set(acc);
      return out;
    },
    vjp(b, { node, cotangent }) {
      return [undefined, b.emit(side === "dst" ? "g.gather_dst" : "g.gather_src", [node.inputs[0], cotangent])];
    },
    cost(inputs, output, _attrs, symbols) {
      return streamingCost(inputs, output, symbols, elementsOf(inputs[1], symbols));
    },
  };
}

/** Check that a node-indexed value has one row per node of g (infer proved it symbolically). */
export function nodeRows(g: GraphValue, x: TensorValue): TensorValue {
  if (x.shape[0] !== g.numNodes) throw new Error(`${describeValue(x)} has no row per node (${g.numNodes} nodes)`);
  return x;
}

export const graphStructureOps: readonly OpSpec[] = [
  addSelfLoops,
  degree,
  gcnNorm,
  gather("src"),
  gather("dst"),
  scatter("dst"),
  scatter("src"),
];
