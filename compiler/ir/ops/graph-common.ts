import type { InferError } from "../spec.js";
import { formatType } from "../type-utils.js";
import type { Dim, GraphType, TensorType, Type } from "../types.js";
import { fail, floatTensorAt, graphAt } from "./common.js";

/** Operand checks shared by the graph ops: node-indexed `[N,…]` and edge-indexed `[E,…]` tensors. */

function indexedBy(
  inputs: readonly Type[],
  i: number,
  role: string,
  g: GraphType,
  what: "node" | "edge",
): TensorType | InferError {
  const t = floatTensorAt(inputs, i, role);
  if ("error" in t) return t;
  const expected: Dim = what === "node" ? g.nodes : g.edges;
  if (t.shape.length === 0 || t.shape[0] !== expected) {
    return fail(
      `${role} must have one row per ${what} of ${formatType(g)} (${expected} rows), got ${formatType(t)}`,
      [0, i],
    );
  }
  return t;
}

export function nodeTensorAt(inputs: readonly Type[], i: number, role: string, g: GraphType): TensorType | InferError {
  return indexedBy(inputs, i, role, g, "node");
}

export function edgeTensorAt(inputs: readonly Type[], i: number, role: string, g: GraphType): TensorType | InferError {
  return indexedBy(inputs, i, role, g, "edge");
}

/** The type of a reduction of edge rows (operand 1, [E,…]) into node rows ([N,…]) over graph operand 0. */
export function edgeRowsToNodes(inputs: readonly Type[]): TensorType | InferError {
  const g = graphAt(inputs, 0);
  if ("error" in g) return g;
  const y = edgeTensorAt(inputs, 1, "y", g);
  if ("error" in y) return y;
  return { kind: "tensor", dtype: y.dtype, shape: [g.nodes, ...y.shape.slice(1)] };
}

/** Elements per row of a row-indexed tensor (product of the trailing dims). */
export function rowSize(shape: readonly number[]): number {
  let n = 1;
  for (let k = 1; k < shape.length; k++) n *= shape[k];
  return n;
}
