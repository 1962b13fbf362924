import { dimAdd } from "../dims.js";
import type { InferError, OpSpec } from "../spec.js";
import { formatType } from "../type-utils.js";
import type { GraphType, TensorType, Type } from "../types.js";
import type { TensorValue, Value } from "../values.js";
import { alloc, asGraph, asTensor, describeValue, fail, graphAt, streamingCost, tensorTypeOf } from "./common.js";
import { edgeTensorAt, nodeTensorAt, rowSize } from "./graph-common.js";

/**
 * Edge values of a graph as `g.add_self_loops(g)` orders its edges: row i of the looped graph is
 * row i of g followed by i's self loop. `g.append_loops(g, y, loops)` gives every edge its value
 * and every loop its node's (PyG's `add_remaining_self_loops` with a fill value: 1 for GCN's
 * weights, the mean of the in-edges for GAT's edge features); `g.loop_part` takes the two apart
 * again (the gradient of appending).
 */

/** `g` (without self loops) and the row type of its looped edges. */
function loopedGraph(inputs: readonly Type[]): GraphType | InferError {
  const g = graphAt(inputs, 0);
  if ("error" in g) return g;
  if (g.selfLoops) return fail(`${formatType(g)} already carries self loops: give the graph they were added to`, [0]);
  return g;
}

function loopedEdges(g: GraphType): GraphType {
  return { ...g, edges: dimAdd(g.edges, g.nodes), selfLoops: true };
}

function sameRows(a: TensorType, b: TensorType): boolean {
  return a.dtype === b.dtype && a.shape.length === b.shape.length && a.shape.every((d, k) => k === 0 || d === b.shape[k]);
}

/** Position of edge k of row i (k = the row's end: its loop) in the looped graph: shifted by the i loops before it. */
function looped(i: number, k: number): number {
  return k + i;
}

function checkRows(v: TensorValue, rows: number, what: string): void {
  if (v.shape[0] !== rows) throw new Error(`${what} ${describeValue(v)} needs ${rows} rows`);
}

const appendLoops: OpSpec = {
  name: "g.append_loops",
  summary: "edge values [E,…] and one value per node [N,…] → the values of g.add_self_loops(g)'s edges [E+N,…] (each row's loop last)",
  arity: 3,
  attrs: {},
  pure: true,
  infer(inputs) {
    const g = loopedGraph(inputs);
    if ("error" in g) return g;
    const y = edgeTensorAt(inputs, 1, "edge values", g);
    if ("error" in y) return y;
    const loops = nodeTensorAt(inputs, 2, "loop values", g);
    if ("error" in loops) return loops;
    if (!sameRows(y, loops)) return fail(`edge values ${formatType(y)} and loop values ${formatType(loops)} must have rows of one type`, [1, 2]);
    return { kind: "tensor", dtype: y.dtype, shape: [loopedEdges(g).edges, ...y.shape.slice(1)] };
  },
  interpret(inputs: readonly Value[], _attrs, ctx) {
    const g = asGraph(inputs[0]);
    const y = asTensor(inputs[1], "edge values");
    const loops = asTensor(inputs[2], "loop values");
    checkRows(y, g.numEdges, "edge values");
    checkRows(loops, g.numNodes, "loop values");
    const rs = rowSize(y.shape);
    const out = alloc(y.dtype, [g.numEdges + g.numNodes, ...y.shape.slice(1)], ctx.precision);
    for (let i = 0; i < g.numNodes; i++) {
      const from = g.indptr[i];
      const to = g.indptr[i + 1];
      out.data.set(y.data.subarray(from * rs, to * rs), looped(i, from) * rs);
      out.data.set(loops.data.subarray(i * rs, (i + 1) * rs), looped(i, to) * rs);
    }
    return out;
  },
  vjp(b, { node, cotangent }) {
    const g = node.inputs[0];
    return [undefined, b.emit("g.loop_part", [g, cotangent], { part: "edges" }), b.emit("g.loop_part", [g, cotangent], { part: "loops" })];
  },
  cost(inputs, output, _attrs, symbols) {
    return streamingCost(inputs, output, symbols, 0);
  },
};

const loopPart: OpSpec = {
  name: "g.loop_part",
  summary: "values of g.add_self_loops(g)'s edges [E+N,…] → those of g's edges [E,…] (part=edges) or of the loops [N,…] (part=loops)",
  arity: 2,
  attrs: { part: { kind: "string", oneOf: ["edges", "loops"] } },
  pure: true,
  infer(inputs, attrs) {
    const g = loopedGraph(inputs);
    if ("error" in g) return g;
    const y = edgeTensorAt(inputs, 1, "looped edge values", loopedEdges(g));
    if ("error" in y) return y;
    return { kind: "tensor", dtype: y.dtype, shape: [attrs.part === "loops" ? g.nodes : g.edges, ...y.shape.slice(1)] };
  },
  interpret(inputs, attrs, ctx) {
    const g = asGraph(inputs[0]);
    const y = asTensor(inputs[1], "looped edge values");
    checkRows(y, g.numEdges + g.numNodes, "looped edge values");
    const rs = rowSize(y.shape);
    const loops = attrs.part === "loops";
    const out = alloc(y.dtype, [loops ? g.numNodes : g.numEdges, ...y.shape.slice(1)], ctx.precision);
    for (let i = 0; i < g.numNodes; i++) {
      const from = g.indptr[i];
      const to = g.indptr[i + 1];
      if (loops) out.data.set(y.data.subarray(looped(i, to) * rs, (looped(i, to) + 1) * rs), i * rs);
      else out.data.set(y.data.subarray(looped(i, from) * rs, looped(i, to) * rs), from * rs);
    }
    return out;
  },
  // The other part's rows get no gradient: zeros in their place.
  vjp(b, { node, cotangent }) {
    const g = node.inputs[0];
    const gt = b.typeOf(g) as GraphType;
    const rest = tensorTypeOf(b, cotangent).shape.slice(1);
    const other = node.attrs.part === "loops" ? gt.edges : gt.nodes;
    const zeros = b.emit("t.full", [], { value: 0, shape: [other, ...rest], dtype: tensorTypeOf(b, cotangent).dtype });
    const parts = node.attrs.part === "loops" ? [zeros, cotangent] : [cotangent, zeros];
    return [undefined, b.emit("g.append_loops", [g, ...parts])];
  },
  cost(inputs, output, _attrs, symbols) {
    return streamingCost(inputs, output, symbols, 0);
  },
};

export const graphLoopOps: readonly OpSpec[] = [appendLoops, loopPart];
