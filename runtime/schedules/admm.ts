import { keyFromSeed } from "../../compiler/ir/rng.js";
import type { Module } from "../../compiler/ir/types.js";
import type { Phase, ScheduleProgram } from "../../compiler/schedules/program.js";
import { ADMM_REPORT, admmReportFunc } from "../../compiler/schedules/admm.js";
import type { TrainSpec } from "../../compiler/train/spec.js";
import { PartitionedRunner } from "../runner/partitioned.js";
import type { BoundData } from "../train/bind.js";
import { evaluate, measuredMetrics } from "../train/evaluate.js";
import type { KindDriver } from "./driver.js";
import { batchSymbols } from "./batches.js";
import { partTraffic } from "./traffic.js";

/**
 * The host driver of `schedule = admm(…)` (compiler/schedules/admm.ts): the shared driver follows
 * the plan; after each iteration this reads its report — the objective, the primal residual
 * Σ ‖p_{l+1} − q_l‖², ρ — and what crossed between layers: the bytes the layers exchange (at
 * the width sent, and as f32), and, over several devices, the bytes actually moved between them.
 * Evaluating phases measure the model's `predict`, its weights just published by the plan.
 */
export function admmDriver(spec: TrainSpec, data: BoundData, seed: number, target: { program: ScheduleProgram; module: Module; symbols: Readonly<Record<string, number>> }): KindDriver {
  const measured = measuredMetrics(spec);
  const traffic = partTraffic(target.program, target.module, { ...target.symbols, ...batchSymbols(target.program, data) });
  const phaseIndex = new Map(target.program.phases.map((p, k) => [p, k]));
  let moved = { boundaryBytes: 0, otherBytes: 0 };
  return {
    evaluate: (runner) => evaluate(runner, data, measured, { kind: "rng", key: keyFromSeed(seed) }),
    async measure(runner, phase: Phase) {
      const [objective, residual] = (await runner.read(admmReportFunc(phase), ADMM_REPORT)).data;
      const { "admm.rho": rho } = await runner.state(["admm.rho"]);
      const layers = traffic[phaseIndex.get(phase)!];
      const out: Record<string, number> = { objective, residual, rho: rho.data[0], layer_bytes: layers.wire, layer_bytes_f32: layers.f32 };
      if (runner instanceof PartitionedRunner) {
        const now = await runner.traffic();
        out.device_bytes = now.boundaryBytes - moved.boundaryBytes;
        out.device_other_bytes = now.otherBytes - moved.otherBytes;
        moved = now;
      }
      return out;
    },
  };
}
