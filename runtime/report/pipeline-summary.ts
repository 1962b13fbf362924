import type { PipelineResult } from "../../compiler/passes/index.js";
import { countNodes } from "../../compiler/passes/index.js";
import type { Module } from "../../compiler/ir/types.js";
import { isOptimizerState } from "../checkpoint/match.js";

/** What the compiler did to a run's module after lowering: for the run report. */
export interface PipelineSummary {
  passes: { name: string; ms: number; changed: boolean }[];
  /** Node counts (nested regions included) before and after the passes. */
  functions: { name: string; nodesBefore: number; nodesAfter: number }[];
  params: { trainable: number; buffers: number; optimizerStates: number };
}

export function summarizePipeline(lowered: Module, cleaned: PipelineResult): PipelineSummary {
  const after = new Map(cleaned.module.funcs.map((f) => [f.name, countNodes(f)]));
  const params = cleaned.module.params;
  const states = params.filter((p) => isOptimizerState(p.name)).length;
  return {
    passes: cleaned.timings.map((t) => ({ name: t.pass, ms: t.ms, changed: t.changed })),
    functions: lowered.funcs.map((f) => ({ name: f.name, nodesBefore: countNodes(f), nodesAfter: after.get(f.name) ?? 0 })),
    params: {
      trainable: params.filter((p) => p.trainable).length,
      buffers: params.filter((p) => !p.trainable).length - states,
      optimizerStates: states,
    },
  };
}
