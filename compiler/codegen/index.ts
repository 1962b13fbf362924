/** compiler/codegen: IR nodes → complete WGSL kernels with their launch contract (no GPU here). */
export {
  type KernelSpec,
  type KernelBinding,
  type BindingSource,
  type BindingAccess,
  type DispatchSize,
  resolveKernelSizes,
  packUniforms,
} from "./kernel.js";
export { emitKernel, kernelOps, hasKernel } from "./emit.js";
export { CodegenError, type EmitOptions, type KernelEmitter } from "./emit-context.js";
export { MAX_WORKGROUPS_PER_DIMENSION, gridFor } from "./grid.js";
export { f32Literal } from "./wgsl.js";
export { scheduleFunc, type Schedule, type ScheduleOptions, type Slot, type Step } from "./schedule.js";
export { scheduleBytes, allocatedSize, inputBufferNames, packLayout, packedParams, PACK_ALIGNMENT, type PackLayout } from "./schedule-bytes.js";
export { planReport, type PlanReport, type FunctionPlan } from "./plan-report.js";
