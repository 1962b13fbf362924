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
export { emitKernel, emitLaunches, kernelOps, hasKernel, operandBuffers } from "./emit.js";
export { CodegenError, type EmitOptions, type KernelEmitter, type LaunchesEmitter } from "./emit-context.js";
export { MAX_WORKGROUPS_PER_DIMENSION, gridFor } from "./grid.js";
export { f32Literal } from "./wgsl.js";
