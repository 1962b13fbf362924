import { describe, it } from "vitest";
import { gcnSource } from "../train/helpers.js";
import { expectSameRuns, trainAheadAndApart } from "../train/evaluate-ahead.js";
import { useGpu } from "./helpers.js";

// predict_and_step on the GPU: its launches merge predict's with the step's, and its evaluation
// must still be predict's, bit for bit (compiler/passes/evaluate-ahead.ts).
const gpuOf = useGpu();

describe("on the GPU, evaluating with the next step reports what evaluating after each step does", () => {
  for (const [name, source, options] of [
    ["GCN, every epoch", gcnSource({ epochs: 12 }), {}],
    ["GCN on 2%-dense features (patterned products, dropout's kept view), every third epoch", gcnSource({ epochs: 12 }).replace("features = 24", "features = 600"), { evalEvery: 3 }],
    ["SAGE, stopping early (patience 2)", gcnSource({ epochs: 12 }).replace(/GCNConv/g, "SAGEConv"), { patience: 2 }],
  ] as const) {
    it(name, async (ctx) => {
      expectSameRuns(await trainAheadAndApart(source, options, gpuOf(ctx)));
    }, 120_000);
  }
});
