/** runtime/gpu: the Dawn (WebGPU) device — adapter selection, pipelines, launches, mapped errors. */
export { GpuDevice, openDevice, bindingCap, bindingLimitsOf, type OpenDeviceOptions } from "./device.js";
export {
  findAdapter,
  defaultBackends,
  LIMITS_THAT_MATTER,
  USEFUL_FEATURES,
  type AdapterSummary,
  type FindAdapterOptions,
  type FoundAdapter,
  type LimitName,
} from "./adapter.js";
export { nativeBackend, webgpuPackageVersion, type GpuBackend } from "./dawn.js";
export { NoAdapterError, GpuKernelError, GpuDeviceLostError, GpuLimitError, INSTALL_HINT, type GpuErrorKind } from "./errors.js";
export { runKernel } from "./launch.js";
export { GpuProgram } from "./program.js";
export { BufferStore, type Place } from "./buffer-store.js";
export { loadFunction, hostValues, onHostOnly, planFunction, planTraining, patternedInputs, type FunctionPlan, type LoadOptions } from "./load-function.js";
export { KernelTimer, type TimedLaunch } from "./kernel-timer.js";
