import type { OpSpec } from "../spec.js";
import { formatType } from "../type-utils.js";
import { alloc, asGraph, asTensor, fail, graphAt, sizeOf, tensorAt } from "./common.js";
import type { TensorType } from "../types.js";

/**
 * `g.adjacency_block`: the dense block A[idx, idx] of the adjacency (1 where the graph has an
 * edge from idx[j] into idx[i]): what a graph auto-encoder reconstructs on a mini-batch of nodes.
 * It reads only the batch's rows of the graph, so its cost is the batch's, not the graph's.
 */
const adjacencyBlock: OpSpec = {
  name: "g.adjacency_block",
  summary: "A[idx, idx] as 0/1 floats: out[i, j] = 1 iff the graph has an edge idx[j] → idx[i]",
  arity: 2,
  attrs: {},
  pure: true,
  infer(inputs) {
    const g = graphAt(inputs, 0);
    if ("error" in g) return g;
    const idx = tensorAt(inputs, 1, "index");
    if ("error" in idx) return idx;
    if (!(idx.dtype === "i32" || idx.dtype === "u32") || idx.shape.length !== 1) return fail(`the index must be an i32[M] vector, got ${formatType(idx)}`, [1]);
    return { kind: "tensor", dtype: "f32", shape: [idx.shape[0], idx.shape[0]] };
  },
  interpret(inputs, _attrs, ctx) {
    const g = asGraph(inputs[0]);
    const idx = asTensor(inputs[1], "index").data;
    const m = idx.length;
    for (let j = 0; j < m; j++) {
      if (!(idx[j] >= 0 && idx[j] < g.numNodes)) throw new Error(`index[${j}] = ${idx[j]} is out of range for a graph of ${g.numNodes} nodes`);
    }
    const out = alloc("f32", [m, m], ctx.precision);
    for (let i = 0; i < m; i++) {
      const sources = new Set(g.src.subarray(g.indptr[idx[i]], g.indptr[idx[i] + 1]));
      for (let j = 0; j < m; j++) if (sources.has(idx[j])) out.data[i * m + j] = 1;
    }
    return out;
  },
  nondifferentiable: true,
  // Each entry scans its row's edges: the batch's rows, a mean degree (E/N) each.
  cost(inputs, output, _attrs, symbols) {
    const g = inputs[0];
    const m = sizeOf((inputs[1] as TensorType).shape[0], symbols);
    const degree = g.kind === "graph" ? sizeOf(g.edges, symbols) / Math.max(1, sizeOf(g.nodes, symbols)) : 0;
    return { flops: m * m * degree, bytes: 4 * m * m * (1 + degree) + 4 * m + 4 * sizeOf((output as TensorType).shape[0], symbols) };
  },
};

export const graphBlockOps: readonly OpSpec[] = [adjacencyBlock];
