import { describe, expect, it } from "vitest";
import { OUTPUT_RESULT, PREDICT_AND_STEP_FUNC, PREDICT_FUNC, TRAIN_STEP_FUNC } from "../../compiler/train/index.js";
import { evaluateAhead } from "../../compiler/passes/evaluate-ahead.js";
import { keyFromSeed } from "../../compiler/ir/rng.js";
import { initParams, runFunc } from "../../runtime/reference/index.js";
import { prepareTraining } from "../../runtime/train/run.js";
import { stepInputs, unchangingInputs } from "../../runtime/train/step-inputs.js";
import { compileTrain, gcnSource } from "./helpers.js";
import { expectSameRuns, trainAheadAndApart } from "./evaluate-ahead.js";

describe("evaluate-ahead: an epoch's evaluation runs with the next step (predict_and_step)", () => {
  it("adds predict_and_step: train_step's results, then predict's output of the state before the step", () => {
    const { spec, module } = compileTrain(gcnSource({ epochs: 3 }));
    const prepared = prepareTraining(spec, module);
    if ("diagnostics" in prepared) throw new Error("compile");
    const funcs = new Map(prepared.lowered.funcs.map((f) => [f.name, f]));
    const fused = funcs.get(PREDICT_AND_STEP_FUNC)!;
    expect(fused.resultNames).toEqual([...funcs.get(TRAIN_STEP_FUNC)!.resultNames, OUTPUT_RESULT]);
    // Run on one state, its results are the step's and predict's, exactly.
    const symbols = { ...prepared.lowered.symbols, ...prepared.data.symbols };
    const state = initParams(prepared.lowered, 5, symbols);
    const inputs = { ...unchangingInputs(spec, prepared.data), ...stepInputs(spec, keyFromSeed(5), 0) };
    const both = runFunc(fused, { inputs, params: state, symbols });
    const step = runFunc(funcs.get(TRAIN_STEP_FUNC)!, { inputs, params: state, symbols });
    const predicted = runFunc(funcs.get(PREDICT_FUNC)!, { inputs: { ...inputs, rng: { kind: "rng", key: keyFromSeed(0) } }, params: state, symbols });
    expect(both.slice(0, -1)).toEqual(step);
    expect(both[both.length - 1]).toEqual(predicted[0]);
  });

  it("leaves a module without predict or train_step as it is", () => {
    const { spec, module } = compileTrain(gcnSource({ epochs: 3 }));
    const prepared = prepareTraining(spec, module);
    if ("diagnostics" in prepared) throw new Error("compile");
    const withoutPredict = { ...prepared.lowered, funcs: prepared.lowered.funcs.filter((f) => f.name !== PREDICT_FUNC && f.name !== PREDICT_AND_STEP_FUNC) };
    const r = evaluateAhead.run(withoutPredict, { log: () => {}, properties: new Set() }, {});
    expect(r.changed).toBe(false);
    expect(r.module).toBe(withoutPredict);
  });

  for (const [name, options] of [
    ["evaluating every epoch", {}],
    ["every third epoch and after the last", { evalEvery: 3 }],
    ["stopping early (patience 2)", { patience: 2 }],
  ] as const) {
    it(`reports what evaluating after each step does, ${name}`, async () => {
      const runs = await trainAheadAndApart(gcnSource({ epochs: 14 }), options);
      expectSameRuns(runs);
      expect(runs.ahead.history.filter((h) => "val_accuracy" in h).length).toBeGreaterThan(2);
      if ("patience" in options) expect(runs.ahead.epochs).toBeLessThan(14);
    });
  }
});
