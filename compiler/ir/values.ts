import type { DType } from "./types.js";

/**
 * Concrete values the reference semantics of each op (in the op spec table) compute on.
 * Plain typed arrays: no device, no GPU. Shapes here are concrete.
 */

export type TensorData = Float32Array | Float64Array | Int32Array | Uint32Array | Uint8Array;

/**
 * How the reference semantics store float tensors: `f32` (the default, what the GPU computes) or
 * `f64` (for finite-difference gradient checks, where f32 rounding would swamp the difference).
 */
export type FloatPrecision = "f32" | "f64";

export interface TensorValue {
  kind: "tensor";
  dtype: DType;
  shape: number[];
  /**
   * Row-major. f32 and f16 are both stored as Float32Array here (Float64Array in the interpreter's
   * f64 mode); bool as Uint8Array.
   */
  data: TensorData;
}

/**
 * A graph in CSR-by-destination form: the incoming edges of node i are positions
 * `indptr[i] .. indptr[i+1]-1`, and `src[e]` is the source of edge e (`dst[e]` its destination,
 * kept for edge-parallel ops). Edge-indexed tensors follow this order.
 */
export interface GraphValue {
  kind: "graph";
  numNodes: number;
  numEdges: number;
  indptr: Int32Array;
  src: Int32Array;
  dst: Int32Array;
  selfLoops: boolean;
}

/** A counter-based RNG key (two u32 words). */
export interface RngValue {
  kind: "rng";
  key: readonly [number, number];
}

/** The values of a node with a tuple type (a loop carrying several values). */
export interface TupleValue {
  kind: "tuple";
  items: readonly Value[];
}

export type Value = TensorValue | GraphValue | RngValue | TupleValue;
