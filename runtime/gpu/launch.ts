/// <reference types="@webgpu/types" />
import { resolveKernelSizes, type KernelSpec } from "../../compiler/codegen/index.js";
import { graphBindingArray, isGraphSource } from "../../compiler/codegen/graph-by-source.js";
import type { DType } from "../../compiler/ir/types.js";
import type { TensorValue, Value } from "../../compiler/ir/values.js";
import type { GpuDevice } from "./device.js";
import { deviceWords, hostArray } from "./host-data.js";

/**
 * One kernel on concrete values: upload the operands, launch, read the result back. This is how
 * kernels are checked against the reference interpreter and measured one at a time; training
 * steps keep everything resident instead.
 */

function operandBuffer(gpu: GpuDevice, kernel: KernelSpec, k: number, inputs: readonly Value[]): GPUBuffer {
  const b = kernel.bindings[k];
  const source = b.source;
  if (source.kind === "input") {
    const v = inputs[source.input];
    if (v?.kind !== "tensor") throw new Error(`kernel ${kernel.name}: operand ${source.input} must be a tensor`);
    return gpu.upload(deviceWords(v), `${kernel.name} ${b.name}`);
  }
  if (isGraphSource(source)) {
    const g = inputs[source.input];
    if (g?.kind !== "graph") throw new Error(`kernel ${kernel.name}: operand ${source.input} must be a graph`);
    return gpu.upload(graphBindingArray(g, source), `${kernel.name} ${b.name}`);
  }
  throw new Error(`kernel ${kernel.name}: binding ${b.name} is not an operand`);
}

/**
 * Run `kernel` on `inputs` (the IR node's operand values) producing a tensor of `dtype` and
 * concrete `shape`. `symbols` binds the kernel's symbolic sizes (N, E, …).
 */
export async function runKernel(
  gpu: GpuDevice,
  kernel: KernelSpec,
  inputs: readonly Value[],
  output: { dtype: DType; shape: readonly number[] },
  symbols: Readonly<Record<string, number>> = {},
): Promise<TensorValue> {
  const sizes = resolveKernelSizes(kernel, symbols);
  const bytes = output.shape.reduce((n, d) => n * d, 1) * 4;
  const owned: GPUBuffer[] = [];
  try {
    let out: GPUBuffer | undefined;
    const buffers: GPUBuffer[] = [];
    kernel.bindings.forEach((b, k) => {
      if (b.source.kind === "sizes") return; // filled by gpu.run
      const buffer = b.source.kind === "output" ? gpu.createBuffer(bytes, `${kernel.name} out`) : operandBuffer(gpu, kernel, k, inputs);
      if (b.source.kind === "output") out = buffer;
      owned.push(buffer);
      buffers.push(buffer);
    });
    if (!out) throw new Error(`kernel ${kernel.name} has no output binding`);
    await gpu.run(kernel, buffers, sizes);
    const data = hostArray(output.dtype, await gpu.read(out, bytes));
    return { kind: "tensor", dtype: output.dtype, shape: [...output.shape], data };
  } finally {
    for (const b of owned) b.destroy();
  }
}
