import { it, expect } from "vitest";
import { runScheduledTraining } from "../../runtime/schedules/run.js";
import { compileTrain } from "../../test/train/helpers.js";
import { admmSource } from "../../test/schedules/admm-sources.js";
it("runs", async () => {
  const { spec, module } = compileTrain(admmSource(), "s.gnn");
  const { result, diagnostics } = await runScheduledTraining(spec, module, { seed: 0 });
  console.log(diagnostics);
  for (const p of result!.schedule.phases) console.log(p.label, JSON.stringify(p.measures), JSON.stringify(p.metrics));
}, 300000);
