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

export interface DatasetResolver {
  /** Metadata for `load(name)`, or undefined when the dataset is not available here. */
  describe(name: string): DatasetInfo | undefined;
}
