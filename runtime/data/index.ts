/** Datasets: loaders (binary, npz, edge list), the CSBM generator, transforms and the registry. */
export type { Dataset, Features, LoadResult } from "./dataset.js";
export { DataError } from "./errors.js";
export { loadBinaryDataset, type BinaryLoadOptions } from "./binary.js";
export { parseNpy, npyToInt32, npyToFloat32, type NpyArray, type NpyData } from "./npy.js";
export {
  readNpz,
  readNpzFile,
  loadGnnBenchNpz,
  gnnBenchFromArrays,
  type GnnBenchOptions,
  type GnnBenchResult,
  type GraphCleanupReport,
} from "./npz.js";
export { loadEdgeList, edgeListFromText, type EdgeListOptions, type TextSource } from "./edgelist.js";
export { csbm, type CsbmOptions } from "./csbm.js";
export { normalizeFeatures, toUndirected, largestConnectedComponent, randomSplit, type RandomSplitOptions } from "./transforms.js";
export {
  openDataset,
  describeDataset,
  datasetResolver,
  listDatasets,
  dataSearchPath,
  cacheDir,
  DATA_DIR_ENV,
  type OpenOptions,
} from "./registry.js";
export { saveBinaryDataset } from "./write-binary.js";
export { loadDatasetSource, TRANSFORMS, type SourceOptions } from "./from-source.js";
export { Rng } from "./prng.js";
