import type { Diagnostic } from "../../grammar/diagnostics.js";
import type { Module } from "../ir/types.js";
import type { ScheduleName, ScheduleSpec, TrainSpec } from "../train/spec.js";
import { ADMM } from "./admm.js";
import { DECOUPLED } from "./decoupled.js";
import { checkOptions } from "./options.js";
import { SOUP } from "./soup.js";
import type { ScheduleKind, ScheduleProgram } from "./program.js";

/** Every schedule name the language accepts has its kind (a total record: a new name needs one). */
const KINDS: Record<ScheduleName, ScheduleKind> = { decoupled: DECOUPLED, admm: ADMM, soup: SOUP };

export function scheduleKind(name: ScheduleName): ScheduleKind {
  return KINDS[name];
}

/** The diagnostics of a schedule's options against its kind's schema. */
export function scheduleOptionProblems(spec: ScheduleSpec, data?: TrainSpec["data"]): Diagnostic[] {
  const kind = scheduleKind(spec.name);
  return kind.checkOptions ? kind.checkOptions(spec, data) : checkOptions(kind.name, kind.options, spec).diagnostics;
}

/** Lower a train block with `schedule = …` to its kind's functions and plan. */
export function lowerSchedule(module: Module, spec: TrainSpec): { module: Module; program: ScheduleProgram } | Diagnostic[] {
  return scheduleKind(spec.schedule!.name).lower(spec, module);
}
