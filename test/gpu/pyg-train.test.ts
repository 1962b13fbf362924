import { join } from "node:path";
import { afterAll, describe, it } from "vitest";
import type { TensorValue } from "../../compiler/ir/values.js";
import { csbm } from "../../runtime/data/csbm.js";
import { saveBinaryDataset } from "../../runtime/data/write-binary.js";
import type { GpuDevice } from "../../runtime/gpu/index.js";
import { runTraining } from "../../runtime/train/run.js";
import { compileTrain } from "../train/helpers.js";
import { APPNP_JK, EDGE_FEATURES, EDGE_WEIGHTS, gcn2Source, GATV2_TRANSFORMER, GIN_POOL, USER_MESSAGES } from "../train/pyg-sources.js";
import { tempDir } from "../runtime/data/helpers.js";
import { random } from "../support/tensors.js";
import { expectSameTraining, useGpu } from "./helpers.js";

/**
 * The PyG layers' kernels, forward and backward, against the reference device: five training
 * steps on each, the same losses and weights to f32 rounding. Together the models use every new
 * layer, edge weights and edge features, pooling over a batch vector (graph classification) and
 * message passing written in the language (fused into SDDMM/SpMM).
 */
const gpuOf = useGpu();

/** A CSBM graph with a positive weight on every edge, saved as `weighted` in a data folder. */
const data = tempDir("gnnc-weighted-");
afterAll(() => data.cleanup());
const ds = csbm({ nodes: 150, classes: 3, features: 12, avg_degree: 5, homophily: 0.8, signal: 1.5, seed: 6, name: "weighted" });
const next = random(9);
saveBinaryDataset(join(data.dir, "weighted"), { ...ds, edgeWeight: Float32Array.from({ length: ds.graph.numEdges }, () => 0.5 + next()) });

async function fiveSteps(source: string, gpu?: GpuDevice) {
  const { spec, module } = compileTrain(source);
  let state: Readonly<Record<string, TensorValue>> = {};
  const out = await runTraining(spec, module, { seed: 3, epochs: 5, gpu, data: { dataDir: data.dir }, onSelect: (_, s) => void (state = s) });
  if (!out.result) throw new Error(out.diagnostics.map((d) => `${d.code} ${d.message}`).join("\n"));
  return { result: out.result, state };
}

const MODELS: Record<string, string> = {
  "APPNP (edge dropout) and JumpingKnowledge": APPNP_JK,
  "GATv2Conv and TransformerConv (beta)": GATV2_TRANSFORMER,
  "GCN2Conv, 64 layers in a repeat stack": gcn2Source(64),
  "GIN with add, mean and max pooling: graph classification": GIN_POOL,
  "edge features: GINEConv, GATConv and TransformerConv with edge_dim": EDGE_FEATURES,
  "edge weights: GCNConv and GraphConv in a Sequential, ChebConv, EdgeConv": EDGE_WEIGHTS,
  "message passing written in the language (attention; softmax aggregation with update)": USER_MESSAGES,
};

describe("the PyG layers train on the GPU as on the reference device, step for step", () => {
  for (const [name, source] of Object.entries(MODELS)) {
    it(name, async (ctx) => {
      const gpu = gpuOf(ctx);
      expectSameTraining(await fiveSteps(source), await fiveSteps(source, gpu));
    }, 300_000);
  }
});
