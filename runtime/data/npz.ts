import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { unzipSync } from "fflate";
import type { Features, LoadResult } from "./dataset.js";
import { type EdgeData, firstOccurrences, graphWithEdgeData, hasEdgeData, pickEdges, symmetrizeWithData } from "./edge-data.js";
import { sortEdges } from "./edges.js";
import { DataError } from "./errors.js";
import { type NpyArray, npyToFloat32, npyToInt32, parseNpy } from "./npy.js";
import { type ArrayRef, checkCsr, checkFeatureValues, checkLabels, csrRowOf } from "./validate.js";

/**
 * `.npz` archives (a ZIP of `.npy` members, stored or deflated) and the gnn-benchmark layout of
 * Shchur et al.: CSR adjacency (`adj_*`), CSR (`attr_*`) or dense (`attr_matrix`) attributes,
 * and integer `labels`. Adjacency values other than 1 are edge weights; an `edge_attr` member
 * ([nnz, D], in the adjacency's stored order) gives edge features.
 */

/** Every `NAME.npy` member of an archive, keyed by NAME. Other members are ignored. */
export function readNpz(bytes: Uint8Array, file: string): Map<string, NpyArray> {
  let members: Record<string, Uint8Array>;
  try {
    members = unzipSync(bytes);
  } catch (e) {
    throw new DataError("malformed", `not a readable .npz (ZIP) archive: ${(e as Error).message}`, file);
  }
  const arrays = new Map<string, NpyArray>();
  for (const [name, data] of Object.entries(members)) {
    if (!name.endsWith(".npy")) continue;
    const key = name.slice(0, -4);
    arrays.set(key, parseNpy(data, `${file}:${name}`));
  }
  return arrays;
}

export function readNpzFile(path: string): Map<string, NpyArray> {
  return readNpz(readBytes(path), basename(path));
}

/** What loading did to the adjacency, for reports. */
export interface GraphCleanupReport {
  /** Stored entries in the source adjacency. */
  sourceEntries: number;
  selfLoopsRemoved: number;
  duplicatesRemoved: number;
  /** Reverse edges added by symmetrisation. */
  reverseEdgesAdded: number;
  /** Directed edges in the result (both directions counted). */
  numEdges: number;
}

export interface GnnBenchOptions {
  /** Dataset name; default: the file name without `.npz`. */
  name?: string;
  /** Set every positive attribute to 1, as PyG's `read_npz` does. Default false: values kept as stored. */
  binarizeFeatures?: boolean;
}

export interface GnnBenchResult extends LoadResult {
  graphReport: GraphCleanupReport;
}

export function loadGnnBenchNpz(path: string, options: GnnBenchOptions = {}): GnnBenchResult {
  const file = basename(path);
  return gnnBenchFromArrays(readNpz(readBytes(path), file), file, {
    ...options,
    name: options.name ?? file.replace(/\.npz$/, ""),
  });
}

/**
 * Builds a dataset from gnn-benchmark arrays. The graph is made undirected the way PyG's
 * `read_npz` does it (self loops removed, then every edge mirrored), which for LINQS Cora turns
 * 5,429 directed citations into 10,556 directed edges.
 */
