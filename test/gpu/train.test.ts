import { describe, expect, it } from "vitest";
import type { TensorValue } from "../../compiler/ir/values.js";
import { runTraining } from "../../runtime/train/run.js";
import { compileTrain, gcnSource } from "../train/helpers.js";
import type { GpuDevice } from "../../runtime/gpu/index.js";
import { runCli } from "../cli/harness.js";
import { useGpu } from "./helpers.js";

/**
 * Whole training steps on the GPU against the reference device, step for step: the same seed
 * gives the same initial weights and the same dropout masks (Philox on both), so the losses and the
 * weights after each step must agree to f32 rounding.
 */
const gpuOf = useGpu();

async function fiveSteps(source: string, gpu?: GpuDevice) {
  const { spec, module } = compileTrain(source);
  let state: Readonly<Record<string, TensorValue>> = {};
  const out = await runTraining(spec, module, { seed: 3, epochs: 5, gpu, onSelect: (_, s) => void (state = s) });
  if (!out.result) throw new Error(out.diagnostics.map((d) => `${d.code} ${d.message}`).join("\n"));
  return { result: out.result, state };
}

const GAT = `
dataset syn = synthetic.csbm(nodes = 200, classes = 3, features = 16, avg_degree = 5, homophily = 0.8, signal = 1.5, seed = 4)
model GAT(in_channels: int, out_channels: int) {
  conv1 = GATConv(in_channels, 8, heads = 4, dropout = 0.3)
  conv2 = GATConv(32, out_channels, heads = 1)
  forward(x: f32[N, in_channels], g: graph[N]) -> f32[N, out_channels] {
    return conv2(dropout(elu(conv1(dropout(x, 0.3), g)), 0.3), g)
  }
}
train t {
  data = syn
  model = GAT(syn.num_features, syn.num_classes)
  loss = cross_entropy(mask = train)
  optimizer = adamw(lr = 0.01, weight_decay = 0.01, clip_norm = 1.0)
  epochs = 5
  select = best(val.accuracy)
  report = [accuracy(val)]
}`;

const SAGE = gcnSource({ epochs: 5 }).replace(/GCNConv/g, "SAGEConv");

const REVGNN = `
dataset syn = synthetic.csbm(nodes = 150, classes = 3, features = 12, avg_degree = 5, homophily = 0.8, signal = 1.5, seed = 2)
block ResBlock(width: int) {
  norm = LayerNorm(width, mode = "node")
  conv = SAGEConv(width, width)
  forward(h, g, m) = conv(relu(norm(h)) * m, g)
}
model RevGNN(in_channels: int, out_channels: int) {
  lin_in = Linear(in_channels, 16)
  stack = reversible(groups = 2) repeat(4) ResBlock(8)
  lin_out = Linear(16, out_channels)
  forward(x: f32[N, in_channels], g: graph[N]) -> f32[N, out_channels] {
    h = lin_in(dropout(x, 0.2))
    return lin_out(relu(stack(h, g, dropout_mask(h, 0.2))))
  }
}
train rev {
  data = syn
  model = RevGNN(syn.num_features, syn.num_classes)
  loss = cross_entropy(mask = train)
  optimizer = adam(lr = 0.003)
  epochs = 5
  select = best(val.accuracy)
  report = [accuracy(val)]
}`;

const MODELS: Record<string, string> = {
  "GCN, Adam, dropout": gcnSource({ epochs: 5 }),
  "GAT (edge softmax, attention dropout), AdamW with global-norm clipping": GAT,
  "SAGE (mean aggregation)": SAGE,
  "RevGNN: reversible stack, backward by inverting the coupling (host-driven loops, in-place accumulators)": REVGNN,
  "GCN on 2%-dense features (patterned matmuls forward and for the weight gradient)": gcnSource({ epochs: 5 }).replace("features = 24", "features = 600"),
  "linear, SGD with momentum": gcnSource({ epochs: 5, layer: "Linear", optimizer: "sgd(lr = 0.1, momentum = 0.9)" }),
};

describe("training on the GPU matches the reference device step for step", () => {
  for (const [name, source] of Object.entries(MODELS)) {
    it(name, async (ctx) => {
      const gpu = gpuOf(ctx);
      const ref = await fiveSteps(source);
      const dev = await fiveSteps(source, gpu);
      expect(dev.result.device).toBe("gpu");
      const losses = (r: typeof ref) => r.result.history.map((h) => h.loss);
      losses(dev).forEach((l, k) => expect(Math.abs(l - losses(ref)[k]), `loss at step ${k + 1}`).toBeLessThan(1e-4 * Math.max(1, Math.abs(losses(ref)[k]))));
      expect(dev.result.selected_epoch).toBe(ref.result.selected_epoch);
      for (const [param, want] of Object.entries(ref.state)) {
        const got = dev.state[param];
        const worst = Math.max(...want.data.map((v, j) => Math.abs(v - got.data[j]) / Math.max(1, Math.abs(v))));
        expect(worst, param).toBeLessThan(1e-4);
      }
      expect(dev.result.peak_bytes).toBe(dev.result.peak_bytes_predicted); // the plan's bytes are the bytes allocated
    }, 120_000);
  }
});

describe("gnnc train on the GPU", () => {
  it("trains on the GPU by default when an adapter exists, and says which device ran", async (ctx) => {
    gpuOf(ctx); // skips (or, with GNNC_REQUIRE_GPU=1, fails) without an adapter
    const r = await runCli(["train", "small.gnn", "--epochs", "3", "--quiet"], { "small.gnn": gcnSource({ epochs: 3 }) }, {});
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/device gpu, seed 0/);
  }, 60_000);
});
