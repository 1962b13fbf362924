import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { endianness } from "node:os";
import { basename, join, resolve } from "node:path";
import type { GraphBatch, LoadResult } from "./dataset.js";
import { type EdgeData, firstOccurrences, graphWithEdgeData, hasEdgeData, pickEdges } from "./edge-data.js";
import { checkSymmetry, sortEdges } from "./edges.js";
import { DataError, formatIndex } from "./errors.js";
import { type ArrayKey, type ArrayMeta, type BinaryMeta, type OptionalArrayKey, readMeta } from "./meta.js";
import { type ArrayRef, checkBatch, checkCsr, checkFeatureValues, checkLabels, checkNodeIds, checkSplits, csrRowOf } from "./validate.js";

/**
 * Loader for the shared binary format: `meta.json` + raw little-endian `.bin` arrays + a split
 * JSON (see the data README). Everything is read and validated before anything is returned.
 */

export interface BinaryLoadOptions {
  /** Also compare each array file with the sha256 recorded in meta.json (after the structural checks). */
  verifyChecksums?: boolean;
}

export function loadBinaryDataset(dir: string, options: BinaryLoadOptions = {}): LoadResult {
  if (endianness() !== "LE") throw new DataError("malformed", "the binary dataset format is little-endian; this host is big-endian");
  const label = basename(resolve(dir));
  const meta = readMeta(dir, label);
  const warnings: string[] = [];
  const notes: string[] = [];

  const read = (key: ArrayKey | OptionalArrayKey) => readArray(dir, label, key, meta.arrays[key]!, options.verifyChecksums ?? false);
  const edgeIndex = read("edge_index") as Int32Array;
  const indptr = read("features_indptr") as Int32Array;
  const indices = read("features_indices") as Int32Array;
  const data = read("features_data") as Float32Array;
  const labels = read("labels") as Int32Array;

  const { src, dst } = validateEdges(meta, label, edgeIndex, warnings);

  const refOf = (key: ArrayKey | OptionalArrayKey): ArrayRef => ({ file: `${label}/${meta.arrays[key]!.file}`, name: key, shape: meta.arrays[key]!.shape });
  // Edge data comes in edge_index's column order; cleaned edges take that of their first raw copy.
  const raw: EdgeData = {};
  if (meta.arrays.edge_weight) raw.edgeWeight = read("edge_weight") as Float32Array;
  if (meta.arrays.edge_attr) raw.edgeAttr = { dim: meta.numEdgeFeatures!, data: read("edge_attr") as Float32Array };
  if (raw.edgeWeight) checkFeatureValues(raw.edgeWeight, refOf("edge_weight"), { allowNegative: true });
  if (raw.edgeAttr) checkFeatureValues(raw.edgeAttr.data, refOf("edge_attr"), { allowNegative: true });
  const e = meta.numEdges;
  const edgeData = hasEdgeData(raw) ? pickEdges(raw, firstOccurrences(meta.numNodes, { src, dst }, { src: edgeIndex.subarray(0, e), dst: edgeIndex.subarray(e, 2 * e) })) : raw;
  const { rowsSorted } = checkCsr(indptr, indices, data, meta.numFeatures, {
    indptr: refOf("features_indptr"),
    indices: refOf("features_indices"),
  }, "features");
  if (rowsSorted > 0) warnings.push(`${refOf("features_indices").file}: column ids of ${rowsSorted} rows were not ascending; sorted`);
  checkFeatureValues(data, refOf("features_data"), { allowNegative: false, rowOf: (k) => csrRowOf(indptr, k) });
  checkLabels(labels, meta.numClasses, refOf("labels"));
  let graphs: GraphBatch | undefined;
  if (meta.numGraphs !== undefined) {
    graphs = { numGraphs: meta.numGraphs, batch: read("batch") as Int32Array };
    checkBatch(graphs.batch, graphs.numGraphs, refOf("batch"));
  }

  let splits: Record<string, Int32Array> = {};
  if (meta.splitFile !== undefined) {
    const splitLabel = `${label}/${meta.splitFile}`;
    const [count, noun] = graphs ? [graphs.numGraphs, "graph"] : [meta.numNodes, "node"];
    splits = checkSplits(readJson(join(dir, meta.splitFile), splitLabel), count, labels, splitLabel, warnings, noun);
  } else {
    notes.push(`${label}: meta.json names no split_file; the dataset has no splits`);
  }

  return {
    dataset: {
      name: meta.name,
      numNodes: meta.numNodes,
      numFeatures: meta.numFeatures,
      numClasses: meta.numClasses,
      ...graphWithEdgeData(meta.numNodes, src, dst, edgeData),
      ...(graphs ? { graphs } : {}),
      features: { kind: "csr", indptr, indices, data },
      labels,
      splits,
    },
    warnings,
    notes,
  };
}

