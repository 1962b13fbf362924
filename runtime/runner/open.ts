import type { GpuDevice } from "../gpu/index.js";
import { GpuRunner } from "./gpu.js";
import { ReferenceRunner } from "./reference.js";
import type { Runner, RunnerProgram } from "./runner.js";

/** A runner for the program: on `gpu` when given, else on the reference interpreter. */
export async function openRunner(program: RunnerProgram, gpu?: GpuDevice): Promise<Runner> {
  return gpu ? GpuRunner.open(gpu, program) : new ReferenceRunner(program);
}
