import type { TrainSpec } from "../../compiler/train/spec.js";
import type { Runner } from "../runner/runner.js";
import type { BoundData } from "./bind.js";
import { median } from "./median.js";
import type { Selection } from "./selection.js";
import type { TrainResult } from "./trainer.js";

/**
 * The part of a run's result every driver fills alike (the epoch loop, a schedule's driver): the
 * block, its graph and device, the epochs run after `first` (`done` of them, each taking `ms`),
 * the selection, and the runner's bytes — measured, and predicted from the plans.
 */
export function runRecord(spec: TrainSpec, data: BoundData, runner: Runner, seed: number, selection: Selection, epochs: { first: number; done: number; ms: readonly number[] }): Omit<TrainResult, "history"> {
  const memory = runner.memory();
  return {
    run: spec.name,
    dataset: spec.data.name,
    graph: { nodes: data.symbols.N, edges: data.symbols.E },
    device: runner.kind,
    seed,
    epochs: epochs.first + epochs.done,
    start_epoch: epochs.first,
    metrics: selection.selected?.metrics ?? {},
    selected_epoch: selection.selected?.epoch ?? 0,
    epoch_ms_median: median(epochs.ms),
    compile_ms: 0,
    peak_bytes: memory.heldBytes + memory.peakBytes,
    peak_bytes_predicted: memory.heldBytes + memory.predictedBytes,
  };
}
