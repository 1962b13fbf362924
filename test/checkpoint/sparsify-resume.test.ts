import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { TensorValue } from "../../compiler/ir/values.js";
import { loadCheckpoint, saveCheckpoint } from "../../runtime/checkpoint/index.js";
import { accuracy } from "../../runtime/train/metrics.js";
import { predictWithCheckpoint } from "../../runtime/train/predict.js";
import { runTraining, type RunTrainingOptions } from "../../runtime/train/run.js";
import type { TrainResult } from "../../runtime/train/trainer.js";
import { compileTrain, gcnSource } from "../train/helpers.js";

/**
 * Masks are runner state: a sparse run's checkpoint holds them, and a run resumed from it keeps
 * its topology (no fresh random masks) and continues the step plan where it stopped — topology
 * updates included — exactly as the unbroken run.
 */

const dir = mkdtempSync(join(tmpdir(), "gnnc-sparse-resume-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type State = Readonly<Record<string, TensorValue>>;

// Topology updates every 2 steps until 75% of 8: steps 2, 4 and 6.
const source = gcnSource({ epochs: 8, extra: "passes = [sparsify(density = 0.2, method = rigl, every = 2, drop = 0.5)]" }).replace(
  "select    = best(val.accuracy)",
  "select = last",
);

async function trainKeeping(options: RunTrainingOptions): Promise<{ result: TrainResult; selected: Map<number, State> }> {
  const { spec, module } = compileTrain(source);
  const selected = new Map<number, State>();
  const outcome = await runTraining(spec, module, { seed: 7, ...options, onSelect: (epoch, state) => selected.set(epoch, state) });
  if (!outcome.result) throw new Error(outcome.diagnostics.map((d) => d.message).join("\n"));
  return { result: outcome.result, selected };
}

describe("resuming a sparse run", () => {
  it("restores the masks and continues the topology updates exactly", async () => {
    const straight = await trainKeeping({});
    const first = await trainKeeping({ epochs: 3 });
    const path = join(dir, "after3.safetensors");
    const state = first.selected.get(3)!;
    saveCheckpoint(path, state, { run: first.result.run, module: "small", dataset: first.result.dataset, epoch: 3, seed: 7, metrics: first.result.metrics });
    const ckpt = loadCheckpoint(path);
    expect(Object.keys(ckpt.tensors)).toEqual(expect.arrayContaining(["conv1.lin.weight_mask", "conv2.lin.weight_mask"]));
    expect([...ckpt.tensors["conv1.lin.weight_mask"].data]).toEqual([...state["conv1.lin.weight_mask"].data]);

    const resumed = await trainKeeping({ start: { tensors: ckpt.tensors, source: path, epoch: 3, metrics: ckpt.info!.metrics } });
    expect(resumed.result.history).toEqual(straight.result.history.slice(3));
    const [a, b] = [straight.selected.get(8)!, resumed.selected.get(8)!];
    for (const k of Object.keys(a)) expect(b[k].data, k).toEqual(a[k].data);
    // The masks moved after the checkpoint (updates at 4 and 6), and the resumed run moved them the same way.
    expect([...a["conv1.lin.weight_mask"].data]).not.toEqual([...state["conv1.lin.weight_mask"].data]);
  });

  it("predicts from a sparse checkpoint as the run evaluated it", async () => {
    const run = await trainKeeping({});
    const path = join(dir, "last.safetensors");
    saveCheckpoint(path, run.selected.get(8)!, { run: run.result.run, module: "small", dataset: run.result.dataset, epoch: 8, seed: 7, metrics: run.result.metrics });
    const { spec, module } = compileTrain(source);
    const p = predictWithCheckpoint(spec, module, loadCheckpoint(path));
    expect(accuracy(p.output, p.labels, p.splits.val)).toBe(run.result.metrics.val_accuracy);
  });
});
