import { describe, expect, it } from "vitest";
import { runTraining } from "../../runtime/train/run.js";
import { compileOk } from "./helpers.js";
import { onlyTrainModule, preActBlock, stackSource } from "./reversible-pass-sources.js";

/** Per-epoch training losses of a source's train block on the reference device. */
async function losses(source: string): Promise<number[]> {
  const program = compileOk(source);
  const out = await runTraining(program.trains[0], onlyTrainModule(program), { seed: 1 });
  if (!out.result) throw new Error(out.diagnostics.map((d) => `${d.code} ${d.message}`).join("\n"));
  return out.result.history.map((h) => h.loss);
}

describe("a residual stack converted by to_reversible trains like the hand-written reversible stack", () => {
  for (const conv of ["SAGEConv", "GCNConv"] as const) {
    it(`${conv}: the same losses for 3 epochs on the reference device`, async () => {
      const converted = await losses(stackSource({ block: preActBlock("ResBlock", conv, true), stack: "repeat(3) ResBlock(16)", passes: "to_reversible(groups = 2)" }));
      const byHand = await losses(stackSource({ block: preActBlock("RevBlock", conv, false), stack: "reversible(groups = 2) repeat(3) RevBlock(8)" }));
      const residual = await losses(stackSource({ block: preActBlock("ResBlock", conv, true), stack: "repeat(3) ResBlock(16)" }));
      expect(converted).toHaveLength(3);
      expect(converted).toEqual(byHand);
      expect(converted).not.toEqual(residual); // the pass changed the model
    });
  }
});
