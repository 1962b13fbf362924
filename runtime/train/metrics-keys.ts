import type { MetricName, SplitName } from "../../compiler/train/spec.js";

/** Metrics by name: `train_loss` and `<split>_<metric>` (`val_accuracy`, `test_accuracy`). */
export type Metrics = Record<string, number>;

export const metricKey = (split: SplitName, metric: MetricName): string => `${split}_${metric}`;
