import { hasErrors, type Diagnostic } from "../grammar/diagnostics.js";
import type { Module } from "./ir/types.js";
import { runPipeline, type PassRegistry, type PassTiming, type PipelineEntry } from "./passes/index.js";
import { lowerSchedule } from "./schedules/kinds.js";
import type { ScheduleProgram } from "./schedules/program.js";
import { lowerTraining } from "./train/lower.js";
import type { TrainSpec } from "./train/spec.js";

/**
 * The compile pipeline of a train block: its model's IR module in, the functions a runner loads
 * out (`train_step`, `loss`, `predict`, `predict_and_step`). One list of named stages, run in order; each is a pass
 * pipeline (verified after every pass) except `lower`. Sizes stay symbolic: what depends on the
 * data (launch plans, zero patterns) is planned once the data is bound, in `compiler/plan`.
 *
 * Passes plug in at named points — the train block's `passes = [...]` (technique passes and user
 * passes) each run at the point their `stage` names, in the order written:
 *   forward   on the model's functions before autodiff, so gradients follow the rewrite
 *             (DropEdge, fake quantisation of weights)
 *   training  on the lowered training functions (masks on weights and their updates)
 *   kernels   on the GPU's functions after fusion, just before launch planning
 * Model-stage passes (`to_reversible`) change parameter shapes, so the frontend applies them to the
 * instantiated model before there is any IR.
 */

export type Target = "reference" | "gpu";

export const INSERTION_POINTS = ["forward", "training", "kernels"] as const;
export type InsertionPoint = (typeof INSERTION_POINTS)[number];

export interface TrainingPipelineOptions {
  /** Which device the functions are for: the GPU's are rewritten into kernel-sized pieces. */
  target: Target;
  /** Fuse elementwise chains and epilogues into kernels on the GPU (default true). */
  fuse?: boolean;
  /** Passes run at each insertion point, after the stage's own passes. */
  inserted?: Partial<Record<InsertionPoint, readonly PipelineEntry[]>>;
  /** Where pass names are looked up (user passes registered); the built-ins by default. */
  registry?: PassRegistry;
  /** Receives the passes' `ctx.log` output, with the name of the pass that logged it. */
  log?(msg: string, pass: string): void;
}

interface Stage {
  name: string;
  /** The stage's own passes (pipeline text), for the target; empty: none. */
  passes(options: TrainingPipelineOptions): string;
  /** Lowers the train block instead of running passes. */
  lowers?: true;
  /** Inserted passes run here, after the stage's own. */
  point?: InsertionPoint;
  /** Only for this target. */
  only?: Target;
}

const STAGES: readonly Stage[] = [
  // Rewrites of the model's forward, before autodiff so that the backward follows them: message
  // passing fuses into SDDMM/SpMM; aggregations move after the linear transforms that narrow their channels.
  { name: "forward", passes: () => "fuse-message,transform-first", point: "forward" },
  // The train block becomes functions: the loss, its gradients and the optimizer's update
  // (`train_step`), beside the model's `predict`; or, with a schedule, the schedule's functions
  // and its host plan (compiler/schedules).
  { name: "lower", passes: () => "", lowers: true },
  // Technique passes over the training functions.
  { name: "training", passes: () => "", point: "training" },
  // The GPU runs reversible stacks' forwards as plain loops (their backward loops already are).
  { name: "loops", passes: () => "expand-reversible", only: "gpu" },
  // Layers expand independently: CSE shares each graph's self loops and normalisation between
  // them; LICM moves graph invariants (degrees) out of stacks; DCE drops what nothing reads.
  { name: "cleanup", passes: () => "cse,licm,cse,dce" },
  // Elementwise chains become one kernel each, then fold into the matmul or SpMM feeding them.
  { name: "fusion", passes: (o) => (o.fuse === false ? "" : "fuse-elementwise,fuse-epilogue"), only: "gpu", point: "kernels" },
  // An epoch's evaluation runs with the next step, as one function (`predict_and_step`), made
  // from the finished `predict` and `train_step`; CSE shares what their forwards both read.
  { name: "evaluation", passes: () => "evaluate-ahead,cse,dce" },
];

/** The names of the stages, in order, for a target (reports, `gnnc compile`). */
export function stageNames(target: Target): string[] {
  return STAGES.filter((s) => !s.only || s.only === target).map((s) => s.name);
}

