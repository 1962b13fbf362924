import { graphFromEdges } from "../../../compiler/ir/graph-value.js";
import type { Dataset } from "../dataset.js";
import { sortEdges } from "../edges.js";
import { DataError } from "../errors.js";
import { asCsrMatrix, asNdArray, PyDict, readPickle, type CsrMatrix, type NdArray, type PyValue } from "./pickle.js";

/**
 * Planetoid's raw files (Yang et al.; the files behind GCN's and PyG's `Planetoid`):
 * `ind.<name>.{x,y,tx,ty,allx,ally,graph}` (Python 2 pickles of SciPy CSR features, NumPy one-hot
 * labels and a dict of adjacency lists) and `ind.<name>.test.index` (text). Read as Kipf & Welling's
 * `load_data` and PyG's `read_planetoid_data` do (see the data README):
 *
 * - nodes 0 … len(allx)−1 are the rows of allx/ally; test node test.index[k] gets row k of tx/ty;
 *   ids in the test range that test.index lacks (CiteSeer's isolated papers) are nodes with no
 *   features and label −1;
 * - train = 0 … len(y)−1, val = the next 500, test = test.index sorted;
 * - edges are the dict's (node, neighbour) pairs with self loops and duplicates dropped.
 */

export const PLANETOID_PARTS = ["x", "y", "tx", "ty", "allx", "ally", "graph", "test.index"] as const;
export type PlanetoidPart = (typeof PLANETOID_PARTS)[number];

export interface PlanetoidResult {
  dataset: Dataset;
  /** meta.json keys describing the source graph (the data README's graph_source_stats). */
  graphSourceStats: Record<string, number | boolean>;
}

export function planetoidDataset(name: string, files: Readonly<Record<PlanetoidPart, Uint8Array>>): PlanetoidResult {
  const file = (part: PlanetoidPart) => `ind.${name}.${part}`;
  const pickle = (part: PlanetoidPart) => readPickle(files[part], file(part));
  const csr = (part: "x" | "tx" | "allx") => checkCsr(asCsrMatrix(pickle(part), part, file(part)), file(part));
  const onehot = (part: "y" | "ty" | "ally") => oneHotLabels(asNdArray(pickle(part), part, file(part)), file(part));
  const allx = csr("allx");
  const tx = csr("tx");
  const ally = onehot("ally");
  const ty = onehot("ty");
  const y = onehot("y");
  const testIndex = parseTestIndex(files["test.index"], file("test.index"));

  const numFeatures = allx.shape[1];
  const numClasses = ally.classes;
  if (tx.shape[1] !== numFeatures) throw new DataError("sizeMismatch", `tx has ${tx.shape[1]} features, allx ${numFeatures}`, file("tx"));
  if (tx.shape[0] !== testIndex.length || ty.rows !== testIndex.length) {
    throw new DataError("sizeMismatch", `${testIndex.length} test ids but tx has ${tx.shape[0]} rows and ty ${ty.rows}`, file("test.index"));
  }
  if (ally.rows !== allx.shape[0]) throw new DataError("sizeMismatch", `ally has ${ally.rows} rows, allx ${allx.shape[0]}`, file("ally"));
  const first = Math.min(...testIndex);
  const last = Math.max(...testIndex);
  if (first !== allx.shape[0]) throw new DataError("badValue", `the test ids start at ${first}, not right after allx's ${allx.shape[0]} rows`, file("test.index"));
  const numNodes = last + 1;

  // Each node's source row: [matrix, row] (undefined: a node in the test range without data).
  const rowOf: ([CsrMatrix, number] | undefined)[] = new Array(numNodes);
  const labels = new Int32Array(numNodes).fill(-1);
  for (let i = 0; i < allx.shape[0]; i++) {
    rowOf[i] = [allx, i];
    labels[i] = ally.labels[i];
  }
  testIndex.forEach((node, k) => {
    rowOf[node] = [tx, k];
    labels[node] = ty.labels[k];
  });
  const features = gatherRows(rowOf, numNodes);

  const { src, dst, stats } = adjacency(asAdjacency(pickle("graph"), file("graph")), numNodes, file("graph"));
  const sortedTest = Int32Array.from(testIndex).sort();
  const val = Int32Array.from({ length: Math.min(500, numNodes - y.rows) }, (_, k) => y.rows + k);
  return {
    dataset: {
      name,
      numNodes,
      numFeatures,
      numClasses,
      graph: graphFromEdges(numNodes, src, dst),
      features,
      labels,
      splits: { train: Int32Array.from({ length: y.rows }, (_, k) => k), val, test: sortedTest },
    },
    graphSourceStats: stats,
  };
}

