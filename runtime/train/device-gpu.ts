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
  /** [result, parameter] pairs: the step's new weights and states, copied over the old on the GPU. */
  private readonly updates: readonly (readonly [number, string])[];
  private readonly outputType: TensorType;

  private constructor(
    private readonly store: BufferStore,
    private readonly stepProgram: GpuProgram,
    private readonly predictProgram: GpuProgram,
    step: Func,
    predict: Func,
    /** Each parameter's and state's type, to read them back (checkpoints, selection). */
    private readonly stateTypes: ReadonlyMap<string, TensorType>,
    private readonly symbols: Readonly<Record<string, number>>,
  ) {
    this.updates = step.resultNames.flatMap((name, k): [number, string][] => (k > 0 ? [[k, name]] : []));
    this.outputType = predict.body.find((n) => n.id === predict.results[0])!.type as TensorType;
  }

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
    const stateTypes = new Map(Object.entries(params).map(([name, v]): [string, TensorType] => [name, { kind: "tensor", dtype: v.dtype, shape: v.shape }]));
    return new GpuTrainDevice(store, stepProgram, predictProgram, step, predict, stateTypes, symbols);
  }

  async step(perStep: Readonly<Record<string, Value>>): Promise<number> {
    for (const [name, value] of Object.entries(perStep)) this.stepProgram.setInput(name, value);
    this.stepProgram.run(this.updates);
    const loss = await this.stepProgram.readResult(0, { kind: "tensor", dtype: "f32", shape: [] }, []);
    return loss.data[0];
  }

  async predict(rng: Value): Promise<TensorValue> {
    this.predictProgram.setInput("rng", rng);
    this.predictProgram.run();
    return this.predictProgram.readResult(0, this.outputType, this.concrete(this.outputType));
  }

  async state(): Promise<Record<string, TensorValue>> {
    const out: Record<string, TensorValue> = {};
    for (const [name, type] of this.stateTypes) {
      out[name] = await this.stepProgram.readParam(name, type, type.shape as number[]);
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
