/**
 * `gnnc/passes`: the interface a pass implements, built-in or user-written, and what a pass uses
 * to report problems. A user pass is a `.ts` file whose default export is a `Pass`; see
 * docs/writing-passes.md.
 */
export type { AnyPass, OptionKind, OptionSchema, OptionValue, Pass, PassContext, PassResult, PassStage } from "../passes/pass.js";
export type { Diagnostic, Label, Severity } from "../../grammar/diagnostics.js";
export type { Pos, Span } from "../../grammar/span.js";
export { error } from "../../grammar/diagnostics.js";
export { runPipeline, type PipelineResult, type RunPipelineOptions } from "../passes/manager.js";
