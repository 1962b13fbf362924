import { describe, expect, it } from "vitest";
import type { TensorValue } from "../../compiler/ir/values.js";
import { runScheduledTraining } from "../../runtime/schedules/run.js";
import { compileTrain } from "../train/helpers.js";
import { admmSource } from "./admm-sources.js";

/**
 * Layer-parallel ADMM on the reference device: 2 and 4 devices (worker threads) give exactly the
 * sequential run's state after every phase, and move only p, q and u across the group
 * boundaries in an iteration — at 5 bits a value for a quantised p.
 */

async function train(schedule: string) {
  const { spec, module } = compileTrain(admmSource({ schedule, select: "last" }), "s.gnn");
  const states: Readonly<Record<string, TensorValue>>[] = [];
  const { result } = await runScheduledTraining(spec, module, { seed: 2, onSelect: (_, s) => void states.push(s) });
  return { result: result!, states };
}

describe("ADMM over several devices", () => {
  it("gives the sequential run's state after every phase, with 2 and 4 devices", async () => {
    const base = "layers = [2, 4], iterations = [2, 3], rho = 1e-2, nu = 1e-2, quantize = levels(-1, 20)";
    const one = await train(base);
    // States are offered at the model's depth (the warm stage's are never selected); every phase's measures are compared.
    expect(one.states).toHaveLength(3);
    const measured = (r: typeof one.result) => r.schedule.phases.map((p) => [p.metrics, p.measures!.objective, p.measures!.residual, p.measures!.rho]);
    for (const devices of [2, 4]) {
      const many = await train(`${base}, devices = ${devices}`);
      expect(many.states).toEqual(one.states);
      expect(measured(many.result)).toEqual(measured(one.result));
    }
  }, 300_000);

  it("moves p, q and u across a group boundary in an iteration, p as 5-bit level indices", async () => {
    const { result, states } = await train("layers = [4], iterations = 3, quantize = levels(-1, 20), devices = 2");
    // The 4 layers as 2 groups: one boundary (layers 2 | 3), T training rows of 8 channels.
    const T = states[0]["admm.x"].shape[0];
    const values = T * 8;
    const steady = result.schedule.phases[2].measures!;
    expect(steady.device_bytes).toBe(Math.ceil((values * 5) / 8) + 2 * values * 4);
    // Between layers, every boundary: 3 of them.
    expect(steady.layer_bytes).toBe(3 * (Math.ceil((values * 5) / 8) + 2 * values * 4));
    expect(steady.layer_bytes_f32).toBe(3 * 3 * values * 4);
  }, 300_000);
});
