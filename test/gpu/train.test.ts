import { describe, expect, it, vi } from "vitest";
import { prepareTraining, runTraining } from "../../runtime/train/run.js";
import { GpuRunner } from "../../runtime/runner/index.js";
import { stepInputs, unchangingInputs } from "../../runtime/train/step-inputs.js";
import { initParams } from "../../runtime/reference/index.js";
import { LOSS_RESULT, TRAIN_STEP_FUNC } from "../../compiler/train/index.js";
import { compileTrain, gcnSource } from "../train/helpers.js";
import { GAT_SOURCE, revgnnSource } from "../train/sources.js";
import { runCli } from "../cli/harness.js";
import { expectSameTraining, fiveSteps, useGpu } from "./helpers.js";
import type { GpuDevice } from "../../runtime/gpu/index.js";
import type { TensorValue } from "../../compiler/ir/values.js";

/**
 * Whole training steps on the GPU against the reference device, step for step: the same seed
 * gives the same initial weights and the same dropout masks (Philox on both), so the losses and the
 * weights after each step must agree to f32 rounding.
 */
const gpuOf = useGpu();

const SAGE = gcnSource({ epochs: 5 }).replace(/GCNConv/g, "SAGEConv");

const MODELS: Record<string, string> = {
  "GCN, Adam, dropout": gcnSource({ epochs: 5 }),
  "GAT (edge softmax, attention dropout), AdamW with global-norm clipping": GAT_SOURCE,
  "SAGE (mean aggregation)": SAGE,
  "RevGNN: reversible stack, backward by inverting the coupling (host-driven loops, in-place accumulators)": revgnnSource(4, 150),
  "GCN on 2%-dense features (patterned matmuls forward and for the weight gradient)": gcnSource({ epochs: 5 }).replace("features = 24", "features = 600"),
  "linear, SGD with momentum": gcnSource({ epochs: 5, layer: "Linear", optimizer: "sgd(lr = 0.1, momentum = 0.9)" }),
};

describe("training on the GPU matches the reference device step for step", () => {
  for (const [name, source] of Object.entries(MODELS)) {
    it(name, async (ctx) => {
      const gpu = gpuOf(ctx);
      const ref = await fiveSteps(source);
      const dev = await fiveSteps(source, gpu);
      expectSameTraining(ref, dev);
    }, 120_000);
  }
});

describe("readbacks", () => {
  it("reads the losses back only with the metrics, yet reports every epoch's loss", async (ctx) => {
    const gpu = gpuOf(ctx);
    const { spec, module } = compileTrain(gcnSource({ epochs: 10 }));
    const every = await runTraining(spec, module, { seed: 1, gpu });
    const read = vi.spyOn(gpu, "read");
    const sparse = await runTraining(spec, module, { seed: 1, gpu, evalEvery: 5, progressMs: Infinity });
    // Epochs 5 (with step 6) and 10: the model's output, then the losses.
    expect(read).toHaveBeenCalledTimes(4);
    read.mockRestore();
    expect(sparse.result!.history.map((r) => r.loss)).toEqual(every.result!.history.map((r) => r.loss));
    expect(sparse.result!.history.map((r) => r.epoch)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    // For progress, losses come back at least every progressMs: with 0, after every step — but
    // the 5th, whose evaluation runs with the 6th step (predict_and_step) and comes back with it.
    const progress = vi.spyOn(gpu, "read");
    const eager = await runTraining(spec, module, { seed: 1, gpu, evalEvery: 5, progressMs: 0 });
    expect(progress).toHaveBeenCalledTimes(11);
    progress.mockRestore();
    expect(eager.result!.history.map((r) => r.loss)).toEqual(every.result!.history.map((r) => r.loss));
  }, 60_000);

  it("hands onSelect the state after the chosen epoch, though the next epoch was queued before the metrics came back", async (ctx) => {
    // select = last: every evaluation is chosen, so every epoch's state is handed out.
    const { spec, module } = compileTrain(gcnSource({ epochs: 6 }).replace("best(val.accuracy)", "last"));
    const states = async (epochs: number, gpu?: GpuDevice) => {
      const out: [number, Readonly<Record<string, TensorValue>>][] = [];
      await runTraining(spec, module, { seed: 2, epochs, gpu, onSelect: (epoch, s) => void out.push([epoch, s]) });
      return out;
    };
    const dev = await states(6, gpuOf(ctx));
    expect(dev.map(([e]) => e)).toEqual([1, 2, 3, 4, 5, 6]);
    // Against the reference device's state at the end of a run of that many epochs: nothing queued behind it.
    for (const [epoch, state] of dev) {
      const ref = (await states(epoch)).at(-1)!;
      expect(ref[0]).toBe(epoch);
      for (const [name, want] of Object.entries(ref[1])) {
        const worst = Math.max(...want.data.map((v, j) => Math.abs(v - state[name].data[j]) / Math.max(1, Math.abs(v))));
        expect(worst, `${name} after epoch ${epoch}`).toBeLessThan(1e-4);
      }
    }
  }, 60_000);

  it("stops early where the reference device stops, reporting none of the epoch queued behind the last evaluation", async (ctx) => {
    const { spec, module } = compileTrain(gcnSource({ epochs: 200, layer: "Linear", optimizer: "sgd(lr = 0)" }));
    const chosen: number[] = [];
    const r = await runTraining(spec, module, { seed: 1, gpu: gpuOf(ctx), patience: 3, onSelect: (e) => void chosen.push(e) });
    // lr 0 never improves on the first evaluation: it stops 3 evaluations later.
    expect(r.result!.epochs).toBe(4);
    expect(r.result!.history.map((h) => h.epoch)).toEqual([1, 2, 3, 4]);
    expect(chosen).toEqual([1]);
  }, 60_000);

  it("keeps every loss when the log on the GPU fills up between readbacks", async (ctx) => {
    const gpu = gpuOf(ctx);
    const { spec, module } = compileTrain(gcnSource({ epochs: 10 }));
    const prepared = prepareTraining(spec, module, { target: "gpu" });
    if ("diagnostics" in prepared) throw new Error("does not compile");
    const { lowered, data, symbols } = prepared;
    const func = (name: string) => lowered.funcs.find((f) => f.name === name)!;
    const run = async (lossLogSteps?: number) => {
      const program = { funcs: [func(TRAIN_STEP_FUNC), func("predict")], data: unchangingInputs(spec, data), state: initParams(lowered, 0, symbols), symbols };
      const runner = await GpuRunner.open(gpu, program, { logEntries: lossLogSteps });
      try {
        for (let e = 0; e < 10; e++) await runner.run(TRAIN_STEP_FUNC, stepInputs(spec, [1, 2], e), { log: LOSS_RESULT });
        return await runner.logged();
      } finally {
        runner.destroy();
      }
    };
    const wrapped = await run(4); // full after steps 4 and 8: read back early, kept
    expect(wrapped).toHaveLength(10);
    expect(wrapped).toEqual(await run());
  }, 60_000);
});

describe("gnnc train on the GPU", () => {
  it("trains on the GPU by default when an adapter exists, and says which device ran", async (ctx) => {
    gpuOf(ctx); // skips (or, with GNNC_REQUIRE_GPU=1, fails) without an adapter
    const r = await runCli(["train", "small.gnn", "--epochs", "3", "--quiet"], { "small.gnn": gcnSource({ epochs: 3 }) }, {});
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/device gpu, seed 0/);
  }, 60_000);
});
