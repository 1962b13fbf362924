import { describe, expect, it } from "vitest";
import { runTraining, type RunTrainingOptions } from "../../runtime/train/run.js";
import { compileTrain, gcnSource } from "./helpers.js";

/** A linear model on the small CSBM graph (fast), with extra train-block entries. */
async function trainWith(extra: string, epochs: number, options: RunTrainingOptions = {}, optimizer?: string) {
  const { spec, module } = compileTrain(gcnSource({ layer: "Linear", epochs, extra, optimizer }));
  const out = await runTraining(spec, module, options);
  if (!out.result) throw new Error(out.diagnostics.map((d) => `${d.code} ${d.message}`).join("\n"));
  return out.result;
}

const evaluatedEpochs = (r: Awaited<ReturnType<typeof trainWith>>) => r.history.filter((h) => "val_accuracy" in h).map((h) => h.epoch);

describe("the train block's eval_every and patience reach the trainer", () => {
  it("eval_every sets when the model is evaluated", async () => {
    expect(evaluatedEpochs(await trainWith("eval_every = 3", 7))).toEqual([3, 6, 7]);
  });

  it("a caller's evalEvery (a CLI flag) overrides the block", async () => {
    expect(evaluatedEpochs(await trainWith("eval_every = 3", 7, { evalEvery: 2 }))).toEqual([2, 4, 6, 7]);
  });

  // sgd with lr 0 never improves on the first evaluation, so training stops `patience` evaluations later.
  const frozen = "sgd(lr = 0)";

  it("patience stops training early; a caller's patience overrides the block", async () => {
    const fromBlock = await trainWith("patience = 3", 100, {}, frozen);
    expect(fromBlock.epochs).toBe(4);
    expect(fromBlock.selected_epoch).toBe(1);
    expect((await trainWith("patience = 3", 100, { patience: 5 }, frozen)).epochs).toBe(6);
  });

  it("patience counts evaluations, not epochs", async () => {
    const r = await trainWith("eval_every = 4\n  patience = 2", 100, {}, frozen);
    // Evaluations at 4 (selected), 8 and 12 (no better): stop after epoch 12.
    expect(r.epochs).toBe(12);
    expect(r.selected_epoch).toBe(4);
  });
});
