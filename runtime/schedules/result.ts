import type { ScheduleName } from "../../compiler/train/spec.js";
import type { Metrics, TrainResult } from "../train/trainer.js";

/**
 * What a schedule run reports: a TrainResult whose epochs count phases (`epochs` is the phases
 * done, `selected_epoch` the phases done at the selected evaluation — what a checkpoint saved
 * there resumes after), with each phase's record.
 */
export interface ScheduleResult extends TrainResult {
  schedule: {
    kind: ScheduleName;
    summary: string;
    phases: PhaseRecord[];
  };
}

export interface PhaseRecord {
  /** `ft.0`, `bt.1` */
  phase: string;
  label: string;
  /** Its number among the phases of its kind (Phase.pass). */
  pass: number;
  /** Phases done after this one (1-based position in the plan). */
  done: number;
  /** Wall-clock milliseconds of the phase's steps (its evaluation not included). */
  ms: number;
  /** Each visit of a part (a module) that logs its loss: every step's loss, in the order run. */
  visits: { part: string; losses: number[] }[];
  /** The evaluation after the phase, when the plan asks for one. */
  metrics?: Metrics;
  evalMs?: number;
}
