import { expect } from "vitest";
import { PREDICT_AND_STEP_FUNC } from "../../compiler/train/index.js";
import type { Module } from "../../compiler/ir/types.js";
import type { TensorValue } from "../../compiler/ir/values.js";
import type { GpuDevice } from "../../runtime/gpu/index.js";
import { train, type TrainOptions, type TrainResult } from "../../runtime/train/trainer.js";
import { prepareTraining } from "../../runtime/train/run.js";
import { compileTrain } from "./helpers.js";

/** A run with and without `predict_and_step`, and the states each offered for selection (onSelect), by epoch. */
export interface AheadRuns {
  ahead: TrainResult;
  apart: TrainResult;
  aheadStates: Map<number, Record<string, TensorValue>>;
  apartStates: Map<number, Record<string, TensorValue>>;
  module: Module;
}

/**
 * Train `source` twice on one device: as compiled (evaluations ride on the next step, as
 * `predict_and_step`) and with that function removed (each evaluation runs `predict` after its
 * step). Evaluating with the next step must change nothing a run reports.
 */
export async function trainAheadAndApart(source: string, options: Partial<TrainOptions> = {}, gpu?: GpuDevice): Promise<AheadRuns> {
  const { spec, module } = compileTrain(source);
  const prepared = prepareTraining(spec, module, { target: gpu ? "gpu" : "reference" });
  if ("diagnostics" in prepared) throw new Error(prepared.diagnostics.map((d) => d.message).join("\n"));
  const lowered = prepared.lowered;
  if (!lowered.funcs.some((f) => f.name === PREDICT_AND_STEP_FUNC)) throw new Error(`the compiled module has no ${PREDICT_AND_STEP_FUNC}`);
  const apartModule = { ...lowered, funcs: lowered.funcs.filter((f) => f.name !== PREDICT_AND_STEP_FUNC) };
  const run = async (m: Module) => {
    const states = new Map<number, Record<string, TensorValue>>();
    const result = await train(m, spec, prepared.data, { seed: 2, ...options, ...(gpu ? { gpu } : {}), onSelect: (epoch, state) => void states.set(epoch, state) });
    return { result, states };
  };
  const ahead = await run(lowered);
  const apart = await run(apartModule);
  return { ahead: ahead.result, apart: apart.result, aheadStates: ahead.states, apartStates: apart.states, module: lowered };
}

/** Evaluating with the next step reports what evaluating after each step does: every epoch's loss and metrics, the selection, the state it keeps. */
export function expectSameRuns(r: AheadRuns): void {
  expect(r.ahead.history).toEqual(r.apart.history);
  expect(r.ahead.metrics).toEqual(r.apart.metrics);
  expect(r.ahead.selected_epoch).toBe(r.apart.selected_epoch);
  expect(r.ahead.epochs).toBe(r.apart.epochs);
  expect([...r.aheadStates.keys()]).toEqual([...r.apartStates.keys()]);
  for (const [epoch, state] of r.apartStates) expect(r.aheadStates.get(epoch)).toEqual(state);
}

