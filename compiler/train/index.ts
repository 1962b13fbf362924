/** Lowering a checked train block to IR training functions (`loss`, `train_step`). */
export { lowerTraining, LOSS_FUNC, TRAIN_STEP_FUNC, DATA_INPUTS } from "./lower.js";
export { LABELS_INPUT, MASK_INPUT, LOSS_RESULT } from "./loss-func.js";
export { LR_INPUT, STEP_INPUT, lrInputs, lrInputFor, optionsFor, stateName, type LrInput } from "./optimizer-options.js";
export { TRAIN_CODES } from "./codes.js";
export { PREDICT_FUNC, PREDICT_AND_STEP_FUNC, FORWARD_FUNC, OUTPUT_RESULT } from "./names.js";
export { findTrain, type CompiledProgram } from "./program.js";
export { stepPlanOf, funcAt, scalarsAt, stepCounts, resolvePoint, selectableAt, runFuncs } from "../ir/step-plan.js";
