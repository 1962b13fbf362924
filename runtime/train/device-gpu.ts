import { evalDim } from "../../compiler/ir/dims.js";
import type { Func, TensorType } from "../../compiler/ir/types.js";
import type { TensorValue, Value } from "../../compiler/ir/values.js";
import { scheduleBytes } from "../../compiler/codegen/index.js";
import { BufferStore, loadFunction, type GpuDevice, type GpuProgram } from "../gpu/index.js";
import type { TrainDevice } from "./device.js";

/**
 * The GPU device: the training step and the evaluation function resident on Dawn, sharing their
 * parameter buffers. A step is one submission; the updated weights are copied into the parameter
 * buffers on the GPU; only the loss (and, at evaluation, the output) is read back.
 */
export class GpuTrainDevice implements TrainDevice {
  readonly kind = "gpu";
  private constructor(
    private readonly gpu: GpuDevice,
    private readonly store: BufferStore,
    private readonly stepProgram: GpuProgram,
    private readonly predictProgram: GpuProgram,
    private readonly step_: Func,
    private readonly predict_: Func,
    private readonly paramTypes: ReadonlyMap<string, TensorValue>,
    private readonly data: Readonly<Record<string, Value>>,
    private readonly symbols: Readonly<Record<string, number>>,
  ) {}

  static async create(
    gpu: GpuDevice,
    step: Func,
    predict: Func,
    data: Readonly<Record<string, Value>>,
    params: Readonly<Record<string, TensorValue>>,
    symbols: Readonly<Record<string, number>>,
  ): Promise<GpuTrainDevice> {
    const store = new BufferStore(gpu);
    const stepProgram = await loadFunction(gpu, step, { symbols, data, store });
    const predictData = Object.fromEntries(Object.entries(data).filter(([name]) => name !== "labels" && name !== "mask"));
    const predictProgram = await loadFunction(gpu, predict, { symbols, data: predictData, store });
    for (const [name, value] of Object.entries(params)) {
      stepProgram.setParam(name, value);
      predictProgram.setParam(name, value);
    }
    return new GpuTrainDevice(gpu, store, stepProgram, predictProgram, step, predict, new Map(Object.entries(params)), data, symbols);
  }

  async step(perStep: Readonly<Record<string, Value>>): Promise<number> {
    for (const [name, value] of Object.entries(perStep)) this.stepProgram.setInput(name, value);
    const updates = this.step_.resultNames.flatMap((name, k): [number, string][] => (k > 0 ? [[k, name]] : []));
    this.stepProgram.run(updates);
    const loss = await this.stepProgram.readResult(0, { kind: "tensor", dtype: "f32", shape: [] }, []);
    return loss.data[0];
  }

  async predict(rng: Value): Promise<TensorValue> {
    this.predictProgram.setInput("rng", rng);
    this.predictProgram.run();
    const type = this.predict_.body.find((n) => n.id === this.predict_.results[0])!.type as TensorType;
    return this.predictProgram.readResult(0, type, this.concrete(type));
  }

  async state(): Promise<Record<string, TensorValue>> {
    const out: Record<string, TensorValue> = {};
    for (const [name, like] of this.paramTypes) {
      out[name] = await this.stepProgram.readParam(name, { kind: "tensor", dtype: like.dtype, shape: like.shape }, like.shape);
    }
    return out;
  }

  /** Nothing beyond the device buffers: data, parameters and states are among them (peakValueBytes). */
  heldBytes(): number {
    return 0;
  }

  /** Every buffer the two programs and the shared store allocated (all stay resident). */
  get peakValueBytes(): number {
    const programs = [this.stepProgram, this.predictProgram].reduce((n, p) => n + p.ownedBytes, 0);
    let shared = 0;
    for (const b of this.store.buffers.values()) shared += b.size;
    return programs + shared;
  }

  predictedValueBytes(): number {
    return scheduleBytes([this.stepProgram.schedule, this.predictProgram.schedule]);
  }

  destroy(): void {
    this.stepProgram.destroy();
    this.predictProgram.destroy();
    this.store.destroy();
  }

  private concrete(t: TensorType): number[] {
    return t.shape.map((d) => {
      const v = evalDim(d, this.symbols);
      if (v === undefined) throw new Error(`dimension ${d} has no value`);
      return v;
    });
  }
}
