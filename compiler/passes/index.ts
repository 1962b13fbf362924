/** The pass layer's public surface: what the CLI and the compile driver import. */
export type { AnyPass, OptionKind, OptionSchema, OptionValue, Pass, PassContext, PassResult } from "./pass.js";
export { PASS_CODES, allPassCodes, type CodeInfo, type PassCodeName } from "./codes.js";
export { parsePipeline, formatPipeline, type ParsePipelineOptions, type PipelineEntry, type PipelineStep } from "./pipeline.js";
export { runPipeline, type PassTiming, type PipelineResult, type RunPipelineOptions } from "./manager.js";
export { builtinPasses, getPass, createRegistry, providersOf, withAliases, type PassRegistry } from "./registry.js";
export { shapeInference } from "./shape-inference.js";
export { cse } from "./cse.js";
export { dce } from "./dce.js";
export { toReversible, type ToReversibleOptions } from "./to-reversible.js";
export { countNodes } from "../ir/walk.js";
