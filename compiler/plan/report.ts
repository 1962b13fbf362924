import type { Module } from "../ir/types.js";
import { deviceBytes, packedParams } from "./device-bytes.js";
import type { LaunchPlan, Step } from "./launch-plan.js";
import { funcCost } from "./flops.js";
import { statePool } from "./scratch-pool.js";
import { predictPeakBytes } from "./peak.js";

/** What `gnnc compile --emit plan` writes: memory and work of each function, before anything runs. */
export interface PlanReport {
  /** Trainable parameters. */
  parameter_bytes: number;
  /** Optimizer states (`opt.*`) and buffers such as running statistics. */
  state_bytes: number;
  /** Distinct WGSL kernels (pipelines) over all functions. */
  kernels: number;
  /** Every buffer the GPU programs allocate (parameters and inputs once, scratch shared; all resident). */
  device_bytes: number;
  functions: FunctionPlan[];
}

export interface FunctionPlan {
  name: string;
  /** Kernel launches per call, loops unrolled. */
  launches: number;
  /** Peak bytes of values held at once on the reference device (liveness), and of those the graph-sized ones. */
  peak_value_bytes: number;
  activation_bytes: number;
  /** Buffers of this function's GPU program alone. */
  device_bytes: number;
  /** Arithmetic and memory traffic of one call by the op table's cost model, loops counted per iteration (flops.ts). */
  flops: number;
  bytes_moved: number;
}

/** Kernel launches of one run of `steps`, loops unrolled (every iteration of a loop counted). */
export function launchCount(steps: readonly Step[]): number {
  return steps.reduce((n, s) => n + (s.kind === "dispatch" ? 1 : s.kind === "loop" ? s.trip * launchCount(s.body) : 0), 0);
}

export function planReport(module: Module, plans: ReadonlyMap<string, LaunchPlan>, symbols: Readonly<Record<string, number>>): PlanReport {
  // As the GPU holds them: the parameter pack's entries (packedParams).
  const packed = packedParams([...plans.values()]);
  const bytesOf = (params: readonly { name: string }[]) => params.reduce((n, p) => n + (packed.get(p.name) ?? 0), 0);
  const wgsl = new Set<string>();
  for (const s of plans.values()) for (const k of s.kernels) wgsl.add(k.wgsl);
  return {
    parameter_bytes: bytesOf(module.params.filter((p) => p.trainable)),
    state_bytes: bytesOf(module.params.filter((p) => !p.trainable)),
    kernels: wgsl.size,
    device_bytes: deviceBytes(
      [...plans.values()],
      statePool(
        [...plans].map(([name, plan]) => ({ plan, resultNames: module.funcs.find((f) => f.name === name)!.resultNames })),
        new Set(module.params.map((p) => p.name)),
      ),
    ),
    functions: [...plans].map(([name, s]) => {
      const func = module.funcs.find((f) => f.name === name)!;
      const peak = predictPeakBytes(func, symbols);
      const cost = funcCost(func, symbols);
      return {
        name,
        launches: launchCount(s.steps),
        peak_value_bytes: peak.total,
        activation_bytes: peak.activations,
        device_bytes: deviceBytes([s]),
        flops: cost.flops,
        bytes_moved: cost.bytes,
      };
    }),
  };
}
