import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, it } from "vitest";
import { gcnSource } from "../train/helpers.js";
import { GAT_SOURCE } from "../train/sources.js";
import { expectSameTraining, fiveSteps, useGpu } from "./helpers.js";

const cache = mkdtempSync(join(tmpdir(), "gnnc-pass-cache-"));
process.env.GNNC_CACHE_DIR = cache;
afterAll(() => rmSync(cache, { recursive: true, force: true }));

const EXAMPLES = resolve("examples/passes");
const gpu = useGpu();

/** The example user passes change the model; the GPU must train the changed model exactly as the reference device does. */
describe("user passes on the GPU", () => {
  it("drop-edge and fake-quant (GCN): the same losses and weights step for step", async (ctx) => {
    const passes = `passes = [pass("${EXAMPLES}/drop-edge.ts", p = 0.3), pass("${EXAMPLES}/fake-quant.ts", bits = 6)]`;
    const source = gcnSource({ extra: passes });
    expectSameTraining(await fiveSteps(source), await fiveSteps(source, gpu(ctx)));
  }, 60_000);

  it("drop-edge on attention weights of every head (GAT)", async (ctx) => {
    const source = GAT_SOURCE.replace("  report = [accuracy(val)]", `  report = [accuracy(val)]\n  passes = [pass("${EXAMPLES}/drop-edge.ts", p = 0.25)]`);
    expectSameTraining(await fiveSteps(source), await fiveSteps(source, gpu(ctx)));
  }, 60_000);
});
