import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DataError } from "./errors.js";

/**
 * meta.json of the shared binary dataset format (see the data README): counts plus, per array,
 * file, dtype, shape and byte length. Parsed and cross-checked here so that the array reader can
 * trust it, and so that describing a dataset needs no array at all.
 */

export const ARRAY_KEYS = ["edge_index", "features_indptr", "features_indices", "features_data", "labels"] as const;
export type ArrayKey = (typeof ARRAY_KEYS)[number];

/**
 * Arrays a dataset may have: per-edge weights [E] and features [E, D] in edge_index's column
 * order, and for a graph-level dataset (`num_graphs` in meta.json) the graph id of every node.
 */
export const OPTIONAL_ARRAY_KEYS = ["edge_weight", "edge_attr", "batch"] as const;
export type OptionalArrayKey = (typeof OPTIONAL_ARRAY_KEYS)[number];

const EXPECTED_DTYPE: Record<ArrayKey | OptionalArrayKey, "int32" | "float32"> = {
  edge_index: "int32",
  features_indptr: "int32",
  features_indices: "int32",
  features_data: "float32",
  labels: "int32",
  edge_weight: "float32",
  edge_attr: "float32",
  batch: "int32",
};

export interface ArrayMeta {
  file: string;
  dtype: "int32" | "float32";
  shape: number[];
  byteLength: number;
  sha256: string | undefined;
}

export interface BinaryMeta {
  name: string;
  numNodes: number;
  numFeatures: number;
  numClasses: number;
  numEdges: number;
  featuresNnz: number;
  arrays: Record<ArrayKey, ArrayMeta> & Partial<Record<OptionalArrayKey, ArrayMeta>>;
  /** Width D of `edge_attr`, when there is one. */
  numEdgeFeatures: number | undefined;
  /** Graphs of a graph-level dataset (labels and splits are then per graph); undefined for a node-level one. */
  numGraphs: number | undefined;
  /** File name of the split JSON, if the dataset has one. */
  splitFile: string | undefined;
  /** Split names from `split_sizes`, when meta.json lists them. */
  splitNames: string[] | undefined;
}

/** Reads and checks `<dir>/meta.json`; `label` is how the dataset folder is named in messages. */
export function readMeta(dir: string, label: string): BinaryMeta {
  const file = `${label}/meta.json`;
  let text: string;
  try {
    text = readFileSync(join(dir, "meta.json"), "utf8");
  } catch (e) {
    throw new DataError("notFound", `cannot read: ${(e as Error).message}`, file);
  }
  return parseMeta(text, file);
}

export function parseMeta(text: string, file: string): BinaryMeta {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new DataError("malformed", `not valid JSON: ${(e as Error).message}`, file);
  }
  if (!isObject(raw)) throw new DataError("malformed", "expected a JSON object", file);
  if (raw.endianness !== undefined && raw.endianness !== "little") {
    throw new DataError("malformed", `endianness = ${JSON.stringify(raw.endianness)}; only "little" is supported`, file);
  }
  const name = raw.name === undefined ? undefined : requireString(raw, "name", file);
  const numNodes = requireCount(raw, "num_nodes", file);
  const numFeatures = requireCount(raw, "num_features", file);
  const numClasses = requireCount(raw, "num_classes", file);
  if (!isObject(raw.arrays)) throw new DataError("malformed", `"arrays" must be an object with ${ARRAY_KEYS.join(", ")}`, file);
  const arraysRaw = raw.arrays;
  const arrays: BinaryMeta["arrays"] = Object.fromEntries(ARRAY_KEYS.map((key) => [key, parseArrayMeta(arraysRaw, key, file)])) as Record<ArrayKey, ArrayMeta>;
  for (const key of OPTIONAL_ARRAY_KEYS) if (arraysRaw[key] !== undefined) arrays[key] = parseArrayMeta(arraysRaw, key, file);
  const numGraphs = raw.num_graphs === undefined ? undefined : requireCount(raw, "num_graphs", file);
  if ((numGraphs === undefined) !== (arrays.batch === undefined)) {
    throw new DataError("malformed", numGraphs === undefined ? "arrays.batch needs num_graphs (a graph-level dataset)" : "num_graphs needs arrays.batch (the graph id of every node)", file);
  }

  const edgeShape = arrays.edge_index.shape;
  if (edgeShape.length !== 2 || edgeShape[0] !== 2) {
    throw new DataError("malformed", `arrays.edge_index.shape = ${JSON.stringify(edgeShape)} must be [2, E]`, file);
  }
  const numEdges = edgeShape[1];
  const nnz = arrays.features_indices.shape[0];
  expectShape(arrays.features_indptr, [numNodes + 1], "features_indptr", "[num_nodes + 1]", file);
  expectShape(arrays.features_indices, [nnz], "features_indices", "[nnz]", file);
  expectShape(arrays.features_data, [nnz], "features_data", "[nnz] (the length of features_indices)", file);
  if (numGraphs === undefined) expectShape(arrays.labels, [numNodes], "labels", "[num_nodes]", file);
  else expectShape(arrays.labels, [numGraphs], "labels", "[num_graphs]", file);
  if (arrays.batch) expectShape(arrays.batch, [numNodes], "batch", "[num_nodes]", file);
  if (arrays.edge_weight) expectShape(arrays.edge_weight, [numEdges], "edge_weight", "[E] (one weight per edge_index column)", file);
  const edgeAttrShape = arrays.edge_attr?.shape;
  if (edgeAttrShape && (edgeAttrShape.length !== 2 || edgeAttrShape[0] !== numEdges)) {
    throw new DataError("sizeMismatch", `arrays.edge_attr.shape = ${JSON.stringify(edgeAttrShape)}; expected [E, D] with E = ${numEdges}`, file);
  }
  const numEdgeFeatures = edgeAttrShape?.[1];
  if (numEdgeFeatures !== undefined) crossCheck(raw, "num_edge_features", numEdgeFeatures, "arrays.edge_attr.shape[1]", file);
  crossCheck(raw, "num_edges_directed", numEdges, "arrays.edge_index.shape[1]", file);
  crossCheck(raw, "features_nnz", nnz, "arrays.features_indices.shape[0]", file);

  const splitFile = raw.split_file === undefined || raw.split_file === null ? undefined : requireString(raw, "split_file", file);
  if (splitFile !== undefined) checkPlainFileName(splitFile, "split_file", file);
  const splitNames = isObject(raw.split_sizes) ? Object.keys(raw.split_sizes) : undefined;
  return {
    name: name ?? file.replace(/\/meta\.json$/, ""),
    numNodes,
    numFeatures,
    numClasses,
    numEdges,
    featuresNnz: nnz,
    arrays,
    numEdgeFeatures,
    numGraphs,
    splitFile,
    splitNames,
  };
}

