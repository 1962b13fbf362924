/**
 * The names the compiler gives a train block's functions and results: the contract with every
 * runner client (the epoch trainer, evaluation, schedules).
 */

export { PREDICT_FUNC, PREDICT_AND_STEP_FUNC, OUTPUT_RESULT } from "../ir/training.js";
/** The model in training mode, as the frontend builds it; lowering turns it into `loss` and `train_step`. */
export const FORWARD_FUNC = "forward";
