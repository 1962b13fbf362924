import { afterAll, beforeAll, expect } from "vitest";
import { emitKernel, type EmitOptions, type KernelSpec } from "../../compiler/codegen/index.js";
import { graphFromEdges } from "../../compiler/ir/graph-value.js";
import type { Attrs, DType, Node, Type } from "../../compiler/ir/types.js";
import type { GraphValue, TensorValue, Value } from "../../compiler/ir/values.js";
import { NoAdapterError, openDevice, runKernel, type GpuDevice, type OpenDeviceOptions } from "../../runtime/gpu/index.js";
import { GpuRunner, ReferenceRunner, type RunnerProgram } from "../../runtime/runner/index.js";
import { runTraining } from "../../runtime/train/run.js";
import { compileTrain } from "../train/helpers.js";
import { oneOpFunc, opNode, runOneOpFunc, typeOf } from "../support/one-op.js";
import { expectAllClose } from "../support/allclose.js";

/**
 * GPU test plumbing: one device per file (opened in beforeAll, destroyed in afterAll), kernels
 * checked against the reference interpreter on the same one-op IR function.
 *
 * Without an adapter the GPU tests skip — unless GNNC_REQUIRE_GPU=1 (CI), where they fail with
 * the message that says how to install one.
 */

export const REQUIRE_GPU = process.env.GNNC_REQUIRE_GPU === "1";

/**
 * Registers the file's device; the returned getter skips the calling test when there is none.
 * `optional` devices (a particular fallback backend) skip even when GPU tests are required.
 */
export function useGpu(
  options: OpenDeviceOptions = {},
  { optional = false } = {},
): (ctx: { skip: (note?: string) => void }) => GpuDevice {
  let gpu: GpuDevice | undefined;
  let missing = "";
  beforeAll(async () => {
    try {
      gpu = await openDevice(options);
    } catch (e) {
      if (!(e instanceof NoAdapterError) || (REQUIRE_GPU && !optional)) throw e;
      missing = e.message;
    }
  }, 60_000);
  afterAll(() => gpu?.destroy());
  return (ctx) => {
    if (!gpu) ctx.skip(missing);
    return gpu!;
  };
}

// ------------------------------------------------------------------ data

export function tensor(dtype: DType, shape: number[], data: ArrayLike<number>): TensorValue {
  const arr = dtype === "i32" ? Int32Array.from(data) : dtype === "u32" ? Uint32Array.from(data) : Float32Array.from(data);
  return { kind: "tensor", dtype, shape, data: arr };
}

export function randomInts(dtype: "i32" | "u32", shape: number[], rand: () => number, lo: number, hi: number): TensorValue {
  const n = shape.reduce((a, b) => a * b, 1);
  return tensor(dtype, shape, Array.from({ length: n }, () => lo + Math.floor((hi - lo) * rand())));
}

/**
 * A random graph: rows of varied degree (up to `maxDegree`), a share of rows with no incoming
 * edge, and some nodes isolated (no edges at all).
 */
export function randomGraph(numNodes: number, rand: () => number, maxDegree = 12, emptyShare = 0.2): GraphValue {
  const isolated = new Set<number>();
  for (let i = 0; i < numNodes; i++) if (rand() < emptyShare / 2) isolated.add(i);
  const sources = Array.from({ length: numNodes }, (_, i) => i).filter((i) => !isolated.has(i));
  const src: number[] = [];
  const dst: number[] = [];
  for (let i = 0; i < numNodes; i++) {
    if (isolated.has(i) || rand() < emptyShare / 2 || sources.length === 0) continue;
    const degree = 1 + Math.floor(rand() * maxDegree);
    for (let k = 0; k < degree; k++) {
      src.push(sources[Math.floor(rand() * sources.length)]);
      dst.push(i);
    }
  }
  return graphFromEdges(numNodes, Int32Array.from(src), Int32Array.from(dst));
}

// ------------------------------------------------------------------ checking kernels

export interface OpCase {
  op: string;
  inputs: Value[];
  attrs?: Attrs;
  /** Leaf types to declare (default: the values' concrete types); symbolic dims test the uniform path. */
  types?: Type[];
  /** Values of the symbols in `types`. */
  symbols?: Record<string, number>;
  emit?: EmitOptions;
}

