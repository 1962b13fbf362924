import { scheduleFunc } from "../../compiler/codegen/index.js";
import { patternNonzeros } from "../../compiler/codegen/pattern.js";
import type { Func } from "../../compiler/ir/types.js";
import type { Value } from "../../compiler/ir/values.js";
import { computedOnce } from "../../compiler/plan/unchanging.js";
import { runFunc } from "../reference/index.js";
import type { GpuDevice } from "./device.js";
import { GpuProgram, type BufferStore } from "./program.js";

export interface LoadOptions {
  /** Every symbol's value (the module's and the bound data's). */
  symbols: Readonly<Record<string, number>>;
  /** The inputs that never change (features, graph, labels, masks), uploaded once. */
  data: Readonly<Record<string, Value>>;
  /** Parameters and inputs shared with the model's other functions. */
  store: BufferStore;
}

/**
 * Put a function on the GPU: what depends only on the unchanging data (self loops, degrees, GCN
 * normalisation, propagated features) is computed once on the host by the reference interpreter
 * and uploaded; the rest is scheduled as kernels.
 */
export async function loadFunction(gpu: GpuDevice, func: Func, options: LoadOptions): Promise<GpuProgram> {
  const hosted = computedOnce(func.body, new Set(Object.keys(options.data)));
  const onHost = new Set(hosted);
  const hostFunc: Func = {
    name: `${func.name}.host`,
    body: func.body.filter((n) => onHost.has(n.id) || (n.op === "s.input" && String(n.attrs.name) in options.data)),
    results: hosted,
    resultNames: hosted.map((id) => `%${id}`),
  };
  const values = hosted.length ? runFunc(hostFunc, { inputs: options.data, params: {}, symbols: options.symbols }) : [];
  // Mostly-zero features get a pattern: their matmuls visit only the nonzeros.
  const patterned = new Map<string, number>();
  for (const [name, v] of Object.entries(options.data)) {
    const nnz = v.kind === "tensor" ? patternNonzeros(v) : undefined;
    if (nnz !== undefined) patterned.set(name, nnz);
  }
  const schedule = scheduleFunc(func, { symbols: options.symbols, hosted: onHost, patterned });
  const program = await GpuProgram.create(gpu, schedule, options.store, new Map(hosted.map((id, k) => [id, values[k]])), options.data);
  for (const [name, value] of Object.entries(options.data)) program.setInput(name, value);
  return program;
}
