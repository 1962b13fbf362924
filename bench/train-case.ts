import { resolve } from "node:path";
import { compile } from "../compiler/index.js";
import { describeDataset } from "../runtime/data/index.js";
import { openDevice } from "../runtime/gpu/index.js";
import { findTrain, runTraining } from "../runtime/train/run.js";
import type { BenchDataset } from "./sources.js";

/**
 * One model trained on one dataset for a few epochs, timed the way a user meets it: compiling the
 * `.gnn` text, loading the data, setting up (host precomputation, uploads, GPU pipeline creation),
 * the first epoch, and the median epoch (a training step plus an evaluation, as `gnnc train` does).
 */

export type BenchDevice = "gpu" | "reference";

export interface TrainCase {
  model: string;
  dataset: BenchDataset;
  /** The `.gnn` text (an example adapted to the dataset). */
  source: string;
  device: BenchDevice;
  epochs: number;
}

export interface TrainRow {
  model: string;
  dataset: string;
  label: string;
  nodes: number;
  /** Directed edges of the graph trained on (E, as loaded). */
  edges?: number;
  device: BenchDevice;
  epochs: number;
  /** Frontend compile and lowering of the train block. */
  compile_ms?: number;
  /** Loading (or generating) the dataset and binding it. */
  load_ms?: number;
  /** The rest of the time to the first step: host precomputation, uploads, pipeline creation. */
  setup_ms?: number;
  first_epoch_ms?: number;
  median_epoch_ms?: number;
  /** Bytes allocated (GPU buffers; on the reference device, the measured peak). */
  peak_bytes?: number;
  peak_bytes_predicted?: number;
  /** Test accuracy at the selected epoch of these few epochs: a sanity check, not a result. */
  test_accuracy?: number;
  /** Why the case produced no timings (the first line of the error). */
  error?: string;
}

function firstLine(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.split("\n")[0];
}

export async function runTrainCase(c: TrainCase, dataDir: string | undefined): Promise<TrainRow> {
  const row: TrainRow = { model: c.model, dataset: c.dataset.key, label: c.dataset.label, nodes: c.dataset.nodes, device: c.device, epochs: c.epochs };
  const dirs = dataDir ? [resolve(dataDir)] : [];
  const compileStart = performance.now();
  const compiled = compile(c.source, { file: `${c.model}-${c.dataset.key}.gnn`, datasets: { describe: (name) => describeDataset(name, dirs) } });
  const frontendMs = performance.now() - compileStart;
  const target = compiled.program && findTrain(compiled.program);
  if (!target) {
    row.error = compiled.diagnostics.find((d) => d.severity === "error")?.message ?? "no single train block";
    return row;
  }
  const gpu = c.device === "gpu" ? await openDevice() : undefined;
  try {
    const runStart = performance.now();
    let firstEnd: number | undefined;
    let firstMs: number | undefined;
    const outcome = await runTraining(target.spec, target.module, {
      gpu,
      epochs: c.epochs,
      data: { dataDir: dirs },
      compileMs: frontendMs,
      onEpoch: (p) => {
        if (firstEnd !== undefined) return;
        firstEnd = performance.now();
        firstMs = p.epochMs;
      },
    });
    if (!outcome.result) {
      row.error = outcome.diagnostics.find((d) => d.severity === "error")?.message ?? "training was refused";
      return row;
    }
    const r = outcome.result;
    const lowerMs = r.compile_ms - frontendMs;
    row.compile_ms = r.compile_ms;
    row.edges = r.graph.edges;
    row.load_ms = r.load_ms;
    row.first_epoch_ms = firstMs;
    row.setup_ms = firstEnd !== undefined && firstMs !== undefined ? firstEnd - runStart - lowerMs - (r.load_ms ?? 0) - firstMs : undefined;
    row.median_epoch_ms = r.epoch_ms_median;
    row.peak_bytes = r.peak_bytes;
    row.peak_bytes_predicted = r.peak_bytes_predicted;
    row.test_accuracy = r.metrics.test_accuracy;
  } catch (e) {
    row.error = firstLine(e);
  } finally {
    gpu?.destroy();
  }
  return row;
}