function checkCsr(m: CsrMatrix, file: string): CsrMatrix {
  const [rows, cols] = m.shape;
  if (m.indptr.data.length !== rows + 1) throw new DataError("sizeMismatch", `indptr has ${m.indptr.data.length} entries for ${rows} rows`, file);
  const nnz = Number(m.indptr.data[rows]);
  if (m.indices.data.length !== nnz || m.data.data.length !== nnz) throw new DataError("sizeMismatch", `${nnz} stored values by indptr, ${m.indices.data.length} indices`, file);
  for (const c of m.indices.data) if (Number(c) < 0 || Number(c) >= cols) throw new DataError("badValue", `column id ${c} is out of range for ${cols} columns`, file);
  return m;
}

/** Class ids from one-hot rows (argmax); a row with no 1 is unlabelled (−1). */
function oneHotLabels(a: NdArray, file: string): { rows: number; classes: number; labels: Int32Array } {
  if (a.shape.length !== 2) throw new DataError("malformed", `labels must be a one-hot matrix, found shape (${a.shape.join(", ")})`, file);
  const [rows, classes] = a.shape;
  const labels = new Int32Array(rows).fill(-1);
  for (let r = 0; r < rows; r++) {
    let best = -1;
    for (let c = 0; c < classes; c++) if (Number(a.data[r * classes + c]) > 0 && (best < 0 || Number(a.data[r * classes + c]) > Number(a.data[r * classes + best]))) best = c;
    labels[r] = best;
  }
  return { rows, classes, labels };
}

function parseTestIndex(bytes: Uint8Array, file: string): number[] {
  const lines = new TextDecoder().decode(bytes).split(/\r?\n/).filter((l) => l.trim() !== "");
  return lines.map((l, k) => {
    if (!/^\s*\d+\s*$/.test(l)) throw new DataError("malformed", `line ${k + 1}: ${JSON.stringify(l)} is not a node id`, file);
    return Number(l);
  });
}

/** The features as one CSR matrix, row by row from their source matrices (columns ascending). */
function gatherRows(rowOf: readonly ([CsrMatrix, number] | undefined)[], numNodes: number): Dataset["features"] {
  const indptr = new Int32Array(numNodes + 1);
  for (let i = 0; i < numNodes; i++) {
    const src = rowOf[i];
    indptr[i + 1] = indptr[i] + (src ? Number(src[0].indptr.data[src[1] + 1]) - Number(src[0].indptr.data[src[1]]) : 0);
  }
  const indices = new Int32Array(indptr[numNodes]);
  const data = new Float32Array(indptr[numNodes]);
  for (let i = 0; i < numNodes; i++) {
    const src = rowOf[i];
    if (!src) continue;
    const [m, r] = src;
    const from = Number(m.indptr.data[r]);
    const row = Array.from({ length: Number(m.indptr.data[r + 1]) - from }, (_, k) => [Number(m.indices.data[from + k]), Number(m.data.data[from + k])] as const);
    row.sort((a, b) => a[0] - b[0]).forEach(([c, v], k) => {
      indices[indptr[i] + k] = c;
      data[indptr[i] + k] = v;
    });
  }
  return { kind: "csr", indptr, indices, data };
}

function asAdjacency(v: PyValue, file: string): PyDict {
  if (!(v instanceof PyDict)) throw new DataError("malformed", "the graph must be a dict of adjacency lists", file);
  return v;
}

/** (node, neighbour) pairs, self loops and duplicates dropped, sorted; and what the source held. */
function adjacency(d: PyDict, numNodes: number, file: string) {
  const src: number[] = [];
  const dst: number[] = [];
  let selfLoops = 0;
  for (const [key, list] of d.entries) {
    const node = Number(key);
    if (!Array.isArray(list)) throw new DataError("malformed", `the neighbours of node ${node} are not a list`, file);
    for (const item of list) {
      const nb = Number(item);
      if (!(node >= 0 && node < numNodes && nb >= 0 && nb < numNodes)) throw new DataError("badValue", `edge (${node}, ${nb}) is out of range for ${numNodes} nodes`, file);
      if (nb === node) selfLoops++;
      src.push(node);
      dst.push(nb);
    }
  }
  const sorted = sortEdges(numNodes, Int32Array.from(src), Int32Array.from(dst), { dropSelfLoops: true });
  const pairs = new Set<number>();
  let symmetric = true;
  const has = new Set<number>();
  for (let e = 0; e < sorted.src.length; e++) has.add(sorted.src[e] * numNodes + sorted.dst[e]);
  for (let e = 0; e < sorted.src.length; e++) {
    const [a, b] = [sorted.src[e], sorted.dst[e]];
    pairs.add(Math.min(a, b) * numNodes + Math.max(a, b));
    if (!has.has(b * numNodes + a)) symmetric = false;
  }
  return {
    src: sorted.src,
    dst: sorted.dst,
    stats: {
      adjacency_list_entries: src.length,
      self_loop_entries: selfLoops,
      unique_undirected_edges_without_self_loops: pairs.size,
      adjacency_lists_symmetric: symmetric,
    },
  };
}
