import { error, type Diagnostic } from "../../grammar/diagnostics.js";
import type { TrainSpec } from "../../compiler/train/spec.js";
import type { Module } from "../../compiler/ir/types.js";
import { compileTraining, type CompiledTraining, type TrainingPipelineOptions } from "../../compiler/pipeline.js";
import { TRAIN_CODES } from "../../compiler/train/index.js";
import { lrScheduleProblems } from "./lr-schedule.js";

/**
 * A train block through the compile pipeline (compiler/pipeline.ts), or, as located diagnostics,
 * everything training refuses before it loads data: unsupported schedules and passes, inputs the
 * data cannot supply, gradients autodiff cannot take, unusable learning-rate schedules. `gnnc
 * train` and `gnnc compile` start from the result; `gnnc check` reports the diagnostics, so it
 * refuses what training would.
 */
export function compileChecked(spec: TrainSpec, module: Module, options: TrainingPipelineOptions): { training: CompiledTraining } | { diagnostics: Diagnostic[] } {
  const compiled = compileTraining(module, spec, options);
  if (!compiled.training) return { diagnostics: compiled.diagnostics };
  const schedule = spec.lrSchedule;
  const problems = schedule ? lrScheduleProblems(schedule) : [];
  if (schedule && problems.length) return { diagnostics: problems.map((p) => error(TRAIN_CODES.badLrSchedule.code, p, schedule.span)) };
  return { training: compiled.training };
}
