import type { Diagnostic } from "../../grammar/diagnostics.js";
import type { Module } from "../ir/types.js";
import type { ScheduleName, ScheduleSpec, TrainSpec } from "../train/spec.js";
import { DECOUPLED } from "./decoupled.js";
import { checkOptions } from "./options.js";
import type { ScheduleKind, ScheduleProgram } from "./program.js";

/** The schedule kinds built so far; the others are refused by training lowering (compiler/train/lower.ts). */
const KINDS: Partial<Record<ScheduleName, ScheduleKind>> = { decoupled: DECOUPLED };

export function scheduleKind(name: ScheduleName): ScheduleKind | undefined {
  return KINDS[name];
}

/** The diagnostics of a schedule's options against its kind's schema (none for a kind not built yet). */
export function scheduleOptionProblems(spec: ScheduleSpec): Diagnostic[] {
  const kind = scheduleKind(spec.name);
  return kind ? checkOptions(kind.name, kind.options, spec).diagnostics : [];
}

/** Lower a train block whose schedule kind is built (scheduleKind) to its functions and plan. */
export function lowerSchedule(module: Module, spec: TrainSpec): { module: Module; program: ScheduleProgram } | Diagnostic[] {
  const kind = scheduleKind(spec.schedule!.name);
  if (!kind) throw new Error(`internal: schedule \`${spec.schedule!.name}\` is not built (compiler/train/lower.ts refuses it)`);
  return kind.lower(spec, module);
}
