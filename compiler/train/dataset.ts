import type { Span } from "../../grammar/span.js";
import type { GraphsArgs } from "./graphs-rules.js";

/** Where a dataset comes from, with its checked arguments. */
export type DatasetSource =
  | { kind: "load"; name: string }
  | {
      kind: "csbm";
      nodes: number;
      classes: number;
      features: number;
      avgDegree: number;
      homophily: number;
      signal: number;
      seed: number;
    }
  | ({ kind: "graphs" } & GraphsArgs)
  | { kind: "npz"; path: string }
  | { kind: "edgelist"; path: string; features?: string; labels?: string };

export type DatasetTransform = "normalize_features" | "to_undirected" | "largest_connected_component";

export const DATASET_TRANSFORMS: readonly DatasetTransform[] = [
  "normalize_features",
  "to_undirected",
  "largest_connected_component",
];

/** Sizes known at compile time; absent ones stay symbolic (`cora.num_nodes`). */
export interface DatasetSizes {
  numNodes?: number;
  numEdges?: number;
  numFeatures?: number;
  numClasses?: number;
  numEdgeFeatures?: number;
  numGraphs?: number;
}

/** A checked dataset: a `dataset` declaration, or an inline `data = load(...)` in a train block. */
export interface DatasetRef {
  /** The declared name (`cora`); for an inline dataset, the loaded name or the source kind. */
  name: string;
  source: DatasetSource;
  transforms: DatasetTransform[];
  /** What the resolver reported for `load(name)`, before transforms. */
  info?: DatasetInfo;
  /** Sizes after transforms. */
  sizes: DatasetSizes;
  span: Span;
}

export const DATASET_ATTRIBUTES = ["num_features", "num_classes", "num_nodes", "num_edges", "num_edge_features", "num_graphs"] as const;
export type DatasetAttribute = (typeof DATASET_ATTRIBUTES)[number];

/** The compile-time value of `ds.attr`: concrete when known, else the symbolic dim `ds.attr`. */
export function datasetAttribute(ds: DatasetRef, attr: DatasetAttribute): number | string {
  const known = {
    num_features: ds.sizes.numFeatures,
    num_classes: ds.sizes.numClasses,
    num_nodes: ds.sizes.numNodes,
    num_edges: ds.sizes.numEdges,
    num_edge_features: ds.sizes.numEdgeFeatures,
    num_graphs: ds.sizes.numGraphs,
  }[attr];
  return known ?? `${ds.name}.${attr}`;
}

/**
 * What the compiler needs to know about a dataset to type a model: sizes, not data.
 * The CLI supplies a resolver backed by the data directory; without one, `load("x")` sizes stay
 * symbolic (`x.num_features`) and everything still type-checks.
 */
export interface DatasetInfo {
  name: string;
  numNodes: number;
  numEdges: number;
  numFeatures: number;
  numClasses: number;
  /** Split names available (train/val/test). */
  splits: readonly string[];
  /** The inputs besides x and the graph the dataset supplies (`edge_weight`, `edge_attr`, `batch`); absent: none. */
  inputs?: readonly string[];
  /** Width of `edge_attr`, when the dataset has edge features. */
  numEdgeFeatures?: number;
  /** Graphs of a graph-level dataset (its labels and splits are per graph). */
  numGraphs?: number;
}

/** Why a dataset's metadata cannot be used: a data error's code (E7xx) and message (naming the file and the value). */
export interface DatasetProblem {
  code: string;
  message: string;
  help?: string;
}

export interface DatasetResolver {
  /** Metadata for `load(name)`; undefined when the dataset is not available here; a problem when its files are broken. */
  describe(name: string): DatasetInfo | DatasetProblem | undefined;
  /** True when no data folder was named: a dataset not found then stays symbolic without a warning (W201). */
  quietWhenAbsent?: boolean;
}
