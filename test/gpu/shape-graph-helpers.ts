/// <reference types="@webgpu/types" />
import { emitKernel, resolveKernelSizes, type EmitOptions, type KernelSpec } from "../../compiler/codegen/index.js";
import { graphBindingArray, graphBySource, type GraphBySource } from "../../compiler/codegen/graph-by-source.js";
import { columnOrderValues, compactValues, sparsePattern, type SparsePattern } from "../../compiler/codegen/pattern.js";
import type { DType, Node, Type } from "../../compiler/ir/types.js";
import type { GraphValue, TensorValue, Value } from "../../compiler/ir/values.js";
import { deviceWords, hostArray } from "../../runtime/gpu/host-data.js";
import type { GpuDevice } from "../../runtime/gpu/index.js";
import { interpretOneOp, type OpCase } from "./helpers.js";
import { expectAllClose } from "../support/allclose.js";

/**
 * Launching the shape and graph kernels the way the executor must: several launches writing one
 * output buffer (t.concat past 7 operands), in-place updates (no output binding: the result is
 * operand 0's buffer), the graph's by-source view (`graph_by_src` bindings, computed on the
 * host once per graph), scratch buffers shared by a node's launches, and mostly-zero operands
 * stored compactly (an operand some kernel reads the zero pattern of is bound as its nonzero
 * values, pattern.ts). runtime/gpu's runKernel covers none of these.
 */

export interface ShapeGraphCase extends OpCase {
  /** Launches to run instead of emitKernel's one (given the node and its operand types). */
  launches?: (node: Node, types: Type[], options: EmitOptions) => KernelSpec[];
  /** Compare bit for bit (data movement; the default for integer and bool results). */
  exact?: boolean;
}

export interface ShapeGraphResult {
  kernels: KernelSpec[];
  expected: TensorValue;
  actual: TensorValue;
}

/** The case's one-op function, interpreted (see interpretOneOp); the op must give a tensor. */
export function interpretOne(c: OpCase): { node: Node; types: Type[]; expected: TensorValue } {
  const { node, types, expected } = interpretOneOp(c);
  if (expected.kind !== "tensor") throw new Error(`${c.op} did not give a tensor`);
  return { node, types, expected };
}

/**
 * Run `kernels` in order on `inputs`: each operand array uploaded once and shared by every launch,
 * one output buffer shared likewise; returns the output (or, with no output binding, operand 0).
 */
export async function launchAll(
  gpu: GpuDevice,
  kernels: readonly KernelSpec[],
  inputs: readonly Value[],
  output: { dtype: DType; shape: readonly number[] },
  symbols: Readonly<Record<string, number>> = {},
): Promise<TensorValue> {
  const bytes = output.shape.reduce((n, d) => n * d, 1) * 4;
  const buffers = new Map<string, GPUBuffer>();
  const bySource = new Map<number, GraphBySource>();
  const patterns = new Map<number, SparsePattern>();
  for (const k of kernels) for (const b of k.bindings) if (b.source.kind === "pattern" || b.source.kind === "column_values") patterns.set(b.source.input, sparsePattern(inputs[b.source.input] as TensorValue));
  const buffer = (key: string, make: () => GPUBuffer) => {
    let b = buffers.get(key);
    if (!b) buffers.set(key, (b = make()));
    return b;
  };
  try {
    for (const kernel of kernels) {
      const bound: GPUBuffer[] = [];
      for (const b of kernel.bindings) {
        const s = b.source;
        if (s.kind === "sizes") continue;
        if (s.kind === "output") bound.push(buffer("out", () => gpu.createBuffer(bytes, "out")));
        else if (s.kind === "input") {
          const v = inputs[s.input];
          if (v?.kind !== "tensor") throw new Error(`${kernel.name}: operand ${s.input} is not a tensor`);
          const pattern = patterns.get(s.input);
          bound.push(buffer(`in${s.input}`, () => gpu.upload(pattern ? compactValues(v, pattern, b.name) : deviceWords(v), b.name)));
        } else if (s.kind === "pattern") {
          const pattern = patterns.get(s.input)!;
          bound.push(buffer(`pattern${s.input}.${s.array}`, () => gpu.upload(pattern[s.array], b.name)));
        } else if (s.kind === "column_values") {
          const pattern = patterns.get(s.input)!;
          const values = compactValues(inputs[s.input] as TensorValue, pattern, b.name);
          bound.push(buffer(`in${s.input} by column`, () => gpu.upload(columnOrderValues(values, pattern), b.name)));
        } else if (s.kind === "kept") {
          throw new Error(`${kernel.name}: a kept view is written by a dropout kernel on the GPU; test it through a function (program.test.ts)`);
        } else if (s.kind === "scratch") {
          bound.push(buffer(`scratch${s.index}`, () => gpu.createBuffer(s.bytes, b.name)));
        } else {
          const g = inputs[s.input] as GraphValue;
          const view = () => bySource.get(s.input) ?? bySource.set(s.input, graphBySource(g)).get(s.input)!;
          bound.push(buffer(`${s.kind}.${s.input}.${"array" in s ? s.array : s.by}`, () => gpu.upload(graphBindingArray(g, s, view), b.name)));
        }
      }
      await gpu.run(kernel, bound, resolveKernelSizes(kernel, symbols));
    }
    const result = buffers.get("out") ?? buffers.get("in0")!;
    return { kind: "tensor", dtype: output.dtype, shape: [...output.shape], data: hostArray(output.dtype, await gpu.read(result, bytes)) };
  } finally {
    for (const b of buffers.values()) b.destroy();
  }
}

/** Interpret the case, run its kernel(s) on the GPU, return both. */
export async function runCase(gpu: GpuDevice, c: ShapeGraphCase): Promise<ShapeGraphResult> {
  const { node, types, expected } = interpretOne(c);
  const options = c.emit ?? {};
  const kernels = c.launches ? c.launches(node, types, options) : [emitKernel(node, types, options)];
  const actual = await launchAll(gpu, kernels, c.inputs, expected, c.symbols ?? {});
  return { kernels, expected, actual };
}

/** Run the case on both devices and compare (f32 tolerances; integers and bools exactly). */
export async function checkCase(gpu: GpuDevice, c: ShapeGraphCase): Promise<ShapeGraphResult> {
  const r = await runCase(gpu, c);
  if (c.exact || r.expected.dtype !== "f32") expectAllClose(r.actual, r.expected, { atol: 0, rtol: 0 });
  else expectAllClose(r.actual, r.expected);
  return r;
}
