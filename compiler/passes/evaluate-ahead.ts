import { FuncBuilder } from "../ir/builder.js";
import { cloneRegion } from "../ir/clone-region.js";
import { OUTPUT_RESULT, PREDICT_AND_STEP_FUNC, PREDICT_FUNC, TRAIN_STEP_FUNC } from "../ir/training.js";
import type { Func } from "../ir/types.js";
import type { Pass } from "./pass.js";

/**
 * An epoch of training is a step and an evaluation of the weights it leaves (`select = best(…)`
 * keeps the best evaluated state). The evaluation after step t and the forward of step t + 1 read
 * the same weights, so a trainer may run them as one function: `predict_and_step` is `predict`'s
 * body, then `train_step`'s, over the same inputs and state; its results are the step's, then
 * predict's output. In one function the two forwards share what depends on no dropout draw (the
 * inputs and parameters read, the graph's normalisation: cse after this pass) and their launches
 * may share dispatches (compiler/plan/merge-launches.ts); the host submits one program, not two.
 * Predict's nodes come first, so its values are dead before the step's backward holds its own.
 *
 * Contract: the function's `out` is exactly what `predict` returns on the state before the run,
 * and every other result is what `train_step` returns; a module without both functions (a
 * schedule's) is left as it is. The trainer (runtime/train/trainer.ts) runs it in place of the
 * next step after an evaluated epoch, and `predict` after the run's first and last steps.
 */
export const evaluateAhead: Pass<Record<string, never>> = {
  name: "evaluate-ahead",
  description: "Add `predict_and_step`: predict on the state, then train_step, as one function (an epoch's evaluation run with the next step).",
  options: {},
  run(module, ctx) {
    const predict = module.funcs.find((f) => f.name === PREDICT_FUNC);
    const step = module.funcs.find((f) => f.name === TRAIN_STEP_FUNC);
    if (!predict || !step || module.funcs.some((f) => f.name === PREDICT_AND_STEP_FUNC)) return { module, changed: false, diagnostics: [] };
    if (predict.resultNames.join() !== OUTPUT_RESULT || step.resultNames.includes(OUTPUT_RESULT)) return { module, changed: false, diagnostics: [] };
    ctx.log(`evaluate-ahead: ${PREDICT_AND_STEP_FUNC} = ${PREDICT_FUNC} (${predict.body.length} nodes), then ${TRAIN_STEP_FUNC} (${step.body.length})`);
    return { module: { ...module, funcs: [...module.funcs, predictAndStep(predict, step)] }, changed: true, diagnostics: [] };
  },
};

function predictAndStep(predict: Func, step: Func): Func {
  const b = new FuncBuilder(PREDICT_AND_STEP_FUNC);
  const evaluated = cloneRegion(b, { params: [], body: predict.body, results: predict.results }, []);
  const stepped = cloneRegion(b, { params: [], body: step.body, results: step.results }, []);
  return b.finish([...stepped.results, ...evaluated.results], [...step.resultNames, ...predict.resultNames]);
}
