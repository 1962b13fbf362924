import { describe, expect, it } from "vitest";
import type { Node } from "../../compiler/ir/types.js";
import type { Value } from "../../compiler/ir/values.js";
import { runPipeline } from "../../compiler/passes/index.js";
import { runFunc } from "../../runtime/reference/index.js";
import { TRAINING_SOURCES, funcNamed, launchCount, prepareStep, stepEnv } from "./fusion-fixtures.js";

// fuse-epilogue on real training steps (forward, backward, optimizer) after fuse-elementwise, as
// the GPU trainer runs them: every result keeps its exact words, and a step needs fewer launches.

function words(vs: Value[]): number[][] {
  return vs.map((v) => {
    if (v.kind !== "tensor") throw new Error("expected tensor results");
    return Array.from(v.data instanceof Float32Array ? new Uint32Array(v.data.buffer, v.data.byteOffset, v.data.length) : v.data);
  });
}

function epilogueNodes(body: readonly Node[]): Node[] {
  return body.flatMap((n) => [...(n.op.endsWith("_epilogue") ? [n] : []), ...(n.regions ?? []).flatMap((r) => epilogueNodes(r.body))]);
}

describe("fuse-epilogue on training steps", () => {
  for (const [name, source] of Object.entries(TRAINING_SOURCES)) {
    it(`${name}: same words from train_step and predict, fewer launches per step than elementwise fusion alone`, () => {
      const prepared = prepareStep(source);
      const elementwise = runPipeline(prepared.module, "fuse-elementwise");
      const both = runPipeline(elementwise.module, "fuse-epilogue"); // verifies its output
      expect(both.diagnostics).toEqual([]);
      for (const fname of ["train_step", "predict"]) {
        const before = funcNamed(prepared.module, fname);
        const env = stepEnv(prepared, before, 1);
        expect(words(runFunc(funcNamed(both.module, fname), env)), fname).toEqual(words(runFunc(before, env)));
      }
      const step = funcNamed(both.module, "train_step");
      expect(epilogueNodes(step.body).length).toBeGreaterThan(0);
      expect(launchCount(prepared, step)).toBeLessThan(launchCount(prepared, funcNamed(elementwise.module, "train_step")));
    });
  }
});
