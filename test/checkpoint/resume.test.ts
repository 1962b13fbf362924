import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { TensorValue } from "../../compiler/ir/values.js";
import { loadCheckpoint, saveCheckpoint } from "../../runtime/checkpoint/index.js";
import { predictWithCheckpoint } from "../../runtime/train/predict.js";
import { runTraining, type RunTrainingOptions } from "../../runtime/train/run.js";
import { accuracy } from "../../runtime/train/metrics.js";
import type { TrainResult } from "../../runtime/train/trainer.js";
import { compileTrain, gcnSource } from "../train/helpers.js";

const dir = mkdtempSync(join(tmpdir(), "gnnc-resume-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type State = Readonly<Record<string, TensorValue>>;

/** Train, keeping the state handed to onSelect at each selection. */
async function trainKeeping(source: string, options: RunTrainingOptions): Promise<{ result: TrainResult; selected: Map<number, State> }> {
  const { spec, module } = compileTrain(source);
  const selected = new Map<number, State>();
  const outcome = await runTraining(spec, module, { seed: 4, ...options, onSelect: (epoch, state) => selected.set(epoch, state) });
  if (!outcome.result) throw new Error(outcome.diagnostics.map((d) => d.message).join("\n"));
  return { result: outcome.result, selected };
}

function save(path: string, result: TrainResult, state: State, module: string): void {
  saveCheckpoint(path, state, { run: result.run, module, dataset: result.dataset, epoch: result.selected_epoch, seed: result.seed, metrics: result.metrics });
}

describe("resuming from a checkpoint", () => {
  // Adam with a step-decayed learning rate: resuming must continue the step count, the schedule and the dropout keys.
  const source = gcnSource({ epochs: 6, extra: "lr_schedule = step(step_size = 2, gamma = 0.5)" }).replace("select    = best(val.accuracy)", "select = last");

  it("continues exactly where an uninterrupted run would be", async () => {
    const straight = await trainKeeping(source, {});
    const first = await trainKeeping(source, { epochs: 3 });
    const path = join(dir, "after3.safetensors");
    save(path, first.result, first.selected.get(3)!, "small");
    const ckpt = loadCheckpoint(path);
    const resumed = await trainKeeping(source, { start: { tensors: ckpt.tensors, source: path, epoch: ckpt.info!.epoch, metrics: ckpt.info!.metrics } });

    expect(resumed.result.start_epoch).toBe(3);
    expect(resumed.result.epochs).toBe(6);
    expect(resumed.result.history).toEqual(straight.result.history.slice(3));
    expect(resumed.result.metrics).toEqual(straight.result.metrics);
    const [a, b] = [straight.selected.get(6)!, resumed.selected.get(6)!];
    expect(Object.keys(b)).toEqual(Object.keys(a));
    expect(Object.keys(a).some((k) => k.startsWith("opt.m."))).toBe(true);
    for (const k of Object.keys(a)) expect(b[k].data, k).toEqual(a[k].data);
  });

  it("keeps the checkpoint's epoch selected unless a later one is better", async () => {
    const best = gcnSource({ epochs: 4 });
    const first = await trainKeeping(best, { epochs: 2 });
    const path = join(dir, "best.safetensors");
    save(path, first.result, first.selected.get(first.result.selected_epoch)!, "small");
    const ckpt = loadCheckpoint(path);
    // Claim a perfect score at the checkpoint: nothing after it can beat that.
    const metrics = { ...ckpt.info!.metrics, val_accuracy: 1 };
    const resumed = await trainKeeping(best, { start: { tensors: ckpt.tensors, source: path, epoch: 2, metrics } });
    expect(resumed.result.selected_epoch).toBe(2);
    expect(resumed.result.metrics).toEqual(metrics);
    expect([...resumed.selected.keys()]).toEqual([2]); // the resumed state itself is the selection
  });

  it("refuses a checkpoint of another model, naming the tensor and both shapes", async () => {
    const path = join(dir, "wide.safetensors");
    const wide = await trainKeeping(gcnSource({ epochs: 1 }).replace("hidden: int = 16", "hidden: int = 8"), {});
    save(path, wide.result, wide.selected.get(1)!, "small");
    const ckpt = loadCheckpoint(path);
    const { spec, module } = compileTrain(gcnSource({ epochs: 3 }));
    await expect(runTraining(spec, module, { start: { tensors: ckpt.tensors, source: path, epoch: 1 } })).rejects.toThrow(
      `${path}: tensor \`conv1.lin.weight\` has shape [8, 24], but the model expects [16, 24] (and`,
    );
  });

  it("predicts with the saved state exactly as the run evaluated it", async () => {
    const run = await trainKeeping(gcnSource({ epochs: 5 }), {});
    expect(run.result.selected_epoch).toBeLessThan(5); // so the kept state outlived two more training steps
    const path = join(dir, "selected.safetensors");
    save(path, run.result, run.selected.get(run.result.selected_epoch)!, "small");
    const { spec, module } = compileTrain(gcnSource({ epochs: 5 }));
    const p = predictWithCheckpoint(spec, module, loadCheckpoint(path));
    expect(p.output.shape).toEqual([300, 3]);
    expect(accuracy(p.output, p.labels, p.splits.val)).toBe(run.result.metrics.val_accuracy);
    expect(accuracy(p.output, p.labels, p.splits.test)).toBe(run.result.metrics.test_accuracy);
  });
});
