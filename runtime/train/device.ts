import type { TensorValue, Value } from "../../compiler/ir/values.js";

/**
 * Where a training run computes: the reference interpreter or the GPU. The trainer owns the
 * schedule of a run (epochs, evaluation, selection, early stopping); a device owns the state
 * (parameters, optimizer states) and runs the lowered functions on it.
 */
export interface TrainDevice {
  readonly kind: "reference" | "gpu";
  /**
   * One training step with the per-step inputs (rng key, step count, learning rates). Its loss
   * stays on the device until `losses()`: a GPU runs ahead, reading back only when asked.
   */
  step(perStep: Readonly<Record<string, Value>>): Promise<void>;
  /** The losses of the steps since the last call, in order (one wait for the GPU). */
  losses(): Promise<number[]>;
  /** The model's output in evaluation mode. */
  predict(rng: Value): Promise<TensorValue>;
  /** Every parameter, buffer and optimizer state, as host tensors (copies the caller may keep). */
  state(): Promise<Record<string, TensorValue>>;
  /** Bytes held throughout the run (data, parameters, optimizer states, values computed once). */
  heldBytes(): number;
  /** Most bytes of values a step or an evaluation held at once so far (on the GPU: every buffer, all resident). */
  readonly peakValueBytes: number;
  /** The same, predicted before running. */
  predictedValueBytes(): number;
  destroy(): void;
}
