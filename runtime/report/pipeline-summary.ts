import type { CompiledTraining } from "../../compiler/pipeline.js";
import { countNodes } from "../../compiler/passes/index.js";
import { isOptimizerState } from "../checkpoint/match.js";

/** What the compiler did to a run's module after lowering: for the run report. */
export interface PipelineSummary {
  passes: { name: string; ms: number; changed: boolean }[];
  /** Node counts (nested regions included) right after lowering and after the later stages. */
  functions: { name: string; nodesBefore: number; nodesAfter: number }[];
  params: { trainable: number; buffers: number; optimizerStates: number };
}

export function summarizePipeline(training: CompiledTraining): PipelineSummary {
  const after = new Map(training.module.funcs.map((f) => [f.name, countNodes(f)]));
  const params = training.module.params;
  const states = params.filter((p) => isOptimizerState(p.name)).length;
  return {
    passes: training.timings.map((t) => ({ name: t.pass, ms: t.ms, changed: t.changed })),
    functions: training.lowered.funcs.map((f) => ({ name: f.name, nodesBefore: countNodes(f), nodesAfter: after.get(f.name) ?? 0 })),
    params: {
      trainable: params.filter((p) => p.trainable).length,
      buffers: params.filter((p) => !p.trainable).length - states,
      optimizerStates: states,
    },
  };
}
