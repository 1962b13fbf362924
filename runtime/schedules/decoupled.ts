import { keyFromSeed } from "../../compiler/ir/rng.js";
import type { TrainSpec } from "../../compiler/train/spec.js";
import type { BoundData } from "../train/bind.js";
import { evaluate, measuredMetrics } from "../train/evaluate.js";
import type { KindDriver } from "./driver.js";

/**
 * The host driver of `schedule = decoupled(…)` (compiler/schedules/decoupled.ts): the shared
 * driver follows the plan; after every forward-training pass the last module's head predicts
 * (`predict`) and the block's reported and selection metrics are measured, as the epoch trainer
 * measures them.
 */
export function decoupledDriver(spec: TrainSpec, data: BoundData, seed: number): KindDriver {
  const measured = measuredMetrics(spec);
  return {
    evaluate: (runner) => evaluate(runner, data, measured, { kind: "rng", key: keyFromSeed(seed) }),
  };
}
