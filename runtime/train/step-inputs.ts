import type { TrainSpec } from "../../compiler/train/spec.js";
import { foldKey } from "../../compiler/ir/rng.js";
import type { TensorValue, Value } from "../../compiler/ir/values.js";
import { LABELS_INPUT, lrInputs, MASK_INPUT, STEP_INPUT } from "../../compiler/train/index.js";
import type { BoundData } from "./bind.js";
import { lrAt } from "./lr-schedule.js";

/** The inputs of `train_step`: those fixed for a whole run, and those of one step. */

function scalar(v: number): TensorValue {
  return { kind: "tensor", dtype: "f32", shape: [], data: Float32Array.of(v) };
}

/** Inputs that never change during a run (features, graph, labels, the loss mask): computed-once values depend on these only. */
export function unchangingInputs(spec: TrainSpec, data: BoundData): Record<string, Value> {
  const mask = data.splits[spec.loss.mask]?.mask;
  if (!mask) throw new Error(`the dataset has no \`${spec.loss.mask}\` split for the loss`);
  return { ...data.inputs, [LABELS_INPUT]: data.labels, [MASK_INPUT]: mask };
}

/** Inputs of the step after `epoch` epochs: its dropout key (folded from the run's key), step count and learning rates. */
export function stepInputs(spec: TrainSpec, root: readonly [number, number], epoch: number): Record<string, Value> {
  const inputs: Record<string, Value> = { rng: { kind: "rng", key: foldKey(root, epoch) }, [STEP_INPUT]: scalar(epoch + 1) };
  for (const lr of spec.optimizer ? lrInputs(spec.optimizer) : []) inputs[lr.name] = scalar(lrAt(spec.lrSchedule, lr.baseLr, epoch));
  return inputs;
}

/** The step plan's host-computed scalars of one step (compiler/train/step-plan.ts) as f32 inputs. */
export function scalarInputs(values: Readonly<Record<string, number>>): Record<string, Value> {
  return Object.fromEntries(Object.entries(values).map(([name, v]) => [name, scalar(v)]));
}
