import { describe, expect, it } from "vitest";
import { compileTraining, INSERTION_POINTS, stageNames, type InsertionPoint } from "../../compiler/pipeline.js";
import { printModule } from "../../compiler/ir/print.js";
import { runPipeline, type Pass } from "../../compiler/passes/index.js";
import { lowerTraining } from "../../compiler/train/index.js";
import type { Module } from "../../compiler/ir/types.js";
import { compileTrain, gcnSource } from "../train/helpers.js";

/** A pass that changes nothing and records, per run, the functions it was given. */
function spy(seen: string[][]): Pass {
  return {
    name: "spy",
    description: "records the functions it sees",
    options: {},
    run: (module) => {
      seen.push(module.funcs.map((f) => f.name));
      return { module, changed: false, diagnostics: [] };
    },
  };
}

describe("the training compile pipeline", () => {
  const { spec, module } = compileTrain(gcnSource());

  it("is one list of named stages, the GPU's with loop expansion and fusion", () => {
    expect(stageNames("reference")).toEqual(["forward", "lower", "training", "cleanup", "evaluation"]);
    expect(stageNames("gpu")).toEqual(["forward", "lower", "training", "loops", "cleanup", "fusion", "evaluation"]);
  });

  it("gives the functions the runtime ran before: forward rewrites, lowering, then cleanup", () => {
    const forward = runPipeline(module, "transform-first").module;
    const byHand = runPipeline(runPipeline(lowerTraining(forward, spec) as Module, "cse,licm,cse,dce").module, "evaluate-ahead,cse,dce").module;
    const { training } = compileTraining(module, spec, { target: "reference" });
    expect(printModule(training!.module)).toBe(printModule(byHand));
    expect(training!.timings.map((t) => `${t.stage}:${t.pass}`)).toEqual(["cleanup:cse", "cleanup:licm", "cleanup:cse", "cleanup:dce", "evaluation:evaluate-ahead", "evaluation:cse", "evaluation:dce"]);
  });

  it("runs inserted passes at their point: the model's functions, the training functions, the GPU's kernels", () => {
    const at = (point: InsertionPoint, target: "reference" | "gpu") => {
      const seen: string[][] = [];
      const { training, diagnostics } = compileTraining(module, spec, { target, inserted: { [point]: [{ pass: spy(seen) }] } });
      expect(diagnostics).toEqual([]);
      expect(training).toBeDefined();
      return seen;
    };
    expect(INSERTION_POINTS).toEqual(["forward", "training", "kernels"]);
    expect(at("forward", "reference")).toEqual([["forward", "predict"]]);
    expect(at("training", "reference")).toEqual([["forward", "predict", "loss", "train_step"]]);
    expect(at("kernels", "gpu")).toHaveLength(1);
    expect(at("kernels", "reference")).toEqual([]); // no kernels to plan on the reference device
  });

  it("stops at a failing inserted pass, with its diagnostics", () => {
    const failing: Pass = {
      name: "fails",
      description: "always reports an error",
      options: {},
      run: (m) => ({ module: m, changed: false, diagnostics: [{ code: "E999", severity: "error", message: "nope", span: m.span! }] }),
    };
    const r = compileTraining(module, spec, { target: "reference", inserted: { training: [{ pass: failing }] } });
    expect(r.training).toBeUndefined();
    expect(r.diagnostics.map((d) => d.message)).toEqual(["nope"]);
  });

  it("the baseline is the same training without the passes after lowering", () => {
    const r = compileTraining(module, spec, { target: "reference", inserted: { training: [{ name: "dce" }] } });
    const plain = compileTraining(module, spec, { target: "reference" });
    expect(printModule(r.training!.baseline)).toBe(printModule(plain.training!.module));
    expect(plain.training!.baseline).toBe(plain.training!.module);
  });
});
