import type { Dataset, Features } from "./dataset.js";
import { firstOccurrences, graphWithEdgeData, hasEdgeData, pickEdges, symmetrizeWithData } from "./edge-data.js";
import { sortEdges } from "./edges.js";
import { DataError } from "./errors.js";
import { Rng } from "./prng.js";
import { drawPlanetoidSplit } from "./split.js";

/**
 * Dataset → dataset transforms, named and behaving like their PyG counterparts. Each returns a new
 * Dataset and leaves its input untouched (arrays that do not change are shared).
 */

/**
 * PyG `NormalizeFeatures`: subtract the global minimum (a no-op for the usual non-negative sparse
 * features), then divide each row by its sum clamped to at least 1, so all-zero rows stay zero and
 * rows summing to less than 1 are left as they are, exactly as PyG does.
 */
export function normalizeFeatures(ds: Dataset): Dataset {
  const f = ds.features;
  const total = ds.numNodes * ds.numFeatures;
  let min = f.kind === "csr" && f.data.length < total ? 0 : Infinity;
  for (let k = 0; k < f.data.length; k++) if (f.data[k] < min) min = f.data[k];
  if (total === 0 || min === Infinity) return ds;
  if (f.kind === "csr" && min === 0) return { ...ds, features: normalizeCsrRows(f) };
  // A non-zero minimum shifts the implicit zeros too, so the result is dense (as in PyG).
  const dense = toDense(f, ds.numNodes, ds.numFeatures);
  for (let k = 0; k < dense.length; k++) dense[k] -= min;
  const width = ds.numFeatures;
  for (let r = 0; r < ds.numNodes; r++) {
    let sum = 0;
    for (let j = 0; j < width; j++) sum += dense[r * width + j];
    const scale = 1 / Math.max(sum, 1);
    for (let j = 0; j < width; j++) dense[r * width + j] *= scale;
  }
  return { ...ds, features: { kind: "dense", data: dense } };
}

function normalizeCsrRows(f: Extract<Features, { kind: "csr" }>): Features {
  const data = new Float32Array(f.data.length);
  for (let r = 0; r + 1 < f.indptr.length; r++) {
    let sum = 0; // f64 accumulation
    for (let k = f.indptr[r]; k < f.indptr[r + 1]; k++) sum += f.data[k];
    const scale = 1 / Math.max(sum, 1);
    for (let k = f.indptr[r]; k < f.indptr[r + 1]; k++) data[k] = f.data[k] * scale;
  }
  return { kind: "csr", indptr: f.indptr, indices: f.indices, data };
}

function toDense(f: Features, rows: number, cols: number): Float32Array {
  if (f.kind === "dense") return f.data.slice();
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let k = f.indptr[r]; k < f.indptr[r + 1]; k++) out[r * cols + f.indices[k]] = f.data[k];
  }
  return out;
}

/**
 * PyG `ToUndirected`: adds every missing reverse edge; duplicates merged, self loops kept. An
 * added reverse edge takes the weight and features of the edge it mirrors.
 */
export function toUndirected(ds: Dataset): Dataset {
  const g = ds.graph;
  const sorted = sortEdges(g.numNodes, g.src, g.dst, { dropSelfLoops: false });
  const data = hasEdgeData(ds) ? pickEdges(ds, firstOccurrences(g.numNodes, sorted, g)) : {};
  const sym = symmetrizeWithData(g.numNodes, sorted.src, sorted.dst, data);
  const rebuilt = graphWithEdgeData(g.numNodes, sym.src, sym.dst, sym.data);
  return { ...ds, ...rebuilt, graph: { ...rebuilt.graph, selfLoops: g.selfLoops } };
}

/**
 * PyG `LargestConnectedComponents(1)` with weak connectivity: keeps the largest component (ties:
 * the one holding the smallest node id), renumbers nodes in their original order, and restricts
 * features, labels and splits to it.
 */
