import { error, type Diagnostic } from "../../grammar/diagnostics.js";
import type { TrainSpec } from "../../compiler/frontend/train-spec.js";
import type { Module } from "../../compiler/ir/types.js";
import { runPipeline } from "../../compiler/passes/index.js";
import { lowerTraining, TRAIN_CODES } from "../../compiler/train/index.js";
import { lrScheduleProblems } from "./lr-schedule.js";

/** Run on the model's forward before training is lowered (see compiler/passes/transform-first.ts). */
export const FORWARD_PIPELINE = "transform-first";

/**
 * A train block lowered to `loss` and `train_step`, or, as located diagnostics, everything training
 * refuses before it loads data (unsupported schedules and passes, inputs the data cannot supply,
 * gradients autodiff cannot take, unusable learning-rate schedules). `gnnc train` starts from the
 * lowering; `gnnc check` reports the diagnostics, so it refuses what training would.
 */
export function lowerChecked(spec: TrainSpec, module: Module): { lowering: Module } | { diagnostics: Diagnostic[] } {
  // Aggregations move after the transforms that narrow them, before autodiff: the backward follows.
  const forward = runPipeline(module, FORWARD_PIPELINE);
  if (forward.diagnostics.some((d) => d.severity === "error")) return { diagnostics: forward.diagnostics };
  const lowering = lowerTraining(forward.module, spec);
  if (Array.isArray(lowering)) return { diagnostics: lowering };
  const schedule = spec.lrSchedule;
  const scheduleProblems = schedule ? lrScheduleProblems(schedule) : [];
  if (schedule && scheduleProblems.length) {
    return { diagnostics: scheduleProblems.map((p) => error(TRAIN_CODES.badLrSchedule.code, p, schedule.span)) };
  }
  return { lowering };
}
