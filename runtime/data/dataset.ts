import type { GraphValue } from "../../compiler/ir/values.js";

/** Node features, kept sparse (CSR, rows = nodes) when the source is sparse. */
export type Features =
  | { kind: "csr"; indptr: Int32Array; indices: Int32Array; data: Float32Array }
  | { kind: "dense"; data: Float32Array };

/** A node-classification dataset, fully validated and in memory. */
export interface Dataset {
  name: string;
  numNodes: number;
  numFeatures: number;
  numClasses: number;
  /** CSR by destination, built with graphFromEdges. */
  graph: GraphValue;
  features: Features;
  /** Class id per node; -1 = unlabelled. */
  labels: Int32Array;
  /** Node ids per split (train/val/test…), ascending, disjoint, all labelled. */
  splits: Record<string, Int32Array>;
}

/**
 * What a loader returns. `warnings` are problems in the input that were fixed (duplicate or
 * unsorted edges…); `notes` are conventions applied on purpose (symmetrised, self loops dropped…).
 */
export interface LoadResult {
  dataset: Dataset;
  warnings: string[];
  notes: string[];
}