export function largestConnectedComponent(ds: Dataset): Dataset {
  const n = ds.numNodes;
  if (n === 0) return ds;
  if (ds.graphs) {
    throw new DataError("badTransform", `largest_connected_component keeps one component, but \`${ds.name}\` is a set of ${ds.graphs.numGraphs} graphs`);
  }
  const g = ds.graph;
  const parent = Int32Array.from({ length: n }, (_, i) => i);
  const find = (x: number): number => {
    while (parent[x] !== x) {
      parent[x] = parent[parent[x]]; // path halving
      x = parent[x];
    }
    return x;
  };
  for (let e = 0; e < g.numEdges; e++) {
    const a = find(g.src[e]);
    const b = find(g.dst[e]);
    if (a !== b) parent[Math.max(a, b)] = Math.min(a, b);
  }
  const size = new Int32Array(n);
  for (let i = 0; i < n; i++) size[find(i)]++;
  let best = 0;
  for (let i = 0; i < n; i++) if (size[find(i)] > size[best]) best = find(i);

  const newId = new Int32Array(n).fill(-1);
  let kept = 0;
  for (let i = 0; i < n; i++) if (find(i) === best) newId[i] = kept++;
  if (kept === n) return ds;

  let edgeCount = 0;
  for (let e = 0; e < g.numEdges; e++) if (newId[g.dst[e]] >= 0) edgeCount++;
  const src = new Int32Array(edgeCount);
  const dst = new Int32Array(edgeCount);
  const keptEdges = new Int32Array(edgeCount);
  for (let e = 0, k = 0; e < g.numEdges; e++) {
    if (newId[g.dst[e]] < 0) continue;
    src[k] = newId[g.src[e]];
    dst[k] = newId[g.dst[e]];
    keptEdges[k++] = e;
  }
  const rebuilt = graphWithEdgeData(kept, src, dst, pickEdges(ds, keptEdges));
  const labels = new Int32Array(kept);
  for (let i = 0; i < n; i++) if (newId[i] >= 0) labels[newId[i]] = ds.labels[i];
  const splits: Record<string, Int32Array> = {};
  for (const [name, ids] of Object.entries(ds.splits)) {
    splits[name] = Int32Array.from(Array.from(ids, (i) => newId[i]).filter((i) => i >= 0));
  }
  return {
    ...ds,
    numNodes: kept,
    ...rebuilt,
    graph: { ...rebuilt.graph, selfLoops: g.selfLoops },
    features: selectRows(ds.features, newId, kept, ds.numFeatures),
    labels,
    splits,
  };
}

/** Rows i with newId[i] >= 0, in order. */
function selectRows(f: Features, newId: Int32Array, kept: number, cols: number): Features {
  if (f.kind === "dense") {
    const data = new Float32Array(kept * cols);
    for (let i = 0; i < newId.length; i++) if (newId[i] >= 0) data.set(f.data.subarray(i * cols, (i + 1) * cols), newId[i] * cols);
    return { kind: "dense", data };
  }
  const indptr = new Int32Array(kept + 1);
  for (let i = 0; i < newId.length; i++) if (newId[i] >= 0) indptr[newId[i] + 1] = f.indptr[i + 1] - f.indptr[i];
  for (let r = 0; r < kept; r++) indptr[r + 1] += indptr[r];
  const indices = new Int32Array(indptr[kept]);
  const data = new Float32Array(indptr[kept]);
  for (let i = 0; i < newId.length; i++) {
    if (newId[i] < 0) continue;
    indices.set(f.indices.subarray(f.indptr[i], f.indptr[i + 1]), indptr[newId[i]]);
    data.set(f.data.subarray(f.indptr[i], f.indptr[i + 1]), indptr[newId[i]]);
  }
  return { kind: "csr", indptr, indices, data };
}

/** Options as written in a `.gnn` file; defaults are PyG's (20 per class, 500 val, 1000 test). */
export interface RandomSplitOptions {
  per_class?: number;
  num_val?: number;
  num_test?: number;
  seed?: number;
}

/** Replaces the dataset's splits with a Planetoid-style random split (see drawPlanetoidSplit). */
export function randomSplit(ds: Dataset, options: RandomSplitOptions = {}): Dataset {
  const seed = options.seed ?? 0;
  if (!Number.isSafeInteger(seed)) throw new DataError("badGenerator", `random split: seed = ${seed} must be an integer`);
  const split = drawPlanetoidSplit(
    ds.labels,
    ds.numClasses,
    { perClass: options.per_class ?? 20, numVal: options.num_val ?? 500, numTest: options.num_test ?? 1000 },
    new Rng(seed),
  );
  return { ...ds, splits: { ...split } };
}
