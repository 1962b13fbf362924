/// <reference types="@webgpu/types" />
import { resolveKernelSizes, type KernelSpec } from "../compiler/codegen/index.js";
import type { KernelBinding } from "../compiler/codegen/kernel.js";
import type { TensorValue, Value } from "../compiler/ir/values.js";
import { graphBindingArray, isGraphSource } from "../compiler/codegen/graph-by-source.js";
import type { GpuDevice } from "../runtime/gpu/index.js";

/**
 * One kernel made resident for timing: its operands uploaded once, its bind group built once, then
 * launched many times inside one compute pass per submission, so launch and submit costs are spread
 * over the repetitions (runtime/gpu's runKernel uploads and reads back around every launch).
 */
export class ResidentKernel {
  private constructor(
    private readonly gpu: GpuDevice,
    private readonly kernel: KernelSpec,
    private readonly pipeline: GPUComputePipeline,
    private readonly group: GPUBindGroup,
    private readonly sizes: Readonly<Record<string, number>>,
    /** The buffers it made, destroyed with it. */
    private readonly buffers: readonly GPUBuffer[],
  ) {}

  /**
   * `inputs` are the node's operand values; `outputWords` the result's size in 4-byte words;
   * `bind` gives the buffer of a binding the launcher does not make itself (a compact operand's
   * values and pattern arrays, a scratch buffer), or undefined for the launcher's own.
   */
  static async create(
    gpu: GpuDevice,
    kernel: KernelSpec,
    inputs: readonly Value[],
    outputWords: number,
    symbols: Readonly<Record<string, number>> = {},
    bind?: (binding: KernelBinding) => GPUBuffer | undefined,
  ): Promise<ResidentKernel> {
    const sizes = resolveKernelSizes(kernel, symbols);
    const pipeline = await gpu.pipeline(kernel);
    const buffers: GPUBuffer[] = [];
    const owned: GPUBuffer[] = []; // made here, so destroyed with the kernel; the caller's are not
    const made = (buffer: GPUBuffer) => (owned.push(buffer), buffer);
    for (const b of kernel.bindings) {
      const s = b.source;
      if (s.kind === "sizes") continue; // launchGroup makes the uniform
      const theirs = bind?.(b);
      if (theirs) buffers.push(theirs);
      else if (s.kind === "output") buffers.push(made(gpu.createBuffer(outputWords * 4, `${kernel.name} out`)));
      else if (s.kind === "input") buffers.push(made(gpu.upload(tensorOperand(inputs[s.input], kernel.name).data as ArrayBufferView, `${kernel.name} ${b.name}`)));
      else if (isGraphSource(s)) {
        const g = inputs[s.input];
        if (g?.kind !== "graph") throw new Error(`kernel ${kernel.name}: operand ${s.input} must be a graph`);
        buffers.push(made(gpu.upload(graphBindingArray(g, s), `${kernel.name} ${b.name}`)));
      } else throw new Error(`kernel ${kernel.name}: binding ${b.name} (${s.kind}) is not supported by the benchmark launcher`);
    }
    const { group, uniform } = gpu.launchGroup(kernel, pipeline, buffers, sizes);
    if (uniform) owned.push(uniform);
    return new ResidentKernel(gpu, kernel, pipeline, group, sizes, owned);
  }

  /** Milliseconds per launch of `repetitions` launches recorded into one pass and submitted once. */
  async time(repetitions: number): Promise<number> {
    const device = this.gpu.device;
    const grid = this.kernel.dispatch(this.sizes);
    const start = performance.now();
    const encoder = device.createCommandEncoder({ label: `bench ${this.kernel.name}` });
    const pass = encoder.beginComputePass();
    for (let r = 0; r < repetitions; r++) this.gpu.encode(pass, this.pipeline, this.group, grid);
    pass.end();
    device.queue.submit([encoder.finish()]);
    await device.queue.onSubmittedWorkDone();
    const ms = (performance.now() - start) / repetitions;
    this.gpu.checkErrors();
    return ms;
  }

  destroy(): void {
    for (const b of this.buffers) b.destroy();
  }
}

function tensorOperand(v: Value | undefined, kernel: string): TensorValue {
  if (v?.kind !== "tensor") throw new Error(`kernel ${kernel}: operand must be a tensor`);
  return v;
}

/**
 * Copies of `bytes` bytes by the driver (copyBufferToBuffer; a memcpy on lavapipe) between two
 * buffers made once — the first use also pays for WebGPU's zero-initialisation, which the warm-up
 * absorbs. `time(r)` is ms per copy of r copies in one submission.
 */
export function bufferCopyProbe(gpu: GpuDevice, bytes: number): { time(repetitions: number): Promise<number>; destroy(): void } {
  const from = gpu.createBuffer(bytes, "bench copy from");
  const to = gpu.createBuffer(bytes, "bench copy to");
  return {
    async time(repetitions: number): Promise<number> {
      const device = gpu.device;
      const start = performance.now();
      const encoder = device.createCommandEncoder({ label: "bench buffer copy" });
      for (let r = 0; r < repetitions; r++) encoder.copyBufferToBuffer(from, 0, to, 0, bytes);
      device.queue.submit([encoder.finish()]);
      await device.queue.onSubmittedWorkDone();
      const ms = (performance.now() - start) / repetitions;
      gpu.checkErrors();
      return ms;
    },
    destroy(): void {
      from.destroy();
      to.destroy();
    },
  };
}
