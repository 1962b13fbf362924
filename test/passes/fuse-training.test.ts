import { describe, expect, it } from "vitest";
import type { Func, Node } from "../../compiler/ir/types.js";
import type { Value } from "../../compiler/ir/values.js";
import { runPipeline } from "../../compiler/passes/index.js";
import { runFunc } from "../../runtime/reference/index.js";
import { TRAINING_SOURCES, funcNamed, launchCount, prepareStep, stepEnv } from "./fusion-fixtures.js";

// fuse-elementwise on real training steps (forward, backward, optimizer), lowered and cleaned as
// the GPU trainer prepares them: every result keeps its exact words, and a step needs fewer launches.

/** Every result as 32-bit words (floats by their bits, so −0 and NaN payloads count). */
function words(vs: Value[]): number[][] {
  return vs.map((v) => {
    if (v.kind !== "tensor") throw new Error("expected tensor results");
    return Array.from(v.data instanceof Float32Array ? new Uint32Array(v.data.buffer, v.data.byteOffset, v.data.length) : v.data);
  });
}

function fusedNodes(body: readonly Node[]): Node[] {
  return body.flatMap((n) => [...(n.op === "t.fused" ? [n] : []), ...(n.regions ?? []).flatMap((r) => fusedNodes(r.body))]);
}

describe("fuse-elementwise on training steps", () => {
  for (const [name, source] of Object.entries(TRAINING_SOURCES)) {
    it(`${name}: same words from train_step and predict, fewer launches per step`, () => {
      const prepared = prepareStep(source);
      const fused = runPipeline(prepared.module, "fuse-elementwise"); // verifies its output
      expect(fused.diagnostics).toEqual([]);
      for (const fname of ["train_step", "predict"]) {
        const before = funcNamed(prepared.module, fname);
        const after: Func = funcNamed(fused.module, fname);
        for (const seed of [1, 2]) {
          const env = stepEnv(prepared, before, seed);
          expect(words(runFunc(after, env)), `${fname} seed ${seed}`).toEqual(words(runFunc(before, env)));
        }
      }
      const step = funcNamed(fused.module, "train_step");
      expect(fusedNodes(step.body).length).toBeGreaterThan(0);
      expect(launchCount(prepared, step)).toBeLessThan(launchCount(prepared, funcNamed(prepared.module, "train_step")));
    });
  }
});
