/// <reference types="@webgpu/types" />
import { emitKernel, resolveKernelSizes, type KernelSpec } from "../../compiler/codegen/index.js";
import { graphBindingArray, isGraphSource } from "../../compiler/codegen/graph-by-source.js";
import type { Value } from "../../compiler/ir/values.js";
import type { GpuDevice } from "../../runtime/gpu/index.js";
import { interpretOneOp, type OpCase } from "./helpers.js";

/**
 * Bit-level kernel checks for any operand and result kinds, rng keys included (helpers.ts's
 * runKernel takes tensors only): values travel as the executor stores them — tensors as 32-bit
 * words (bool as u32 0/1), an rng value as its two key words — and results come back as words.
 */

/** The 32-bit words a value occupies in its GPU buffer. */
export function wordsOf(v: Value): Uint32Array {
  if (v.kind === "rng") return Uint32Array.from(v.key);
  if (v.kind !== "tensor") throw new Error(`no buffer layout for a ${v.kind} value here`);
  if (v.dtype === "bool") return Uint32Array.from(v.data);
  if (v.dtype === "i32") return new Uint32Array(Int32Array.from(v.data).buffer);
  if (v.dtype === "u32") return Uint32Array.from(v.data);
  return new Uint32Array(Float32Array.from(v.data).buffer);
}

export interface WordsResult {
  kernel: KernelSpec;
  expected: Uint32Array;
  actual: Uint32Array;
}

/** Interpret the one-op function and run its kernel; both results as words. */
export async function runWords(gpu: GpuDevice, c: OpCase): Promise<WordsResult> {
  const one = interpretOneOp(c);
  const kernel = emitKernel(one.node, one.types, c.emit ?? {});
  const expected = wordsOf(one.expected);
  const actual = await launchWords(gpu, kernel, (k) => c.inputs[k], c.symbols ?? {}, expected.byteLength);
  return { kernel, expected, actual };
}

/**
 * Run `kernel` once with operand k's value from `operand(k)` (tensors and rng keys as words, a
 * graph by its arrays) and return the first `bytes` of its output as words.
 */
export async function launchWords(
  gpu: GpuDevice,
  kernel: KernelSpec,
  operand: (k: number) => Value,
  symbols: Readonly<Record<string, number>>,
  bytes: number,
): Promise<Uint32Array> {
  const owned: GPUBuffer[] = [];
  try {
    let out: GPUBuffer | undefined;
    for (const binding of kernel.bindings) {
      const s = binding.source;
      if (s.kind === "sizes") continue; // gpu.run fills the uniform
      let buffer: GPUBuffer;
      if (s.kind === "output") buffer = out = gpu.createBuffer(Math.max(bytes, 4));
      else if (s.kind === "input") buffer = gpu.upload(wordsOf(operand(s.input)));
      else if (isGraphSource(s)) {
        const graph = operand(s.input);
        if (graph.kind !== "graph") throw new Error("graph binding of a non-graph operand");
        buffer = gpu.upload(graphBindingArray(graph, s));
      } else throw new Error(`unexpected binding source ${s.kind}`);
      owned.push(buffer);
    }
    await gpu.run(kernel, owned, resolveKernelSizes(kernel, symbols));
    return bytes === 0 ? new Uint32Array(0) : new Uint32Array(await gpu.read(out!, bytes));
  } finally {
    for (const buffer of owned) buffer.destroy();
  }
}

/** The first index where two word arrays differ, or −1. */
export function firstDifference(a: Uint32Array, b: Uint32Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return k;
  return -1;
}
