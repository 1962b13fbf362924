import type { KernelSpec } from "../codegen/kernel.js";
import { elementBytes, splitBindings, type BindingParts } from "../codegen/split-bindings.js";

/** The device limits that decide how a launch binds its buffers. */
export interface BindingLimits {
  /** `maxStorageBufferBindingSize`: bytes one storage binding may cover. */
  maxBindingBytes: number;
  /** `maxStorageBuffersPerShaderStage`: storage bindings one kernel may declare. */
  maxStorageBindings: number;
  /** `minStorageBufferOffsetAlignment`: where a binding's range may start. */
  offsetAlignment: number;
}

/** WebGPU's default limits: what every adapter offers at least (plans made without a device use them). */
export const DEFAULT_BINDING_LIMITS: BindingLimits = { maxBindingBytes: 128 * 2 ** 20, maxStorageBindings: 8, offsetAlignment: 256 };

/** A launch's kernel fitted to the limits, and how many bindings each of its original storage bindings became. */
export interface FittedKernel {
  kernel: KernelSpec;
  parts: readonly number[];
}

/**
 * Fit a launch to the binding limits: every storage binding whose buffer (`bytes`, one entry per
 * storage binding, in order) is over `maxBindingBytes` is split into parts of at most that size,
 * each starting at an aligned offset. When the parts would take more storage bindings than the
 * kernel may declare, the kernel is left as it is: the runtime refuses it before allocating,
 * naming the tensor (runtime/gpu/binding-limits.ts).
 */
export function fitBindings(kernel: KernelSpec, bytes: readonly number[], limits: BindingLimits): FittedKernel {
  const storage = storageBindings(kernel);
  const parts = partsNeeded(kernel, bytes, limits);
  const total = parts.reduce((a, b) => a + b, 0);
  if (parts.every((p) => p === 1) || total > limits.maxStorageBindings) return { kernel, parts: storage.map(() => 1) };
  const splits: BindingParts[] = storage.flatMap((binding, j) => {
    if (parts[j] === 1) return [];
    return [{ binding, parts: parts[j], partElements: partBytes(kernel, binding, limits) / elementBytes(kernel.bindings[binding].wgslType) }];
  });
  return { kernel: splitBindings(kernel, splits), parts };
}

/** Indices of a kernel's storage bindings (all but the sizes uniform), in order. */
export function storageBindings(kernel: KernelSpec): number[] {
  return kernel.bindings.flatMap((b, k) => (b.access === "uniform" ? [] : [k]));
}

/**
 * The bindings each storage binding needs under the limits (`bytes`: its buffer's, one entry per
 * storage binding): 1 when it fits, Infinity when parts could not start at aligned offsets.
 */
export function partsNeeded(kernel: KernelSpec, bytes: readonly number[], limits: BindingLimits): number[] {
  return storageBindings(kernel).map((binding, j) => {
    if (bytes[j] <= limits.maxBindingBytes) return 1;
    const part = partBytes(kernel, binding, limits);
    return part === 0 ? Infinity : Math.ceil(bytes[j] / part);
  });
}

/** The largest part of a binding: at most the limit, a whole number of elements, at aligned offsets. */
function partBytes(kernel: KernelSpec, binding: number, limits: BindingLimits): number {
  const step = lcm(limits.offsetAlignment, elementBytes(kernel.bindings[binding].wgslType));
  return Math.floor(limits.maxBindingBytes / step) * step;
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

function lcm(a: number, b: number): number {
  return (a / gcd(a, b)) * b;
}
