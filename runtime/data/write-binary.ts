import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Dataset } from "./dataset.js";
import { firstOccurrences, hasEdgeData, pickEdges } from "./edge-data.js";
import { sortEdges } from "./edges.js";
import type { ArrayKey, OptionalArrayKey } from "./meta.js";

/**
 * Writes a dataset in the shared binary format (meta.json + .bin arrays + split.json), e.g. to
 * keep a generated CSBM graph, or an npz/edge-list import, in the fast-loading form.
 * Edges are written sorted by (source, target); dense features are stored as CSR.
 */
export function saveBinaryDataset(dir: string, ds: Dataset): void {
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
  for (const [key, { data, shape }] of Object.entries(arrays) as [string, { data: Int32Array | Float32Array; shape: number[] }][]) {
    const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    writeFileSync(join(dir, `${key}.bin`), bytes);
    arrayMeta[key] = {
      file: `${key}.bin`,
      dtype: data instanceof Float32Array ? "float32" : "int32",
      shape,
      byte_length: bytes.byteLength,
      sha256: createHash("sha256").update(bytes).digest("hex"),
    };
  }
  const splitSizes = Object.fromEntries(Object.entries(ds.splits).map(([k, v]) => [k, v.length]));
  writeFileSync(join(dir, "split.json"), JSON.stringify(Object.fromEntries(Object.entries(ds.splits).map(([k, v]) => [k, Array.from(v)]))));
  const meta = {
    name: ds.name,
    num_nodes: ds.numNodes,
    num_features: ds.numFeatures,
    num_classes: ds.numClasses,
    num_edges_directed: e,
    features_nnz: csr.indices.length,
    ...(ds.edgeAttr ? { num_edge_features: ds.edgeAttr.dim } : {}),
    ...(ds.graphs ? { num_graphs: ds.graphs.numGraphs } : {}),
    endianness: "little",
    arrays: arrayMeta,
    split_file: "split.json",
    split_sizes: splitSizes,
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
