import { graphFromEdges } from "../../../compiler/ir/graph-value.js";
import type { DType } from "../../../compiler/ir/types.js";
import type { GraphValue, TensorValue } from "../../../compiler/ir/values.js";

/** Small builders for interpreter tests: concrete values and graphs. */

export function tensor(shape: number[], data: ArrayLike<number>, dtype: DType = "f32"): TensorValue {
  const arr =
    dtype === "i32" ? Int32Array.from(data) : dtype === "u32" ? Uint32Array.from(data) : dtype === "bool" ? Uint8Array.from(data) : Float32Array.from(data);
  return { kind: "tensor", dtype, shape, data: arr };
}

export function scalarI32(v: number): TensorValue {
  return tensor([], [v], "i32");
}

/** A graph from `[src, dst]` pairs. */
export function graph(numNodes: number, edges: Array<[number, number]>): GraphValue {
  return graphFromEdges(numNodes, Int32Array.from(edges.map((e) => e[0])), Int32Array.from(edges.map((e) => e[1])));
}