function parseArrayMeta(arrays: Record<string, unknown>, key: ArrayKey | OptionalArrayKey, file: string): ArrayMeta {
  const a = arrays[key];
  const where = `arrays.${key}`;
  if (!isObject(a)) throw new DataError("malformed", `${where} is missing`, file);
  const fileName = requireString(a, "file", file, where);
  checkPlainFileName(fileName, `${where}.file`, file);
  if (a.dtype !== EXPECTED_DTYPE[key]) {
    throw new DataError("malformed", `${where}.dtype = ${JSON.stringify(a.dtype)}; expected "${EXPECTED_DTYPE[key]}"`, file);
  }
  if (!Array.isArray(a.shape) || !a.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new DataError("malformed", `${where}.shape = ${JSON.stringify(a.shape)} must be a list of non-negative integers`, file);
  }
  const shape = a.shape as number[];
  const expectedBytes = shape.reduce((p, d) => p * d, 1) * 4;
  const byteLength = a.byte_length === undefined ? expectedBytes : requireCount(a, "byte_length", file, where);
  if (byteLength !== expectedBytes) {
    throw new DataError(
      "sizeMismatch",
      `${where}.byte_length = ${byteLength} does not match shape ${JSON.stringify(shape)} × 4 bytes = ${expectedBytes}`,
      file,
    );
  }
  const sha256 = typeof a.sha256 === "string" ? a.sha256.toLowerCase() : undefined;
  return { file: fileName, dtype: EXPECTED_DTYPE[key], shape, byteLength, sha256 };
}

function expectShape(a: ArrayMeta, expected: number[], key: string, rule: string, file: string): void {
  if (a.shape.length !== expected.length || a.shape.some((d, i) => d !== expected[i])) {
    throw new DataError("sizeMismatch", `arrays.${key}.shape = ${JSON.stringify(a.shape)}; expected ${rule} = ${JSON.stringify(expected)}`, file);
  }
}

function crossCheck(raw: Record<string, unknown>, key: string, actual: number, from: string, file: string): void {
  if (raw[key] === undefined) return;
  const declared = requireCount(raw, key, file);
  if (declared !== actual) throw new DataError("sizeMismatch", `${key} = ${declared} but ${from} = ${actual}`, file);
}

/** Array files must sit next to meta.json: no folders, no `..`. */
function checkPlainFileName(name: string, key: string, file: string): void {
  if (name === "" || name === "." || name === ".." || /[\\/]/.test(name)) {
    throw new DataError("malformed", `${key} = ${JSON.stringify(name)} must be a plain file name in the dataset folder`, file);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function requireString(o: Record<string, unknown>, key: string, file: string, prefix?: string): string {
  const v = o[key];
  if (typeof v !== "string") throw new DataError("malformed", `${prefix ? prefix + "." : ""}${key} must be a string, found ${JSON.stringify(v)}`, file);
  return v;
}

function requireCount(o: Record<string, unknown>, key: string, file: string, prefix?: string): number {
  const v = o[key];
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) {
    throw new DataError("malformed", `${prefix ? prefix + "." : ""}${key} must be a non-negative integer, found ${JSON.stringify(v)}`, file);
  }
  return v;
}
