/** The compiler's entry point: `.gnn` source → checked train blocks and IR modules. */
export { compile, type CompileOptions, type CompileResult, type CompiledProgram } from "./frontend/compile.js";
export type { DatasetInfo, DatasetResolver } from "./train/dataset.js";
export type { DatasetRef, DatasetSource, DatasetSizes, DatasetTransform } from "./train/dataset.js";
export * from "./train/spec.js";
export { FRONTEND_CODES, type FrontendCode } from "./frontend/codes.js";
