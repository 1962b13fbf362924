import { describe, expect, it } from "vitest";
import { runScheduledTraining } from "../../runtime/schedules/run.js";
import { compileTrain } from "../train/helpers.js";
import { soupSource } from "./soup-sources.js";

describe("soup", () => {
  it("trains ingredients side by side and mixes them four ways", async () => {
    const { spec, module } = compileTrain(soupSource({ soup: "ingredients = 3, epochs = 10, lr = 5, parts = 4, parts_per_step = 2" }), "s.gnn");
    const out = await runScheduledTraining(spec, module, { seed: 0 });
    if (out.diagnostics) throw new Error(out.diagnostics.map((d) => d.message).join("\n"));
    const r = out.result!;
    console.log(JSON.stringify(r.soup, null, 1));
    expect(r.soup!.rows.length).toBe(6);
  }, 120_000);
});
