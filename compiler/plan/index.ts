/**
 * compiler/plan: what a function will hold and do on a device, decided before it runs — the
 * memory prediction (peak.ts), the GPU launch plan (buffers and kernel launches), the device
 * bytes it allocates, the FLOPs it costs, and the report `gnnc compile --emit plan` writes.
 */
export { planLaunches } from "./plan-launches.js";
export type { HostGraph, LaunchPlan, LaunchPlanOptions, Slot, Step } from "./launch-plan.js";
export { DEFAULT_BINDING_LIMITS, fitBindings, partsNeeded, storageBindings, type BindingLimits } from "./binding-split.js";
export { deviceBytes, allocatedSize, dataBufferNames, packLayout, packedParams, packStagingBytes, PACK_ALIGNMENT, type PackLayout } from "./device-bytes.js";
export { predictPeakBytes, type PeakBytes } from "./peak.js";
export { poolLayout, statePool, type PoolLayout, type PoolPlan } from "./scratch-pool.js";
export { funcCost, opCosts, type OpCost } from "./flops.js";
export { trainingFlops, type TrainingFlops, type FunctionFlops } from "./training-flops.js";
export { launchCount, planReport, type PlanReport, type FunctionPlan } from "./report.js";
