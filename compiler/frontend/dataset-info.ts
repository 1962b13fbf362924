/**
 * What the compiler needs to know about a dataset to type a model: sizes, not data.
 * The CLI supplies a resolver backed by the data directory; without one, `load("x")` sizes stay
 * symbolic (`x.num_features`) and everything still type-checks.
 */
export interface DatasetInfo {
  name: string;
  numNodes: number;
  numEdges: number;
  numFeatures: number;
  numClasses: number;
  /** Split names available (train/val/test). */
  splits: readonly string[];
}

/** Why a dataset's metadata cannot be used: a data error's code (E7xx) and message (naming the file and the value). */
export interface DatasetProblem {
  code: string;
  message: string;
  help?: string;
}

export interface DatasetResolver {
  /** Metadata for `load(name)`; undefined when the dataset is not available here; a problem when its files are broken. */
  describe(name: string): DatasetInfo | DatasetProblem | undefined;
}