/** Range-checks edge ids (fatal), then sorts/dedupes/drops self loops (warnings) and checks symmetry. */
function validateEdges(meta: BinaryMeta, label: string, edgeIndex: Int32Array, warnings: string[]) {
  const am = meta.arrays.edge_index;
  const file = `${label}/${am.file}`;
  const ref: ArrayRef = { file, name: "edge_index", shape: am.shape };
  const e = meta.numEdges;
  const src = edgeIndex.subarray(0, e);
  const dst = edgeIndex.subarray(e, 2 * e);
  checkNodeIds(src, meta.numNodes, ref, 0);
  checkNodeIds(dst, meta.numNodes, ref, e);

  const sorted = sortEdges(meta.numNodes, src, dst, { dropSelfLoops: true });
  const col = (k: number) => `edge_index[:, ${k}] = (${src[k]}, ${dst[k]})`;
  if (sorted.selfLoopsRemoved > 0) {
    warnings.push(`${file}: ${sorted.selfLoopsRemoved} self loops removed (first: ${col(sorted.firstSelfLoop)})`);
  }
  if (sorted.firstUnsorted >= 0) {
    warnings.push(`${file}: edges not sorted by (source, target) (first out of order: ${col(sorted.firstUnsorted)}); sorted`);
  }
  if (sorted.duplicatesRemoved > 0) {
    const [u, v] = sorted.exampleDuplicate!;
    warnings.push(`${file}: ${sorted.duplicatesRemoved} duplicate edges removed (e.g. (${u}, ${v}))`);
  }
  const symmetry = checkSymmetry(meta.numNodes, sorted.src, sorted.dst);
  if (symmetry.missingReverse > 0) {
    const k = symmetry.firstMissing;
    warnings.push(
      `${file}: graph is not symmetric: ${symmetry.missingReverse} edges lack their reverse ` +
        `(e.g. (${sorted.src[k]}, ${sorted.dst[k]}) without (${sorted.dst[k]}, ${sorted.src[k]})); kept as directed`,
    );
  }
  return sorted;
}

function readArray(dir: string, label: string, key: ArrayKey | OptionalArrayKey, am: ArrayMeta, verify: boolean): Int32Array | Float32Array {
  const file = `${label}/${am.file}`;
  let buf: Buffer;
  try {
    buf = readFileSync(join(dir, am.file));
  } catch (e) {
    throw new DataError("notFound", `cannot read ${key}: ${(e as Error).message}`, file);
  }
  if (buf.byteLength !== am.byteLength) {
    const declared = `meta.json says ${am.byteLength} (shape ${JSON.stringify(am.shape)} ${am.dtype})`;
    if (buf.byteLength < am.byteLength) {
      const firstMissing = Math.floor(buf.byteLength / 4);
      throw new DataError(
        "sizeMismatch",
        `${key} is truncated: file has ${buf.byteLength} bytes, ${declared}; ${formatIndex(key, am.shape, firstMissing)} onwards are missing`,
        file,
      );
    }
    throw new DataError("sizeMismatch", `${key} is too long: file has ${buf.byteLength} bytes, ${declared}`, file);
  }
  if (verify && am.sha256 !== undefined) {
    const actual = createHash("sha256").update(buf).digest("hex");
    if (actual !== am.sha256) throw new DataError("sizeMismatch", `${key}: sha256 ${actual} does not match meta.json (${am.sha256})`, file);
  }
  const count = am.byteLength / 4;
  // Typed arrays need 4-byte alignment; small files may sit unaligned inside Node's buffer pool.
  const bytes = buf.byteOffset % 4 === 0 ? buf : Buffer.from(buf);
  return am.dtype === "int32"
    ? new Int32Array(bytes.buffer, bytes.byteOffset, count)
    : new Float32Array(bytes.buffer, bytes.byteOffset, count);
}

function readJson(path: string, file: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new DataError("notFound", `cannot read: ${(e as Error).message}`, file);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new DataError("malformed", `not valid JSON: ${(e as Error).message}`, file);
  }
}
