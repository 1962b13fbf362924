import type { Module } from "../../compiler/ir/types.js";
import type { TensorValue, Value } from "../../compiler/ir/values.js";
import type { SplitName } from "../../compiler/train/spec.js";
import { withCsrForm } from "../../compiler/codegen/pattern.js";
import { EDGE_DATA_INPUTS } from "../../compiler/train/lower.js";
import { inputName } from "../../compiler/ir/struct-views.js";
import { DataError, type Dataset } from "../data/index.js";

/** A dataset as interpreter inputs: what every function of a training run reads. */
export interface BoundData {
  /** `x` (dense f32[N,F]) and `graph`; `edge_weight`, `edge_attr` and `batch` when the dataset has them. */
  inputs: { x: TensorValue; graph: Value } & Partial<Record<(typeof EDGE_DATA_INPUTS)[number], TensorValue>>;
  /** `labels` as i32[N] (i32[B] for a graph-level dataset; −1 = unlabelled). */
  labels: TensorValue;
  /** Per split: the 0/1 mask over nodes (graphs) and their ids. */
  splits: Record<string, { mask: TensorValue; nodes: Int32Array }>;
  /**
   * Sizes of the data: `N`, `E`, `B` (graphs of a graph-level dataset) and
   * `<dataset>.num_nodes|num_edges|num_features|num_classes|num_edge_features|num_graphs`.
   */
  symbols: Record<string, number>;
}

/**
 * Dense row-major features, as the models read x; sparse (CSR) features are expanded, and keep
 * their CSR form alongside (withCsrForm), so that the GPU stores them compactly without scanning
 * the dense matrix for its zeros.
 */
function features(ds: Dataset): TensorValue {
  const shape = [ds.numNodes, ds.numFeatures];
  if (ds.features.kind === "dense") return { kind: "tensor", dtype: "f32", shape, data: ds.features.data };
  const { indptr, indices, data } = ds.features;
  const out = new Float32Array(ds.numNodes * ds.numFeatures);
  for (let row = 0; row < ds.numNodes; row++) {
    for (let k = indptr[row]; k < indptr[row + 1]; k++) out[row * ds.numFeatures + indices[k]] = data[k];
  }
  return withCsrForm({ kind: "tensor", dtype: "f32", shape, data: out }, indptr, indices, data);
}

function splitMask(rows: number, ids: Int32Array): TensorValue {
  const data = new Float32Array(rows);
  for (const i of ids) data[i] = 1;
  return { kind: "tensor", dtype: "f32", shape: [rows], data };
}

/** The edge data and batch vector a dataset supplies, by input name. */
function extraInputs(ds: Dataset): Partial<Record<(typeof EDGE_DATA_INPUTS)[number], TensorValue>> {
  const out: Partial<Record<(typeof EDGE_DATA_INPUTS)[number], TensorValue>> = {};
  const e = ds.graph.numEdges;
  if (ds.edgeWeight) out.edge_weight = { kind: "tensor", dtype: "f32", shape: [e], data: ds.edgeWeight };
  if (ds.edgeAttr) out.edge_attr = { kind: "tensor", dtype: "f32", shape: [e, ds.edgeAttr.dim], data: ds.edgeAttr.data };
  if (ds.graphs) out.batch = { kind: "tensor", dtype: "i32", shape: [ds.numNodes], data: ds.graphs.batch };
  return out;
}

const WHAT: Record<(typeof EDGE_DATA_INPUTS)[number], string> = {
  edge_weight: "edge weights (edge_weight)",
  edge_attr: "edge features (edge_attr)",
  batch: "a batch vector (it is not a set of graphs)",
};

/**
 * Bind a loaded dataset for a module. `name` is the dataset's name in the `.gnn` file (sizes may
 * appear as `<name>.num_features`). Throws when the data disagrees with a size the module was
 * compiled for (a dataset changed since compiling, or a transform changed the edge count), or
 * lacks an input the model reads.
 */
export function bindDataset(ds: Dataset, name: string, module: Module, needed: readonly SplitName[] = []): BoundData {
  const symbols: Record<string, number> = {
    N: ds.numNodes,
    E: ds.graph.numEdges,
    [`${name}.num_nodes`]: ds.numNodes,
    [`${name}.num_edges`]: ds.graph.numEdges,
    [`${name}.num_features`]: ds.numFeatures,
    [`${name}.num_classes`]: ds.numClasses,
  };
  if (ds.edgeAttr) symbols[`${name}.num_edge_features`] = ds.edgeAttr.dim;
  if (ds.graphs) {
    symbols.B = ds.graphs.numGraphs;
    symbols[`${name}.num_graphs`] = ds.graphs.numGraphs;
  }
  for (const [k, v] of Object.entries(module.symbols)) {
    if (k in symbols && symbols[k] !== v) {
      throw new DataError("programMismatch", `dataset \`${name}\` has ${k} = ${symbols[k]}, but the program was compiled for ${k} = ${v}`);
    }
  }
  const extra = extraInputs(ds);
  const read = new Set(module.funcs.flatMap((f) => f.body.map(inputName)));
  for (const input of EDGE_DATA_INPUTS) {
    if (read.has(input) && !extra[input]) throw new DataError("programMismatch", `the model reads \`${input}\`, but dataset \`${name}\` has no ${WHAT[input]}`);
  }
  const rows = ds.labels.length;
  const splits: BoundData["splits"] = {};
  for (const [split, ids] of Object.entries(ds.splits)) splits[split] = { mask: splitMask(rows, ids), nodes: ids };
  for (const split of needed) {
    if (!splits[split]) throw new DataError("badSplit", `dataset \`${name}\` has no \`${split}\` split (it has ${Object.keys(ds.splits).join(", ") || "none"})`);
  }
  return {
    inputs: {
      x: features(ds),
      graph: ds.graph,
      ...extra,
    },
    labels: { kind: "tensor", dtype: "i32", shape: [rows], data: ds.labels },
    splits,
    symbols,
  };
}
