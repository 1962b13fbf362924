/// <reference types="@webgpu/types" />
import type { KernelSpec } from "../../compiler/codegen/index.js";
import { GpuKernelError, type GpuErrorKind } from "./errors.js";

/**
 * Attributing WebGPU errors to kernels. Every pipeline, bind group and pass is labelled with its
 * kernel's name, and Dawn quotes labels in its messages (`[ComputePipeline "t_matmul_nn"]`), so
 * an error — scoped or uncaptured — names its kernel even when many kernels share one submit.
 */
export class KernelRegistry {
  private readonly byName = new Map<string, KernelSpec>();

  register(kernel: KernelSpec): void {
    if (!this.byName.has(kernel.name)) this.byName.set(kernel.name, kernel);
  }

  /** The first registered kernel whose name Dawn quotes in `message`. */
  find(message: string): KernelSpec | undefined {
    for (const m of message.matchAll(/"+([^"]+)"+/g)) {
      const k = this.byName.get(m[1]);
      if (k) return k;
    }
    return undefined;
  }

  /** A GPUError as a GpuKernelError, naming `kernel` when given, else the kernel its message quotes. */
  map(error: GPUError, kernel?: KernelSpec): GpuKernelError {
    const k = kernel ?? this.find(error.message);
    return new GpuKernelError(kindOf(error), k?.name, error.message.trim(), k?.spans ?? []);
  }
}

export function kindOf(error: GPUError): GpuErrorKind {
  if (error instanceof GPUOutOfMemoryError) return "out-of-memory";
  if (error instanceof GPUInternalError) return "internal";
  return "validation";
}

/**
 * Shader compiler messages with the WGSL line each points at and a caret under the column — the
 * WGSL is generated, so the line itself is what a reader needs to see.
 */
export function formatCompilationMessages(messages: readonly GPUCompilationMessage[], wgsl: string): string {
  const lines = wgsl.split("\n");
  return messages
    .map((m) => {
      const head = `${m.type} at WGSL ${m.lineNum}:${m.linePos}: ${m.message}`;
      const text = lines[m.lineNum - 1];
      if (text === undefined || m.lineNum === 0) return head;
      return `${head}\n  | ${text}\n  | ${" ".repeat(Math.max(0, m.linePos - 1))}^`;
    })
    .join("\n");
}
