import { describe, expect, it } from "vitest";
import type { TensorValue } from "../../compiler/ir/values.js";
import { runScheduledTraining } from "../../runtime/schedules/run.js";
import { expectAllClose } from "../support/allclose.js";
import { admmSource } from "../schedules/admm-sources.js";
import { compileTrain } from "../train/helpers.js";
import type { GpuDevice } from "../../runtime/gpu/index.js";
import { useGpu } from "./helpers.js";

/**
 * ADMM's updates as kernels: 3 iterations on the GPU agree with the reference device to f32
 * rounding — every state entry after every iteration, the objective and residual, the
 * backtracking and FISTA loops (equilibrium loops with flag readbacks) taking the same branches.
 * Over 2 devices the GPU run is the 1-device GPU run, bit for bit.
 */

const gpu = useGpu();

async function train(schedule: string, device?: GpuDevice) {
  const { spec, module } = compileTrain(admmSource({ schedule, select: "last", layers: 3 }), "s.gnn");
  const states: Readonly<Record<string, TensorValue>>[] = [];
  const { result } = await runScheduledTraining(spec, module, { seed: 4, gpu: device, onSelect: (_, s) => void states.push(s) });
  return { result: result!, states };
}

describe("ADMM on the GPU", () => {
  it("agrees with the reference device over 3 iterations, -Q included", async (ctx) => {
    const device = gpu(ctx);
    const schedule = "layers = [3], iterations = 3, rho = 0.05, nu = 0.05, quantize = linspace(-1, 4, 101)";
    const [ref, dev] = [await train(schedule), await train(schedule, device)];
    expect(dev.states).toHaveLength(3);
    expect(dev.result.peak_bytes).toBe(dev.result.peak_bytes_predicted);
    dev.states.forEach((state, k) => {
      for (const [name, t] of Object.entries(ref.states[k])) expectAllClose(state[name], t, { atol: 2e-4, rtol: 2e-3 });
    });
    dev.result.schedule.phases.forEach((p, k) => {
      const r = ref.result.schedule.phases[k].measures!;
      expect(p.measures!.objective).toBeCloseTo(r.objective, 3);
      expect(p.measures!.residual).toBeCloseTo(r.residual, 4);
      expect(p.measures!.rho).toBe(r.rho);
    });
  }, 600_000);

  it("over 2 devices gives the 1-device run's state exactly", async (ctx) => {
    const device = gpu(ctx);
    const schedule = "layers = [3], iterations = 2, rho = 0.05, nu = 0.05, quantize = levels(-1, 20)";
    const [one, two] = [await train(schedule, device), await train(`${schedule}, devices = 2`, device)];
    expect(two.states).toEqual(one.states);
    expect(two.result.schedule.phases[1].measures!.device_bytes).toBeGreaterThan(0);
  }, 600_000);
});