export function gnnBenchFromArrays(arrays: Map<string, NpyArray>, file: string, options: GnnBenchOptions = {}): GnnBenchResult {
  const get = (key: string): NpyArray => {
    const a = arrays.get(key);
    if (!a) throw new DataError("malformed", `member ${key}.npy is missing (gnn-benchmark layout needs adj_*, attr_* or attr_matrix, labels)`, file);
    return a;
  };
  const ref = (key: string): ArrayRef => ({ file, name: key, shape: get(key).shape });
  const warnings: string[] = [];
  const notes: string[] = [];

  const [numNodes, adjCols] = shapePair(get("adj_shape"), file, "adj_shape");
  if (adjCols !== numNodes) throw new DataError("sizeMismatch", `adj_shape = (${numNodes}, ${adjCols}) is not square`, file);
  const adjIndptr = npyToInt32(get("adj_indptr"), file, "adj_indptr");
  const adjIndices = npyToInt32(get("adj_indices"), file, "adj_indices");
  if (adjIndptr.length !== numNodes + 1) {
    throw new DataError("sizeMismatch", `adj_indptr has ${adjIndptr.length} entries; adj_shape says ${numNodes} rows (expected ${numNodes + 1})`, file);
  }
  checkCsr(adjIndptr, adjIndices, undefined, numNodes, { indptr: ref("adj_indptr"), indices: ref("adj_indices") }, "nodes");
  const rawData = readEdgeData(arrays, adjIndices.length, file, ref, notes);

  // Row r of the adjacency lists the edges r -> c.
  const src = new Int32Array(adjIndices.length);
  for (let r = 0; r < numNodes; r++) src.fill(r, adjIndptr[r], adjIndptr[r + 1]);
  const cleaned = sortEdges(numNodes, src, adjIndices, { dropSelfLoops: true });
  const cleanedData = hasEdgeData(rawData) ? pickEdges(rawData, firstOccurrences(numNodes, cleaned, { src, dst: adjIndices })) : rawData;
  const sym = symmetrizeWithData(numNodes, cleaned.src, cleaned.dst, cleanedData);
  const graphReport: GraphCleanupReport = {
    sourceEntries: adjIndices.length,
    selfLoopsRemoved: cleaned.selfLoopsRemoved,
    duplicatesRemoved: cleaned.duplicatesRemoved,
    reverseEdgesAdded: sym.added,
    numEdges: sym.src.length,
  };
  notes.push(
    `${file}: adjacency made undirected as PyG does: ${graphReport.sourceEntries} stored entries, ` +
      `${graphReport.selfLoopsRemoved} self loops removed, ${graphReport.reverseEdgesAdded} reverse edges added ` +
      `→ ${graphReport.numEdges} directed edges`,
  );

  const { features, numFeatures } = readAttributes(arrays, numNodes, file, ref, warnings);
  if (options.binarizeFeatures) {
    const data = features.data;
    for (let k = 0; k < data.length; k++) if (data[k] > 0) data[k] = 1;
    notes.push(`${file}: attributes binarised (x > 0 → 1)`);
  }

  if (!arrays.has("labels") && arrays.has("labels_data")) {
    throw new DataError("malformed", "labels are stored as a sparse matrix (multi-label); only one class per node is supported", file);
  }
  const labels = npyToInt32(get("labels"), file, "labels");
  if (labels.length !== numNodes || get("labels").shape.length !== 1) {
    throw new DataError("sizeMismatch", `labels has shape (${get("labels").shape.join(", ")}); expected (${numNodes},)`, file);
  }
  const numClasses = labels.reduce((m, y) => Math.max(m, y + 1), 0);
  checkLabels(labels, numClasses, ref("labels"));
  notes.push(`${file}: no split stored; use randomSplit to make one`);

  return {
    dataset: {
      name: options.name ?? file.replace(/\.npz$/, ""),
      numNodes,
      numFeatures,
      numClasses,
      ...graphWithEdgeData(numNodes, sym.src, sym.dst, sym.data),
      features,
      labels,
      splits: {},
    },
    warnings,
    notes,
    graphReport,
  };
}

