/// <reference types="@webgpu/types" />
import type { KernelSpec } from "../../compiler/codegen/index.js";
import { KernelRegistry, formatCompilationMessages } from "./error-map.js";
import { GpuKernelError } from "./errors.js";

/**
 * Compute pipelines, compiled asynchronously and cached by WGSL text: kernels with identical text
 * (the same op on the same shapes) share one pipeline, and compiling the same kernel twice waits
 * on the first compilation.
 */
export class PipelineCache {
  private readonly cache = new Map<string, Promise<GPUComputePipeline>>();

  constructor(
    private readonly device: GPUDevice,
    private readonly kernels: KernelRegistry,
  ) {}

  get size(): number {
    return this.cache.size;
  }

  get(kernel: KernelSpec): Promise<GPUComputePipeline> {
    this.kernels.register(kernel);
    const key = `${kernel.entryPoint}\n${kernel.wgsl}`;
    let p = this.cache.get(key);
    if (!p) {
      p = this.compile(kernel);
      this.cache.set(key, p);
      // A failed compilation is not cached: the error is reported to this caller, and a later
      // call (after, say, a device change) tries again.
      p.catch(() => this.cache.delete(key));
    }
    return p;
  }

  private async compile(kernel: KernelSpec): Promise<GPUComputePipeline> {
    const device = this.device;
    device.pushErrorScope("validation");
    const module = device.createShaderModule({ code: kernel.wgsl, label: kernel.name });
    const info = await module.getCompilationInfo();
    const scoped = await device.popErrorScope();
    const errors = info.messages.filter((m) => m.type === "error");
    if (errors.length > 0) {
      throw new GpuKernelError("compilation", kernel.name, formatCompilationMessages(errors, kernel.wgsl), kernel.spans);
    }
    if (scoped) throw new GpuKernelError("compilation", kernel.name, scoped.message.trim(), kernel.spans);
    try {
      return await device.createComputePipelineAsync({
        label: kernel.name,
        layout: "auto",
        compute: { module, entryPoint: kernel.entryPoint },
      });
    } catch (e) {
      throw new GpuKernelError("pipeline", kernel.name, e instanceof Error ? e.message.trim() : String(e), kernel.spans);
    }
  }
}
