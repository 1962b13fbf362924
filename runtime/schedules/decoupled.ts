import { keyFromSeed } from "../../compiler/ir/rng.js";
import type { TrainSpec } from "../../compiler/train/spec.js";
import type { BoundData } from "../train/bind.js";
import { evaluate, measuredMetrics } from "../train/evaluate.js";
import { clusteringScores } from "./clustering-metrics.js";
import type { KindDriver } from "./driver.js";
import type { Metrics } from "../train/metrics-keys.js";
import { kmeans } from "./kmeans.js";

/**
 * The host driver of `schedule = decoupled(…)` (compiler/schedules/decoupled.ts): the shared
 * driver follows the plan; after every forward-training pass the last module is evaluated —
 * with classifier heads, its head predicts (`predict`) and the block's reported and selection
 * metrics are measured as the epoch trainer measures them; with unsupervised modules
 * (`loss = reconstruction(…)`), its embedding is clustered by k-means (k-means++ seeds from the
 * run's seed, as many clusters as classes) and scored against the labels of every node:
 * clustering accuracy, NMI and ARI — and, to choose settings by, the accuracy on the validation
 * nodes alone (`val_clustering_acc`).
 */
export function decoupledDriver(spec: TrainSpec, data: BoundData, seed: number): KindDriver {
  if (spec.loss.name === "reconstruction") {
    const classes = data.symbols[`${spec.data.name}.num_classes`];
    return {
      evaluate: async (runner) => {
        const clusters = await kmeans(runner, data.symbols.N, classes, seed);
        const val = data.splits.val?.nodes;
        const metrics: Metrics = { ...clusteringScores(data.labels.data, clusters) };
        if (val) metrics.val_clustering_acc = clusteringScores([...val].map((i) => data.labels.data[i]), [...val].map((i) => clusters[i])).clustering_acc;
        return metrics;
      },
    };
  }
  const measured = measuredMetrics(spec);
  return {
    evaluate: (runner) => evaluate(runner, data, measured, { kind: "rng", key: keyFromSeed(seed) }),
  };
}
