import { isAbsolute, resolve } from "node:path";
import type { DatasetSource, DatasetTransform } from "../../compiler/train/dataset.js";
import { csbm } from "./csbm.js";
import type { Dataset, LoadResult } from "./dataset.js";
import { loadEdgeList } from "./edgelist.js";
import { loadGnnBenchNpz } from "./npz.js";
import { type OpenOptions, openDataset } from "./registry.js";
import { syntheticGraphs } from "./synthetic-graphs.js";
import { largestConnectedComponent, normalizeFeatures, toUndirected } from "./transforms.js";

/** The transforms a `.gnn` file can name, by that name (typed so a new name cannot be forgotten). */
export const TRANSFORMS: Record<DatasetTransform, (ds: Dataset) => Dataset> = {
  normalize_features: normalizeFeatures,
  to_undirected: toUndirected,
  largest_connected_component: largestConnectedComponent,
};

export interface SourceOptions extends OpenOptions {
  /** Folder that relative npz/edge-list paths are relative to (the `.gnn` file's folder). */
  baseDir?: string;
}

/** Materialises a dataset the compiler checked (`load`, `synthetic.csbm`, `npz`, `edgelist`), then applies its transforms in order. */
export function loadDatasetSource(
  source: DatasetSource,
  transforms: readonly DatasetTransform[] = [],
  options: SourceOptions = {},
): LoadResult {
  const path = (p: string) => (isAbsolute(p) ? p : resolve(options.baseDir ?? ".", p));
  let result: LoadResult;
  switch (source.kind) {
    case "load":
      result = openDataset(source.name, options);
      break;
    case "csbm": {
      const { nodes, classes, features, avgDegree, homophily, signal, seed } = source;
      result = { dataset: csbm({ nodes, classes, features, avg_degree: avgDegree, homophily, signal, seed }), warnings: [], notes: [] };
      break;
    }
    case "graphs":
      result = { dataset: syntheticGraphs(source), warnings: [], notes: [] };
      break;
    case "npz":
      result = loadGnnBenchNpz(path(source.path));
      break;
    case "edgelist":
      result = loadEdgeList({
        edges: path(source.path),
        features: source.features === undefined ? undefined : path(source.features),
        labels: source.labels === undefined ? undefined : path(source.labels),
      });
      break;
  }
  const dataset = transforms.reduce((ds, name) => TRANSFORMS[name](ds), result.dataset);
  return { ...result, dataset };
}