export interface OpResult {
  kernel: KernelSpec;
  expected: TensorValue;
  actual: TensorValue;
}

/** The case as a one-op function of `in0…`: the op's node, its operand types, and the interpreter's result. */
export function interpretOneOp(c: OpCase): { node: Node; types: Type[]; expected: Value } {
  const types = c.types ?? c.inputs.map(typeOf);
  const func = oneOpFunc(c.op, types, c.attrs);
  return { node: opNode(func), types, expected: runOneOpFunc(func, c.inputs, c.symbols) };
}

/** Interpret the one-op function, run its kernel on the GPU, return both results. */
export async function runBoth(gpu: GpuDevice, c: OpCase): Promise<OpResult> {
  const { node, types, expected } = interpretOneOp(c);
  if (expected.kind !== "tensor") throw new Error(`${c.op} did not give a tensor`);
  const kernel = emitKernel(node, types, c.emit ?? {});
  const actual = await runKernel(gpu, kernel, c.inputs, expected, c.symbols ?? {});
  return { kernel, expected, actual };
}

/** Run the case on both devices and compare. */
export async function checkOp(gpu: GpuDevice, c: OpCase): Promise<OpResult> {
  const r = await runBoth(gpu, c);
  expectAllClose(r.actual, r.expected);
  return r;
}

/** A training run and the state of its selected epoch, as the conformance tests compare them. */
export interface RunAndState {
  result: { device: string; history: readonly { loss: number }[]; selected_epoch: number; peak_bytes: number; peak_bytes_predicted: number };
  state: Readonly<Record<string, TensorValue>>;
}

/**
 * The GPU run `dev` matches the reference run `ref` step for step: every loss and every parameter
 * of the selected epoch to f32 rounding (1e-4 relative), the same selection; and the GPU allocated
 * exactly the bytes its plan predicted.
 */
export function expectSameTraining(ref: RunAndState, dev: RunAndState): void {
  expect(dev.result.device).toBe("gpu");
  const losses = (r: RunAndState) => r.result.history.map((h) => h.loss);
  losses(dev).forEach((l, k) => expect(Math.abs(l - losses(ref)[k]), `loss at step ${k + 1}`).toBeLessThan(1e-4 * Math.max(1, Math.abs(losses(ref)[k]))));
  expect(dev.result.selected_epoch).toBe(ref.result.selected_epoch);
  for (const [param, want] of Object.entries(ref.state)) {
    const got = dev.state[param];
    const worst = Math.max(...want.data.map((v, j) => Math.abs(v - got.data[j]) / Math.max(1, Math.abs(v))));
    expect(worst, param).toBeLessThan(1e-4);
  }
  expect(dev.result.peak_bytes).toBe(dev.result.peak_bytes_predicted);
}

/** Five training epochs of `source` (seed 3) on the GPU, or on the reference device without one; the state after the selected epoch. */
export async function fiveSteps(source: string, gpu?: GpuDevice) {
  const { spec, module } = compileTrain(source);
  let state: Readonly<Record<string, TensorValue>> = {};
  const out = await runTraining(spec, module, { seed: 3, epochs: 5, gpu, onSelect: (_, s) => void (state = s) });
  if (!out.result) throw new Error(out.diagnostics.map((d) => `${d.code} ${d.message}`).join("\n"));
  return { result: out.result, state };
}

/**
 * One run of `program`'s function `name` on the reference device and on the GPU: the named
 * results of each, the reference's first. Both runners are destroyed, also on failure.
 */
export async function runOnBoth(gpu: GpuDevice, program: RunnerProgram, name: string, inputs: Readonly<Record<string, Value>>, results: readonly string[]): Promise<[Value[], Value[]]> {
  const out: Value[][] = [];
  for (const runner of [new ReferenceRunner(program), await GpuRunner.open(gpu, program)]) {
    try {
      await runner.run(name, inputs);
      out.push(await Promise.all(results.map((r) => runner.read(name, r))));
    } finally {
      runner.destroy();
    }
  }
  return [out[0], out[1]];
}
