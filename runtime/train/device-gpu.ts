import { concreteShape } from "../../compiler/ir/dims.js";
import type { Func, TensorType } from "../../compiler/ir/types.js";
import type { TensorValue, Value } from "../../compiler/ir/values.js";
import { allocatedSize, deviceBytes, packedParams } from "../../compiler/plan/index.js";
import { BufferStore, loadFunction, planTraining, type GpuDevice, type GpuProgram } from "../gpu/index.js";
import { hostArray } from "../gpu/host-data.js";
import type { TrainDevice } from "./device.js";

/** Room for this many steps' losses between readbacks by default (when full, the step reads them back). */
const LOSS_LOG_STEPS = 1024;

/**
 * The GPU device: the training step and the evaluation function resident on Dawn, sharing their
 * parameter buffers. A step is one submission; the updated weights are copied into the parameter
 * buffers on the GPU, and the loss into a log on the GPU. Nothing is read back until the trainer
 * asks: the losses when it reports them, the output at evaluation.
 */
export class GpuTrainDevice implements TrainDevice {
  readonly kind = "gpu";
  /** [result, parameter] pairs: the step's new weights and states, copied over the old on the GPU. */
  private readonly updates: readonly (readonly [number, string])[];
  private readonly outputType: TensorType;
  /** Each step's loss, copied on the GPU into the next entry; read back by `losses()`. */
  private readonly lossLog: GPUBuffer;
  private logged = 0;
  /** Losses read back because the log filled up, not yet asked for. */
  private held: number[] = [];

  private constructor(
    private readonly gpu: GpuDevice,
    private readonly store: BufferStore,
    private readonly stepProgram: GpuProgram,
    private readonly predictProgram: GpuProgram,
    step: Func,
    predict: Func,
    /** Each parameter's and state's type, to read them back (checkpoints, selection). */
    private readonly stateTypes: ReadonlyMap<string, TensorType>,
    private readonly symbols: Readonly<Record<string, number>>,
    private readonly logSteps: number,
  ) {
    this.updates = step.resultNames.flatMap((name, k): [number, string][] => (k > 0 ? [[k, name]] : []));
    this.outputType = predict.body.find((n) => n.id === predict.results[0])!.type as TensorType;
    this.lossLog = store.get("loss log", 4 * logSteps);
  }

  static async create(
    gpu: GpuDevice,
    step: Func,
    predict: Func,
    data: Readonly<Record<string, Value>>,
    params: Readonly<Record<string, TensorValue>>,
    symbols: Readonly<Record<string, number>>,
    options: { lossLogSteps?: number } = {},
  ): Promise<GpuTrainDevice> {
    const plans = planTraining(step, predict, { symbols, data });
    // One pack for both programs' parameters and states, as the memory plan counts it.
    const store = new BufferStore(gpu, packedParams([plans.step.launches, plans.predict.launches]));
    const stepProgram = await loadFunction(gpu, step, { symbols, data, store, plan: plans.step });
    const predictProgram = await loadFunction(gpu, predict, { symbols, data, store, plan: plans.predict });
    for (const [name, value] of Object.entries(params)) {
      stepProgram.setParam(name, value);
      predictProgram.setParam(name, value);
    }
    const stateTypes = new Map(Object.entries(params).map(([name, v]): [string, TensorType] => [name, { kind: "tensor", dtype: v.dtype, shape: v.shape }]));
    return new GpuTrainDevice(gpu, store, stepProgram, predictProgram, step, predict, stateTypes, symbols, options.lossLogSteps ?? LOSS_LOG_STEPS);
  }

  async step(perStep: Readonly<Record<string, Value>>): Promise<void> {
    for (const [name, value] of Object.entries(perStep)) this.stepProgram.setInput(name, value);
    await this.stepProgram.run(this.updates, { result: 0, to: this.lossLog, offset: 4 * this.logged++ });
    if (this.logged === this.logSteps) {
      const early = await this.losses(); // resets `held`: append after it returns
      this.held.push(...early);
    }
  }

  async losses(): Promise<number[]> {
    const read = new Float32Array(await this.gpu.read(this.lossLog, 4 * this.logged));
    this.gpu.checkErrors();
    const out = [...this.held, ...read];
    this.held = [];
    this.logged = 0;
    return out;
  }

  async predict(rng: Value): Promise<TensorValue> {
    this.predictProgram.setInput("rng", rng);
    await this.predictProgram.run();
    return this.predictProgram.readResult(0, this.outputType, concreteShape(this.outputType.shape, this.symbols, "the model's output"));
  }

  async state(): Promise<Record<string, TensorValue>> {
    const packed = await this.store.readParams();
    const out: Record<string, TensorValue> = {};
    for (const [name, type] of this.stateTypes) {
      const bytes = packed.get(name);
      if (!bytes) throw new Error(`parameter ${name} is not on the device`);
      out[name] = { kind: "tensor", dtype: type.dtype, shape: [...type.shape] as number[], data: hostArray(type.dtype, bytes) };
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
    return deviceBytes([this.stepProgram.plan, this.predictProgram.plan]) + allocatedSize(4 * this.logSteps);
  }

  destroy(): void {
    this.stepProgram.destroy();
    this.predictProgram.destroy();
    this.store.destroy();
  }
}
