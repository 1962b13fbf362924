import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Dataset } from "./dataset.js";
import { firstOccurrences, hasEdgeData, pickEdges } from "./edge-data.js";
import { checkSymmetry, sortEdges } from "./edges.js";
import type { ArrayKey, OptionalArrayKey } from "./meta.js";

/**
 * Writes a dataset in the shared binary format (meta.json + .bin arrays + a split JSON), as the
 * data README describes it, byte for byte: arrays little-endian, meta.json as Python's
 * `json.dumps(meta, indent=2)` writes it, the split compact, each with a final newline. Edges are
 * written sorted by (source, target) and dense features as CSR. Used to keep a generated graph or
 * an import in the fast-loading form, and by `gnnc data get` for the converted downloads.
 */

export interface FolderMeta {
  /** Keys written after `arrays`: what the features are, where the graph came from. */
  describe?: Record<string, unknown>;
  /** The split file's name (default `split.json`). */
  splitFile?: string;
  /** Keys written after the split's: how it was drawn, where the files came from. */
  provenance?: Record<string, unknown>;
}

/** What each array holds, in the words of the data README. */
const LAYOUT: Record<ArrayKey | OptionalArrayKey, string> = {
  edge_index: "row-major [2, E]: first E values = source node ids, next E = target ids; both directions present, no self loops, no duplicates, sorted by (source, target)",
  features_indptr: "CSR row pointer, length num_nodes+1",
  features_indices: "CSR column (feature) ids, length nnz, sorted within each row",
  features_data: "CSR values, length nnz",
  labels: "class id per node, -1 = no label",
  edge_weight: "weight per edge, in edge_index's column order",
  edge_attr: "row-major [E, D]: features per edge, in edge_index's column order",
  batch: "graph id per node, ascending (each graph's nodes contiguous)",
};

export function saveBinaryDataset(dir: string, ds: Dataset, folder: FolderMeta = {}): void {
  mkdirSync(dir, { recursive: true });
  const g = ds.graph;
  const edges = sortEdges(g.numNodes, g.src, g.dst, { dropSelfLoops: false });
  const e = edges.src.length;
  const edgeIndex = new Int32Array(2 * e);
  edgeIndex.set(edges.src, 0);
  edgeIndex.set(edges.dst, e);
  const csr = ds.features.kind === "csr" ? ds.features : denseToCsr(ds.features.data, ds.numNodes, ds.numFeatures);

  const arrays: Partial<Record<ArrayKey | OptionalArrayKey, { data: Int32Array | Float32Array; shape: number[] }>> = {
    edge_index: { data: edgeIndex, shape: [2, e] },
    features_indptr: { data: csr.indptr, shape: [ds.numNodes + 1] },
    features_indices: { data: csr.indices, shape: [csr.indices.length] },
    features_data: { data: csr.data, shape: [csr.data.length] },
    labels: { data: ds.labels, shape: [ds.labels.length] },
  };
  // Edge data is stored in edge_index's (sorted) column order.
  if (hasEdgeData(ds)) {
    const sorted = pickEdges(ds, firstOccurrences(g.numNodes, edges, g));
    if (sorted.edgeWeight) arrays.edge_weight = { data: sorted.edgeWeight, shape: [e] };
    if (sorted.edgeAttr) arrays.edge_attr = { data: sorted.edgeAttr.data, shape: [e, sorted.edgeAttr.dim] };
  }
  if (ds.graphs) arrays.batch = { data: ds.graphs.batch, shape: [ds.numNodes] };
  const arrayMeta: Record<string, unknown> = {};
  for (const [key, { data, shape }] of Object.entries(arrays) as [ArrayKey | OptionalArrayKey, { data: Int32Array | Float32Array; shape: number[] }][]) {
    const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    writeFileSync(join(dir, `${key}.bin`), bytes);
    arrayMeta[key] = {
      file: `${key}.bin`,
      dtype: data instanceof Float32Array ? "float32" : "int32",
      shape,
      byte_length: bytes.byteLength,
      sha256: createHash("sha256").update(bytes).digest("hex"),
      layout: LAYOUT[key],
    };
  }
  const splitFile = folder.splitFile ?? "split.json";
  const splitSizes = Object.fromEntries(Object.entries(ds.splits).map(([k, v]) => [k, v.length]));
  writeFileSync(join(dir, splitFile), JSON.stringify(Object.fromEntries(Object.entries(ds.splits).map(([k, v]) => [k, Array.from(v)]))) + "\n");
  // Undirected edges: pairs {u, v}; both directions of a symmetric graph count once.
  const missing = checkSymmetry(g.numNodes, edges.src, edges.dst).missingReverse;
  const meta = {
    name: ds.name,
    num_nodes: ds.numNodes,
    num_features: ds.numFeatures,
    num_classes: ds.numClasses,
    num_edges_directed: e,
    num_edges_undirected: (e - missing) / 2 + missing,
    features_nnz: csr.indices.length,
    ...(ds.edgeAttr ? { num_edge_features: ds.edgeAttr.dim } : {}),
    ...(ds.graphs ? { num_graphs: ds.graphs.numGraphs } : {}),
    endianness: "little",
    arrays: arrayMeta,
    ...folder.describe,
    split_file: splitFile,
    split_sizes: splitSizes,
    ...folder.provenance,
  };
  writeFileSync(join(dir, "meta.json"), JSON.stringify(meta, null, 2) + "\n");
}

function denseToCsr(data: Float32Array, rows: number, cols: number) {
  let nnz = 0;
  for (let k = 0; k < data.length; k++) if (data[k] !== 0) nnz++;
  const indptr = new Int32Array(rows + 1);
  const indices = new Int32Array(nnz);
  const values = new Float32Array(nnz);
  let p = 0;
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < cols; j++) {
      const v = data[r * cols + j];
      if (v === 0) continue;
      indices[p] = j;
      values[p++] = v;
    }
    indptr[r + 1] = p;
  }
  return { indptr, indices, data: values };
}
