import type { Attrs } from "../ir/types.js";
import type { GraphValue, TensorValue } from "./value.js";

/** The aggregations of message passing (PyG's `aggr`; "add" is PyG's name for "sum"). */
export const AGGREGATIONS = ["sum", "add", "mean", "max", "min", "softmax"] as const;

/** Emits one op (the frontend's and a layer expansion's emitters both fit). */
export type Emit = (op: string, inputs: readonly number[], attrs?: Attrs) => TensorValue;

/**
 * Combine each node's in-edge messages `m` [E, …] into [N, …]; nodes without in-edges get 0.
 * softmax is PyG's SoftmaxAggregation (t = 1): Σ_j softmax_j(m_ij) · m_ij per channel. The
 * fuse-message pass turns these into SpMM where the message is an edge term times x_j.
 */
export function aggregateMessages(emit: Emit, one: () => TensorValue, aggr: string, g: GraphValue, m: TensorValue): TensorValue {
  switch (aggr) {
    case "mean": {
      const sum = emit("g.scatter_sum", [g.id, m.id]);
      const degree = emit("t.maximum", [emit("g.degree", [g.id]).id, one().id]);
      const perNode = emit("t.reshape", [degree.id], { shape: [g.type.nodes, ...m.type.shape.slice(1).map(() => 1)] });
      return emit("t.div", [sum.id, perNode.id]);
    }
    case "max":
      return emit("g.scatter_max", [g.id, m.id]);
    case "min":
      return emit("t.neg", [emit("g.scatter_max", [g.id, emit("t.neg", [m.id]).id]).id]);
    case "softmax":
      return emit("g.scatter_sum", [g.id, emit("t.mul", [emit("g.edge_softmax", [g.id, m.id]).id, m.id]).id]);
    default:
      return emit("g.scatter_sum", [g.id, m.id]);
  }
}
