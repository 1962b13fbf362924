/** runtime/runner: lowered functions run by name on a device, over named state (see runner.ts). */
export { RunnerError, type Runner, type RunnerKind, type RunnerMemory, type RunnerProgram, type RunOptions } from "./runner.js";
export { openRunner } from "./open.js";
export { ReferenceRunner } from "./reference.js";
export { GpuRunner } from "./gpu.js";
