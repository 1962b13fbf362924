import type { GraphValue } from "../../compiler/ir/values.js";

/** Node features, kept sparse (CSR, rows = nodes) when the source is sparse. */
export type Features =
  | { kind: "csr"; indptr: Int32Array; indices: Int32Array; data: Float32Array }
  | { kind: "dense"; data: Float32Array };

/** Features of every edge, row-major [E, dim], in the graph's edge order. */
export interface EdgeAttr {
  dim: number;
  data: Float32Array;
}

/**
 * Many small graphs stored as one disjoint union (a graph-classification dataset): node n belongs
 * to graph batch[n], ascending. Labels and splits are then per graph, not per node.
 */
export interface GraphBatch {
  numGraphs: number;
  batch: Int32Array;
}

/** A node- or graph-classification dataset, fully validated and in memory. */
export interface Dataset {
  name: string;
  numNodes: number;
  numFeatures: number;
  numClasses: number;
  /** CSR by destination, built with graphFromEdges. */
  graph: GraphValue;
  /** PyG's `edge_weight` [E], in the graph's edge order, when the source has one. */
  edgeWeight?: Float32Array;
  /** PyG's `edge_attr` [E, D], in the graph's edge order, when the source has them. */
  edgeAttr?: EdgeAttr;
  /** Present for a graph-level dataset: which graph each node belongs to. */
  graphs?: GraphBatch;
  features: Features;
  /** Class id per node (per graph for a graph-level dataset); -1 = unlabelled. */
  labels: Int32Array;
  /** Node (or graph) ids per split (train/val/test…), ascending, disjoint, all labelled. */
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
