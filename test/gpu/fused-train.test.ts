import { describe, expect, it } from "vitest";
import type { Module } from "../../compiler/ir/types.js";
import type { TensorValue } from "../../compiler/ir/values.js";
import { runPipeline } from "../../compiler/passes/index.js";
import type { GpuDevice } from "../../runtime/gpu/index.js";
import { train } from "../../runtime/train/trainer.js";
import { TRAINING_SOURCES, prepareStep, type PreparedStep } from "../passes/fusion-fixtures.js";
import { expectSameTraining, useGpu } from "./helpers.js";

/**
 * Whole training steps with fused elementwise kernels: the GPU running the fused module matches
 * the reference device running the unfused one, step for step (same seed, same dropout masks),
 * and allocates exactly the bytes its plan predicts.
 */
const gpuOf = useGpu();

async function fiveSteps(p: PreparedStep, module: Module, gpu?: GpuDevice) {
  let state: Readonly<Record<string, TensorValue>> = {};
  const result = await train(module, p.spec, p.bound, { seed: 3, epochs: 5, gpu, onSelect: (_, s) => void (state = s) });
  return { result, state };
}

describe("training with fuse-elementwise on the GPU matches the unfused reference step for step", () => {
  for (const [name, source] of Object.entries(TRAINING_SOURCES)) {
    it(name, async (ctx) => {
      const gpu = gpuOf(ctx);
      const p = prepareStep(source);
      const fused = runPipeline(p.module, "fuse-elementwise");
      expect(fused.diagnostics).toEqual([]);
      const ref = await fiveSteps(p, p.module);
      const dev = await fiveSteps(p, fused.module, gpu);
      expectSameTraining(ref, dev);
    }, 120_000);
  }
});