export interface CompiledTraining {
  /** The functions a runner loads, after every stage. */
  module: Module;
  /** The module right after lowering (reports compare node counts before and after cleanup). */
  lowered: Module;
  /**
   * The lowered module through the same stages without the passes inserted after lowering: the
   * plain training a technique pass changes (its `train_step` is the dense step of FLOP counts).
   */
  baseline: Module;
  /** With `schedule = …`: the host plan that drives the module's functions. */
  schedule?: ScheduleProgram;
  /** Every pass run after lowering, in order, with its stage. */
  timings: (PassTiming & { stage: string })[];
  /** Time the whole pipeline took. */
  ms: number;
}

/**
 * Run the stages on a train block's module. Problems come back as diagnostics (located at the
 * `.gnn` text or the pass entry that caused them); the pipeline stops at the first stage with an
 * error.
 */
export function compileTraining(module: Module, spec: TrainSpec, options: TrainingPipelineOptions): { training?: CompiledTraining; diagnostics: Diagnostic[] } {
  const start = performance.now();
  const inserted = insertedPasses(spec, options.inserted);
  const result = runStages(module, spec, options, inserted);
  if (!result.training) return { diagnostics: result.diagnostics };
  const later = inserted.training.length + inserted.kernels.length > 0;
  // Quietly: the forward stage's passes already logged what they do.
  const plain = later ? runStages(module, spec, { ...options, log: undefined }, { ...inserted, training: [], kernels: [] }).training : result.training;
  if (!plain) throw new Error("internal: the train block compiles with its passes after lowering but not without them");
  return { training: { ...result.training, baseline: plain.module, ms: performance.now() - start }, diagnostics: result.diagnostics };
}

function runStages(module: Module, spec: TrainSpec, options: TrainingPipelineOptions, inserted: Record<InsertionPoint, PipelineEntry[]>): { training?: Omit<CompiledTraining, "baseline">; diagnostics: Diagnostic[] } {
  const start = performance.now();
  const diagnostics: Diagnostic[] = [];
  const timings: CompiledTraining["timings"] = [];
  let current = module;
  let lowered: Module | undefined;
  let schedule: ScheduleProgram | undefined;
  let properties: string[] = [];
  for (const stage of STAGES) {
    if (stage.only && stage.only !== options.target) continue;
    if (stage.lowers) {
      const scheduled = spec.schedule ? lowerSchedule(current, spec) : undefined;
      const result = scheduled ? (Array.isArray(scheduled) ? scheduled : scheduled.module) : lowerTraining(current, spec);
      if (Array.isArray(result)) return { diagnostics: [...diagnostics, ...result] };
      if (scheduled && !Array.isArray(scheduled)) schedule = scheduled.program;
      current = lowered = result;
      properties = []; // new functions: what held of the model's says nothing of them
      continue;
    }
    const entries: (string | readonly PipelineEntry[])[] = [stage.passes(options), stage.point ? inserted[stage.point] : []];
    for (const pipeline of entries) {
      if (pipeline.length === 0) continue;
      const result = runPipeline(current, pipeline, { registry: options.registry, log: options.log, properties });
      diagnostics.push(...result.diagnostics);
      if (hasErrors(result.diagnostics)) return { diagnostics };
      properties = result.properties;
      if (lowered) timings.push(...result.timings.map((t) => ({ ...t, stage: stage.name })));
      current = result.module;
    }
  }
  return { training: { module: current, lowered: lowered!, ...(schedule ? { schedule } : {}), timings, ms: performance.now() - start }, diagnostics };
}

/** The train block's passes by the point their stage names, then the caller's extra ones. */
function insertedPasses(spec: TrainSpec, extra: TrainingPipelineOptions["inserted"] = {}): Record<InsertionPoint, PipelineEntry[]> {
  const out: Record<InsertionPoint, PipelineEntry[]> = { forward: [], training: [], kernels: [] };
  for (const p of spec.passes) {
    const entry: PipelineEntry = p.pass ? { pass: p.pass, options: p.options, span: p.span, optionSpans: p.optionSpans } : { name: p.name, options: p.options, span: p.span, optionSpans: p.optionSpans };
    const stage = p.pass?.stage ?? "forward";
    if (stage !== "model") out[stage].push(entry); // model-stage passes were applied by the frontend
  }
  for (const point of INSERTION_POINTS) out[point].push(...(extra[point] ?? []));
  return out;
}
