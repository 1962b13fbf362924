/** The compiler's entry point: `.gnn` source → checked train blocks and IR modules. */
export { compile, type CompileOptions, type CompileResult, type CompiledProgram } from "./frontend/compile.js";
export type { DatasetInfo, DatasetResolver } from "./frontend/dataset-info.js";
export type { DatasetRef, DatasetSource, DatasetSizes, DatasetTransform } from "./frontend/dataset-ref.js";
export * from "./frontend/train-spec.js";
export { FRONTEND_CODES, type FrontendCode } from "./frontend/codes.js";
