import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compile } from "../../compiler/index.js";
import type { DatasetInfo } from "../../compiler/train/dataset.js";
import type { Func, Module } from "../../compiler/ir/types.js";
import { funcCost } from "../../compiler/plan/flops.js";
import { trainingFlops } from "../../compiler/plan/training-flops.js";
import { compileTraining } from "../../compiler/pipeline.js";
import { runPipeline } from "../../compiler/passes/index.js";

// Cora as /work/shared/data/cora/meta.json describes it: counting needs its sizes, not its data.
const [N, E, F, C] = [2708, 10556, 1433, 7];
const CORA: DatasetInfo = { name: "cora", numNodes: N, numEdges: E, numFeatures: F, numClasses: C, splits: ["train", "val", "test"] };
const NNZ = E + N; // GCN's propagation adds a self loop per node
const CORA_GCN = readFileSync(join(import.meta.dirname, "../../examples/cora-gcn.gnn"), "utf8");

/** The train block of `source` lowered as training lowers it (forward passes, autodiff, cleanup), with Cora's sizes. */
function lowered(source: string, file = "model.gnn"): { module: Module; baseline: Module; funcs: Map<string, Func>; symbols: Readonly<Record<string, number>> } {
  const { program, diagnostics } = compile(source, { file, datasets: { describe: (name) => (name === "cora" ? CORA : undefined) } });
  if (!program) throw new Error(diagnostics.map((d) => d.message).join("\n"));
  const spec = program.trains[0];
  const module = program.modules.find((m) => m.name === spec.module)!;
  const { training, diagnostics: problems } = compileTraining(module, spec, { target: "reference" });
  if (!training) throw new Error(problems.map((d) => d.message).join("\n"));
  const clean = training.module;
  return { module: clean, baseline: training.baseline, funcs: new Map(clean.funcs.map((f) => [f.name, f])), symbols: clean.symbols };
}

const H = 16;

/** One training step of examples/cora-gcn.gnn on Cora, counted by hand from the layers' formulas. */
function denseGcnStep(): number {
    // Per element: dropout 1 (the multiply; its Philox draws are integer work), cross entropy and
    // its gradient 6, Adam's m 3, v 4, step 6, L2 decay 2; elementwise ops and sums 1. Folding an
    // rng key costs nothing; gcn_norm 4 per edge.
    const forward =
      N * F + // dropout(x)
      2 * N * F * H + // x·W1ᵀ (transform-first moved it before the propagation)
      4 * NNZ + // gcn_norm's edge weights
      2 * NNZ * H + // Â·(xW1ᵀ)
      N * H + // + b1
      N * H + // relu
      N * H + // dropout(h)
      2 * N * H * C + // h·W2ᵀ
      2 * NNZ * C + // Â·(hW2ᵀ)
      N * C + // + b2
      6 * N * C; // cross entropy
    const backward =
      6 * N * C + // its gradient
      N * C + // grad b2: sum over nodes
      2 * NNZ * C + // Âᵀ·g
      2 * N * C * H + // grad h = g·W2
      2 * C * N * H + // grad W2 = gᵀ·h
      N * H + // the dropout mask again (same key)
      N * H + // relu's step
      N * H + // times the mask
      N * H + // grad b1
      2 * NNZ * H + // Âᵀ·g
      2 * H * N * F; // grad W1 = gᵀ·dropout(x)
    const params = F * H + H + H * C + C;
    const optimizer = 2 * (F * H + H) + (3 + 4 + 6) * params; // weight decay on conv1 only, Adam on all
  return forward + backward + optimizer;
}

