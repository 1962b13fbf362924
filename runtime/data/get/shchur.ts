import type { Dataset } from "../dataset.js";
import { DataError } from "../errors.js";
import { gnnBenchFromArrays, readNpz } from "../npz.js";
import { NumpyRandomState } from "./numpy-random.js";

/**
 * Shchur et al.'s gnn-benchmark npz files (Amazon Computers/Photo, Coauthor CS/Physics): the graph
 * made undirected as PyG does (npz.ts), attributes kept as stored, and the convenience split the
 * data README defines — per class c in order, numpy.random.RandomState(0) permutes the ids of
 * class c: the first 20 train, the next 30 val, the rest test — recomputed bit for bit.
 */

export const SHCHUR_SPLIT_FILE = "split_random_seed0.json";

export const SHCHUR_SPLIT_DEFINITION =
  "NOT a canonical split (none exists for this dataset). Convenience split: for each class c in 0..C-1, numpy.random.RandomState(0) (one generator, classes in order) permutes the node ids of class c; first 20 -> train, next 30 -> val, rest -> test (Shchur et al. protocol, but without restricting to the largest connected component).";

export interface ShchurResult {
  dataset: Dataset;
  /** meta.json keys after `arrays`: feature values, class names, what the source graph held. */
  describe: Record<string, unknown>;
}

export function shchurDataset(name: string, bytes: Uint8Array, file: string, featureKind: string): ShchurResult {
  const arrays = readNpz(bytes, file);
  const r = gnnBenchFromArrays(arrays, file, { name });
  const ds = r.dataset;
  const classNames = arrays.get("class_names")?.data;
  if (classNames !== undefined && !Array.isArray(classNames)) throw new DataError("malformed", "class_names must be an array of strings", file);
  return {
    dataset: { ...ds, splits: numpySplit(ds.labels, ds.numClasses) },
    describe: {
      feature_kind: featureKind,
      feature_values: featureValues(ds),
      ...(classNames ? { class_names: classNames } : {}),
      graph_source_stats: {
        adjacency_nnz_in_source: r.graphReport.sourceEntries,
        self_loops_in_source: r.graphReport.selfLoopsRemoved,
        adjacency_symmetric_in_source: r.graphReport.reverseEdgesAdded === 0 && r.graphReport.duplicatesRemoved === 0,
      },
    },
  };
}

/** 20 / 30 / rest per class, drawn as the README's numpy protocol; ids ascending. */
export function numpySplit(labels: Int32Array, numClasses: number): Record<string, Int32Array> {
  const rs = new NumpyRandomState(0);
  const parts: Record<"train" | "val" | "test", number[]> = { train: [], val: [], test: [] };
  for (let c = 0; c < numClasses; c++) {
    const ids: number[] = [];
    labels.forEach((y, i) => y === c && ids.push(i));
    const perm = rs.permutation(ids);
    parts.train.push(...perm.subarray(0, 20));
    parts.val.push(...perm.subarray(20, 50));
    parts.test.push(...perm.subarray(50));
  }
  const sorted = (a: number[]) => Int32Array.from(a).sort();
  return { train: sorted(parts.train), val: sorted(parts.val), test: sorted(parts.test) };
}

/** How the README describes the values: all ones, or integer counts with their range. */
function featureValues(ds: Dataset): string {
  const data = ds.features.data;
  let max = 0;
  let integral = true;
  let ones = true;
  for (const v of data) {
    if (v === 0) continue;
    if (v !== 1) ones = false;
    if (!Number.isInteger(v)) integral = false;
    max = Math.max(max, v);
  }
  if (ones) return "all 1.0";
  return integral ? `non-negative integer counts 1..${max} (PyG binarises with x[x>0]=1)` : `real values up to ${max}`;
}
