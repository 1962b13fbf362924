import { it, expect } from "vitest";
import { runScheduledTraining } from "../../runtime/schedules/run.js";
import { compileTrain } from "../train/helpers.js";
import { admmSource } from "../schedules/admm-sources.js";
it("parallel equals sequential (reference)", async () => {
  const states: Record<string, unknown>[] = [];
  for (const devices of [1, 2]) {
    const { spec, module } = compileTrain(admmSource({ schedule: `layers = [2, 4], iterations = [3, 3], rho = 1e-3, nu = 1e-3, devices = ${devices}, quantize = levels(-1, 20)`, select: "last" }), "s.gnn");
    let last: Record<string, unknown> = {};
    const t0 = performance.now();
    const { result } = await runScheduledTraining(spec, module, { seed: 0, onSelect: (_, s) => void (last = s) });
    console.log(devices, performance.now() - t0, JSON.stringify(result!.schedule.phases.map((p) => p.measures)));
    states.push(last);
  }
  expect(states[1]).toEqual(states[0]);
}, 600000);