describe("FLOPs of a function (plan/flops.ts)", () => {
  it("counts one training step of examples/cora-gcn.gnn as the layers' formulas do", () => {
    const { funcs, symbols } = lowered(CORA_GCN, "examples/cora-gcn.gnn");
    expect(funcCost(funcs.get("train_step")!, symbols).flops).toBe(denseGcnStep()); // 256,244,167
  });

  it("counts RigL's functions on the same GCN: pattern products where the weights are sparse, the dense gradient at topology updates", () => {
    const source = CORA_GCN.replace("  report    = [accuracy(val), accuracy(test)]", "  report    = [accuracy(val), accuracy(test)]\n  passes    = [sparsify(density = 0.1, method = rigl, every = 50)]");
    const { module, baseline, funcs, symbols } = lowered(source, "examples/cora-gcn.gnn");
    // ERK: densities ∝ (in + out)/(in·out), scaled to keep 10% of all weights: W1 keeps
    // 1.5652·1449/22928 ≈ 9.9% (2268 of 22928, below the compressed-kernel threshold), W2
    // 1.5652·23/112 ≈ 32.1% (36 of 112, dense kernels).
    const [k1, W1, W2] = [2268, F * H, H * C];
    expect(module.params.find((p) => p.name === "conv1.lin.weight_mask")).toBeDefined();
    const dense = denseGcnStep();
    // x·W1ᵀ and W1's gradient over the mask's 2268 positions instead of all; W2's gradient masked.
    const step = dense - 2 * (2 * N * F * H) + 2 * (2 * N * k1) + W2;
    // The forward over the pattern, the dense gradient of W1 (regrowth reads it), both gradients
    // masked; then per weight drop, grow, and the weight and Adam's two moments masked.
    const update = dense - 2 * N * F * H + 2 * N * k1 + (W1 + W2) + 5 * (W1 + W2);
    const init = 2 * (W1 + W2); // grow from empty at random, mask the weight
    expect(funcCost(funcs.get("train_step")!, symbols).flops).toBe(step);
    expect(funcCost(funcs.get("sparse_update")!, symbols).flops).toBe(update);
    expect(funcCost(funcs.get("sparse_init")!, symbols).flops).toBe(init);
    // 200 steps: topology updates at 50, 100 and 150 (every 50 until 75% of the run).
    const counted = trainingFlops(module, baseline, 200, symbols);
    expect(counted.functions).toEqual([
      { name: "sparse_init", calls: 1, flops: init },
      { name: "train_step", calls: 197, flops: step },
      { name: "sparse_update", calls: 3, flops: update },
    ]);
    expect(counted.run).toBe(init + 197 * step + 3 * update);
    expect(counted.denseStep).toBe(dense);
    expect(counted.denseRun).toBe(200 * dense);
  });

  /** A GCN with `layers` 16-wide GCN blocks between two linear layers, as a stack or written out. */
  const deepGcn = (layers: number, stacked: boolean) => `
dataset cora = load("cora", transforms = [normalize_features])
block Block(width: int) {
  conv = GCNConv(width, width)
  forward(h, g) = relu(conv(h, g))
}
model Deep(in_channels: int, out_channels: int) {
  lin_in = Linear(in_channels, 16)
  ${stacked ? `stack = repeat(${layers}) Block(16)` : Array.from({ length: layers }, (_, k) => `conv${k} = GCNConv(16, 16)`).join("\n  ")}
  lin_out = Linear(16, out_channels)
  forward(x: f32[N, in_channels], g: graph[N]) -> f32[N, out_channels] {
    h = lin_in(x)
    ${stacked ? "h = stack(h, g)" : Array.from({ length: layers }, (_, k) => `h = relu(conv${k}(h, g))`).join("\n    ")}
    return lin_out(h)
  }
}
train deep {
  data = cora
  model = Deep(cora.num_features, cora.num_classes)
  loss = cross_entropy(mask = train)
  optimizer = adam(lr = 0.01)
  epochs = 1
  select = best(val.accuracy)
  report = [accuracy(val)]
}`;
  const predictFlops = (layers: number, stacked: boolean) => {
    const { funcs, symbols } = lowered(deepGcn(layers, stacked));
    return funcCost(funcs.get("predict")!, symbols).flops;
  };

  it("counts a stack's blocks once per iteration: repeat(L) costs what L blocks written out cost", () => {
    const H = 16;
    const block = 2 * N * H * H + 2 * NNZ * H + N * H + N * H; // h·Wᵀ, Â·(hWᵀ), + b, relu
    const rest = 2 * N * F * H + N * H + 4 * NNZ + 2 * N * H * C + N * C; // lin_in, gcn_norm (hoisted), lin_out
    expect(predictFlops(4, true)).toBe(rest + 4 * block);
    expect(predictFlops(1, true)).toBe(rest + block);
    expect(predictFlops(4, false)).toBe(predictFlops(4, true));
  });

  it("counts a fused region's arithmetic and not its memory traffic", () => {
    const { module, funcs, symbols } = lowered(CORA_GCN, "examples/cora-gcn.gnn");
    const step = funcs.get("train_step")!;
    const gpu = runPipeline(module, "fuse-elementwise,fuse-epilogue");
    expect(gpu.diagnostics).toEqual([]);
    const fused = gpu.module.funcs.find((f) => f.name === "train_step")!;
    expect(fused.body.some((n) => n.op === "t.fused") && fused.body.some((n) => n.op === "g.spmm_epilogue")).toBe(true);
    const [plain, merged] = [funcCost(step, symbols), funcCost(fused, symbols)];
    expect(merged.flops).toBe(plain.flops);
    expect(merged.bytes).toBeLessThan(plain.bytes);
  });
});
