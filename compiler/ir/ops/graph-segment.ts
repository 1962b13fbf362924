import type { OpSpec } from "../spec.js";
import { alloc, asGraph, asTensor, describeValue, elementsOf, graphAt, streamingCost } from "./common.js";
import { edgeRowsToNodes, edgeTensorAt, rowSize } from "./graph-common.js";
import type { GraphValue, TensorValue } from "../values.js";

/**
 * Max over each destination's incoming edge rows (`aggr = "max"` of a message that is not a
 * weighted source row: EdgeConv's MLP of both ends, a user's message). Empty rows give 0, as
 * PyG's scatter max does. `min` is `−max(−y)`, built by the frontend.
 */

function edgeRows(inputs: readonly unknown[]): { g: GraphValue; y: TensorValue; rs: number } {
  const g = asGraph(inputs[0] as GraphValue);
  const y = asTensor(inputs[1] as TensorValue, "y");
  if (y.shape[0] !== g.numEdges) throw new Error(`y ${describeValue(y)} has no row per edge (${g.numEdges} edges)`);
  return { g, y, rs: rowSize(y.shape) };
}

/** Per destination row and channel: the first edge (CSR order) holding the maximum, or −1 for an empty row. */
function firstArgMax(g: GraphValue, y: TensorValue, rs: number, i: number, f: number): number {
  let best = -1;
  for (let e = g.indptr[i]; e < g.indptr[i + 1]; e++) {
    if (best < 0 || y.data[e * rs + f] > y.data[best * rs + f]) best = e;
  }
  return best;
}

const scatterMax: OpSpec = {
  name: "g.scatter_max",
  summary: "out[i] = max over edges e into i of y[e] ([E,…] → [N,…]); nodes with no in-edge get 0",
  arity: 2,
  attrs: {},
  pure: true,
  infer: edgeRowsToNodes,
  interpret(inputs, _attrs, ctx) {
    const { g, y, rs } = edgeRows(inputs);
    const out = alloc(y.dtype, [g.numNodes, ...y.shape.slice(1)], ctx.precision);
    for (let i = 0; i < g.numNodes; i++) {
      for (let f = 0; f < rs; f++) {
        const e = firstArgMax(g, y, rs, i, f);
        if (e >= 0) out.data[i * rs + f] = y.data[e * rs + f];
      }
    }
    return out;
  },
  // The cotangent of a destination goes to its first arg-max edge, per channel.
  vjp(b, { node, cotangent }) {
    const [g, y] = node.inputs;
    const mask = b.emit("g.scatter_max_mask", [g, y]);
    return [undefined, b.emit("t.mul", [b.emit("g.gather_dst", [g, cotangent]), mask])];
  },
  cost(inputs, output, _attrs, symbols) {
    return streamingCost(inputs, output, symbols, elementsOf(inputs[1], symbols));
  },
};

const scatterMaxMask: OpSpec = {
  name: "g.scatter_max_mask",
  summary: "per edge and channel: 1 where y[e] is the first maximum (CSR order) of its destination's in-edges, else 0",
  arity: 2,
  attrs: {},
  pure: true,
  nondifferentiable: true,
  infer(inputs) {
    const g = graphAt(inputs, 0);
    if ("error" in g) return g;
    return edgeTensorAt(inputs, 1, "y", g);
  },
  interpret(inputs, _attrs, ctx) {
    const { g, y, rs } = edgeRows(inputs);
    const out = alloc(y.dtype, y.shape, ctx.precision);
    for (let i = 0; i < g.numNodes; i++) {
      for (let f = 0; f < rs; f++) {
        const e = firstArgMax(g, y, rs, i, f);
        if (e >= 0) out.data[e * rs + f] = 1;
      }
    }
    return out;
  },
  cost(inputs, output, _attrs, symbols) {
    return streamingCost(inputs, output, symbols, elementsOf(inputs[1], symbols));
  },
};

export const graphSegmentOps: readonly OpSpec[] = [scatterMax, scatterMaxMask];