function readAttributes(
  arrays: Map<string, NpyArray>,
  numNodes: number,
  file: string,
  ref: (key: string) => ArrayRef,
  warnings: string[],
): { features: Features; numFeatures: number } {
  const dense = arrays.get("attr_matrix");
  if (dense) {
    if (dense.shape.length !== 2 || dense.shape[0] !== numNodes) {
      throw new DataError("sizeMismatch", `attr_matrix has shape (${dense.shape.join(", ")}); expected (${numNodes}, F)`, file);
    }
    const data = npyToFloat32(dense, file, "attr_matrix");
    checkFeatureValues(data, ref("attr_matrix"), { allowNegative: true });
    return { features: { kind: "dense", data }, numFeatures: dense.shape[1] };
  }
  const shape = arrays.get("attr_shape");
  if (!shape) throw new DataError("malformed", "member attr_shape.npy (or attr_matrix.npy) is missing", file);
  const [rows, numFeatures] = shapePair(shape, file, "attr_shape");
  if (rows !== numNodes) throw new DataError("sizeMismatch", `attr_shape = (${rows}, ${numFeatures}) but the adjacency has ${numNodes} nodes`, file);
  const need = (key: string) => {
    const a = arrays.get(key);
    if (!a) throw new DataError("malformed", `member ${key}.npy is missing`, file);
    return a;
  };
  const indptr = npyToInt32(need("attr_indptr"), file, "attr_indptr");
  const indices = npyToInt32(need("attr_indices"), file, "attr_indices");
  const data = npyToFloat32(need("attr_data"), file, "attr_data");
  if (indptr.length !== numNodes + 1) {
    throw new DataError("sizeMismatch", `attr_indptr has ${indptr.length} entries; expected ${numNodes + 1}`, file);
  }
  if (data.length !== indices.length) {
    throw new DataError("sizeMismatch", `attr_data has ${data.length} values but attr_indices has ${indices.length}`, file);
  }
  const { rowsSorted } = checkCsr(indptr, indices, data, numFeatures, { indptr: ref("attr_indptr"), indices: ref("attr_indices") }, "features");
  if (rowsSorted > 0) warnings.push(`${file}: attr_indices of ${rowsSorted} rows were not ascending; sorted`);
  checkFeatureValues(data, ref("attr_data"), { allowNegative: true, rowOf: (k) => csrRowOf(indptr, k) });
  return { features: { kind: "csr", indptr, indices, data }, numFeatures };
}

/**
 * Edge data in the adjacency's stored order: `adj_data` is a weight per edge when any differs
 * from 1 (all ones: an unweighted graph), `edge_attr` ([nnz, D]) features per edge.
 */
function readEdgeData(arrays: Map<string, NpyArray>, nnz: number, file: string, ref: (key: string) => ArrayRef, notes: string[]): EdgeData {
  const out: EdgeData = {};
  const adjData = arrays.get("adj_data");
  if (adjData) {
    const w = npyToFloat32(adjData, file, "adj_data");
    if (w.length !== nnz) throw new DataError("sizeMismatch", `adj_data has ${w.length} values but adj_indices has ${nnz}`, file);
    checkFeatureValues(w, ref("adj_data"), { allowNegative: true });
    if (w.some((v) => v !== 1)) {
      out.edgeWeight = w;
      notes.push(`${file}: adjacency values differ from 1: kept as edge weights (edge_weight)`);
    }
  }
  const attr = arrays.get("edge_attr");
  if (attr) {
    if (attr.shape.length !== 2 || attr.shape[0] !== nnz) {
      throw new DataError("sizeMismatch", `edge_attr has shape (${attr.shape.join(", ")}); expected (${nnz}, D), a row per stored adjacency entry`, file);
    }
    const data = npyToFloat32(attr, file, "edge_attr");
    checkFeatureValues(data, ref("edge_attr"), { allowNegative: true });
    out.edgeAttr = { dim: attr.shape[1], data };
  }
  return out;
}

function shapePair(a: NpyArray, file: string, name: string): [number, number] {
  const v = npyToInt32(a, file, name);
  if (v.length !== 2 || v[0] < 0 || v[1] < 0) throw new DataError("malformed", `${name} must hold two non-negative sizes, found [${Array.from(v).join(", ")}]`, file);
  return [v[0], v[1]];
}

function readBytes(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new DataError("notFound", `cannot read: ${(e as Error).message}`, basename(path));
  }
}
