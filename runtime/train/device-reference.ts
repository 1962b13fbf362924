import type { Func } from "../../compiler/ir/types.js";
import type { TensorValue, Value } from "../../compiler/ir/values.js";
import { predictPeakBytes } from "../../compiler/plan/peak.js";
import { DataMemo, MemoryMeter, runFunc } from "../reference/index.js";
import type { TrainDevice } from "./device.js";
import { valueBytes } from "./held-bytes.js";

/**
 * The reference device: the IR interpreter on the CPU. What depends only on the unchanging data
 * (normalisations, propagated features) is computed once (DataMemo); each function run's memory is
 * measured (MemoryMeter).
 */
export class ReferenceDevice implements TrainDevice {
  readonly kind = "reference";
  peakValueBytes = 0;
  private readonly memo: DataMemo;
  private pending: number[] = [];

  constructor(
    private readonly step_: Func,
    private readonly predict_: Func,
    private readonly data: Readonly<Record<string, Value>>,
    private params: Record<string, TensorValue>,
    private readonly symbols: Readonly<Record<string, number>>,
  ) {
    this.memo = new DataMemo(new Set(Object.keys(data)));
  }

  async step(perStep: Readonly<Record<string, Value>>): Promise<void> {
    const outs = this.run(this.step_, { ...this.data, ...perStep });
    this.step_.resultNames.forEach((name, k) => {
      if (k > 0) this.params[name] = outs[k] as TensorValue;
    });
    this.pending.push((outs[0] as TensorValue).data[0]);
  }

  async losses(): Promise<number[]> {
    const out = this.pending;
    this.pending = [];
    return out;
  }

  async predict(rng: Value): Promise<TensorValue> {
    return this.run(this.predict_, { ...this.data, rng })[0] as TensorValue;
  }

  async state(): Promise<Record<string, TensorValue>> {
    return { ...this.params }; // values are never mutated: a shallow copy is a snapshot
  }

  heldBytes(): number {
    return valueBytes([...Object.values(this.params), ...Object.values(this.data)]) + this.memo.heldBytes();
  }

  predictedValueBytes(): number {
    return Math.max(predictPeakBytes(this.step_, this.symbols).total, predictPeakBytes(this.predict_, this.symbols).total);
  }

  destroy(): void {}

  private run(f: Func, inputs: Record<string, Value>): Value[] {
    const meter = new MemoryMeter();
    const outs = runFunc(f, { inputs, params: this.params, symbols: this.symbols }, { meter, memo: this.memo });
    this.peakValueBytes = Math.max(this.peakValueBytes, meter.peakBytes);
    return outs;
  }
}
