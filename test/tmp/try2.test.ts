import { it, expect } from "vitest";
import { runScheduledTraining } from "../../runtime/schedules/run.js";
import { compileTrain } from "../train/helpers.js";
import { admmSource } from "../schedules/admm-sources.js";
import { useGpu } from "../gpu/helpers.js";
const gpu = useGpu();
it("runs on gpu", async (ctx) => {
  const device = gpu(ctx);
  const { spec, module } = compileTrain(admmSource({ schedule: process.env.SCHED ?? "layers = [2, 4], iterations = [5, 5], rho = 1e-3, nu = 1e-3" }), "s.gnn");
  const ref = await runScheduledTraining(spec, module, { seed: 0 });
  const { result, diagnostics } = await runScheduledTraining(spec, module, { seed: 0, gpu: device });
  console.log(diagnostics);
  result!.schedule.phases.forEach((p, k) => console.log(p.label, JSON.stringify(p.measures), JSON.stringify(ref.result!.schedule.phases[k].measures), JSON.stringify(p.metrics), JSON.stringify(ref.result!.schedule.phases[k].metrics)));
}, 600000);
