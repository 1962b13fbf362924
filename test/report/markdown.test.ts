import { describe, expect, it } from "vitest";
import { runReportMarkdown, summarizePipeline } from "../../runtime/report/index.js";
import { compileTraining } from "../../compiler/pipeline.js";
import type { TrainResult } from "../../runtime/train/trainer.js";
import { compileTrain, gcnSource } from "../train/helpers.js";

const RESULT: TrainResult = {
  run: "small",
  dataset: "syn",
  graph: { nodes: 300, edges: 1800 },
  device: "reference",
  seed: 2,
  epochs: 12,
  start_epoch: 0,
  metrics: { train_loss: 0.5, val_accuracy: 0.8125, test_accuracy: NaN },
  selected_epoch: 10,
  epoch_ms_median: 3.25,
  compile_ms: 41.5,
  peak_bytes: 3 * 2 ** 20,
  peak_bytes_predicted: 3 * 2 ** 20,
  history: [
    { epoch: 10, loss: 0.5, val_accuracy: 0.8125, test_accuracy: NaN },
    { epoch: 11, loss: 0.45 },
    { epoch: 12, loss: 0.4, val_accuracy: 0.75, test_accuracy: 0.7 },
  ],
};

describe("the Markdown run report", () => {
  const { spec, module } = compileTrain(gcnSource());
  const training = compileTraining(module, spec, { target: "reference" }).training!;
  const pipeline = summarizePipeline(training);

  it("summarises the compiled pipeline: passes, node counts before and after, parameter kinds", () => {
    expect(pipeline.passes.map((p) => p.name)).toEqual(["cse", "licm", "cse", "dce", "evaluate-ahead", "cse", "dce"]);
    expect(pipeline.functions.map((f) => f.name)).toEqual(["forward", "predict", "loss", "train_step"]);
    for (const f of pipeline.functions) expect(f.nodesAfter).toBeLessThanOrEqual(f.nodesBefore);
    expect(pipeline.functions.some((f) => f.nodesAfter < f.nodesBefore)).toBe(true); // CSE merges the layers' shared normalisation
    // Two GCN layers (weight, bias each), Adam's m and v for each.
    expect(pipeline.params).toEqual({ trainable: 4, buffers: 0, optimizerStates: 8 });
  });

  it("has the metrics of the selected and the last evaluated epoch, timings, memory, pipeline and the curve", () => {
    const md = runReportMarkdown({ result: RESULT, select: "val_accuracy", pipeline, trainMs: 123.4, maxRssBytes: 200 * 2 ** 20, savedTo: "ckpt.safetensors", curveFile: "curve.svg" });
    expect(md).toContain("# Run `small`");
    expect(md).toContain("Dataset `syn`, device reference, seed 2: trained 12 epochs; selected epoch 10.");
    expect(md).toContain("Selected: the epoch with the best `val_accuracy`.");
    expect(md).toContain("| metric | selected (epoch 10) | last evaluated (epoch 12) |");
    expect(md).toContain("| `val_accuracy` | 0.8125 | 0.7500 |");
    expect(md).toContain("| `test_accuracy` | NaN | 0.7000 |");
    expect(md).toContain("| `train_loss` | 0.5000 | 0.4000 |");
    expect(md).toContain("| compile (frontend and lowering) | 41.5 ms |");
    expect(md).toContain("| median epoch | 3.3 ms |");
    expect(md).toContain("| 3.0 MiB |");
    expect(md).toContain("| peak resident memory of the gnnc process | 200.0 MiB |");
    expect(md).toMatch(/\| `train_step` \| \d+ \| \d+ \|/);
    expect(md).toContain("Parameters: 4 trainable tensors, 0 buffers, 8 optimizer-state tensors.");
    expect(md).toContain("![loss and metrics by epoch](curve.svg)");
    expect(md).toContain("saved in `ckpt.safetensors`");
  });

  it("says when a run was resumed, and leaves out what it does not know", () => {
    const md = runReportMarkdown({ result: { ...RESULT, start_epoch: 9 }, trainMs: 50, resumedFrom: "a.safetensors" });
    expect(md).toContain("trained epochs 10–12 (resumed after epoch 9)");
    expect(md).toContain("Resumed from `a.safetensors`.");
    expect(md).toContain("the last epoch evaluated (`select = last`)");
    expect(md).not.toContain("## Compiled pipeline");
    expect(md).not.toContain("resident memory");
  });
});
