/// <reference types="@webgpu/types" />
import { patternNonzeros } from "../../compiler/codegen/pattern.js";
import type { Func } from "../../compiler/ir/types.js";
import type { Value } from "../../compiler/ir/values.js";
import { planLaunches, type LaunchPlan } from "../../compiler/plan/index.js";
import { computedOnce } from "../../compiler/plan/unchanging.js";
import { runFunc } from "../reference/index.js";
import { checkBindingLimits } from "./binding-limits.js";
import type { GpuDevice } from "./device.js";
import type { BufferStore } from "./buffer-store.js";
import { GpuProgram } from "./program.js";
import { inputName } from "../../compiler/ir/struct-views.js";

export interface LoadOptions {
  /** Every symbol's value (the module's and the bound data's). */
  symbols: Readonly<Record<string, number>>;
  /** The inputs that never change (features, graph, labels, masks), uploaded once. */
  data: Readonly<Record<string, Value>>;
  /** Parameters and inputs shared with the model's other functions. */
  store: BufferStore;
  /** The function's plan when already made (planFunction with the same symbols and data). */
  plan?: FunctionPlan;
  /** Buffers shared with other functions for some of its reusable slots (compiler/plan/scratch-pool.ts). */
  pooled?: ReadonlyMap<number, GPUBuffer>;
}

/** A function's GPU launch plan for the given data, and the values computed on the host once (ids, in order). */
export interface FunctionPlan {
  launches: LaunchPlan;
  hosted: number[];
}

/**
 * Plan a function for the GPU: what depends only on the unchanging data (self loops, degrees, GCN
 * normalisation, propagated features) is computed once on the host; mostly-zero data is stored
 * compactly by its zero pattern (pattern.ts); the rest runs as kernel launches.
 */
export function planFunction(
  func: Func,
  options: Pick<LoadOptions, "symbols" | "data">,
  patterned: ReadonlyMap<string, number> = patternedInputs(options.data),
): FunctionPlan {
  const hosted = computedOnce(func.body, new Set(Object.keys(options.data)));
  return { launches: planLaunches(func, { symbols: options.symbols, hosted: new Set(hosted), patterned }), hosted };
}

/** The inputs mostly zero enough to be stored by their zero pattern, with their nonzero counts. */
export function patternedInputs(data: Readonly<Record<string, Value>>): Map<string, number> {
  const patterned = new Map<string, number>();
  for (const [name, v] of Object.entries(data)) {
    const nnz = v.kind === "tensor" ? patternNonzeros(v) : undefined;
    if (nnz !== undefined) patterned.set(name, nnz);
  }
  return patterned;
}

/**
 * The training step's and the evaluation's plans over the same data: what the GPU device loads
 * and `gnnc compile` writes. The data is scanned for zero patterns once.
 */
export function planTraining(step: Func, predict: Func, options: Pick<LoadOptions, "symbols" | "data">): { step: FunctionPlan; predict: FunctionPlan } {
  const patterned = patternedInputs(options.data);
  return { step: planFunction(step, options, patterned), predict: planFunction(predict, options, patterned) };
}

/** Put a function on the GPU as planFunction plans it: host values computed by the reference interpreter and uploaded. */
/** The values of `hosted` (ids of `func` that depend on the data only), computed by the reference interpreter. */
export function hostValues(func: Func, hosted: readonly number[], options: Pick<LoadOptions, "symbols" | "data">): Value[] {
  if (!hosted.length) return [];
  const onHost = new Set(hosted);
  const hostFunc: Func = {
    name: `${func.name}.host`,
    body: func.body.filter((n) => {
      const input = inputName(n);
      return onHost.has(n.id) || (input !== undefined && input in options.data);
    }),
    results: [...hosted],
    resultNames: hosted.map((id) => `%${id}`),
  };
  return runFunc(hostFunc, { inputs: options.data, params: {}, symbols: options.symbols });
}

/** Whether every result of the function depends on the data only: it runs on the host once, no kernel needed. */
export function onHostOnly(func: Func, plan: FunctionPlan): boolean {
  return plan.launches.steps.length === 0 && func.results.every((id) => plan.hosted.includes(id));
}

export async function loadFunction(gpu: GpuDevice, func: Func, options: LoadOptions): Promise<GpuProgram> {
  const { launches, hosted } = options.plan ?? planFunction(func, options);
  checkBindingLimits(launches, func, gpu.limits.maxStorageBufferBindingSize);
  const values = hostValues(func, hosted, options);
  const program = await GpuProgram.create(gpu, launches, options.store, new Map(hosted.map((id, k) => [id, values[k]])), options.data, options.pooled);
  // Programs sharing a store share its input buffers: each input is uploaded once.
  for (const [name, value] of Object.entries(options.data)) {
    if (launches.inputs.has(name) && options.store.firstFill(name)) program.setInput(name, value);
  }
  return program;
}
