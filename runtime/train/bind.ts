import type { Module } from "../../compiler/ir/types.js";
import type { TensorValue, Value } from "../../compiler/ir/values.js";
import type { SplitName } from "../../compiler/train/spec.js";
import { withCsrForm } from "../../compiler/codegen/pattern.js";
import { DataError, type Dataset } from "../data/index.js";

/** A dataset as interpreter inputs: what every function of a training run reads. */
export interface BoundData {
  /** `x` (dense f32[N,F]) and `graph`. */
  inputs: { x: TensorValue; graph: Value };
  /** `labels` as i32[N] (−1 = unlabelled). */
  labels: TensorValue;
  /** Per split: the 0/1 mask over nodes (f32[N]) and the node ids. */
  splits: Record<string, { mask: TensorValue; nodes: Int32Array }>;
  /** Sizes of the data: `N`, `E` and `<dataset>.num_nodes|num_edges|num_features|num_classes`. */
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

function splitMask(numNodes: number, nodes: Int32Array): TensorValue {
  const data = new Float32Array(numNodes);
  for (const i of nodes) data[i] = 1;
  return { kind: "tensor", dtype: "f32", shape: [numNodes], data };
}

/**
 * Bind a loaded dataset for a module. `name` is the dataset's name in the `.gnn` file (sizes may
 * appear as `<name>.num_features`). Throws when the data disagrees with a size the module was
 * compiled for (a dataset changed since compiling, or a transform changed the edge count).
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
  for (const [k, v] of Object.entries(module.symbols)) {
    if (k in symbols && symbols[k] !== v) {
      throw new DataError("programMismatch", `dataset \`${name}\` has ${k} = ${symbols[k]}, but the program was compiled for ${k} = ${v}`);
    }
  }
  const splits: BoundData["splits"] = {};
  for (const [split, nodes] of Object.entries(ds.splits)) splits[split] = { mask: splitMask(ds.numNodes, nodes), nodes };
  for (const split of needed) {
    if (!splits[split]) throw new DataError("badSplit", `dataset \`${name}\` has no \`${split}\` split (it has ${Object.keys(ds.splits).join(", ") || "none"})`);
  }
  return {
    inputs: {
      x: features(ds),
      graph: ds.graph,
    },
    labels: { kind: "tensor", dtype: "i32", shape: [ds.numNodes], data: ds.labels },
    splits,
    symbols,
  };
}
