import { describe, expect, it } from "vitest";
import { TRAIN_STEP_FUNC } from "../../compiler/train/index.js";
import { predictPeakBytes } from "../../compiler/plan/peak.js";
import { initParams, MemoryMeter, runFunc } from "../../runtime/reference/index.js";
import { prepareTraining } from "../../runtime/train/run.js";
import { stepInputs, unchangingInputs } from "../../runtime/train/step-inputs.js";
import { compileTrain } from "../train/helpers.js";

/**
 * The memory plan's predicted peak (types and liveness only) equals the peak the reference
 * interpreter measures while running a training step, for plain models and for every kind of
 * stack; and reversible stacks hold flat memory in depth where plain repeat stacks grow.
 */

function source(stack: string, blocks: number): string {
  const width = stack.startsWith("reversible") ? "8" : "16";
  return `
dataset syn = synthetic.csbm(nodes = 120, classes = 3, features = 12, avg_degree = 5, homophily = 0.8, signal = 1.5, seed = 2)
block Body(width: int) {
  norm = LayerNorm(width, mode = "node")
  conv = SAGEConv(width, width)
  forward(h, g) = conv(dropout(relu(norm(h)), 0.2), g)
}
model Net(in_channels: int, out_channels: int) {
  lin_in = Linear(in_channels, 16)
  stack = ${stack.replace("N", String(blocks))} Body(${width})
  head = Linear(16, out_channels)
  forward(x: f32[N, in_channels], g: graph[N]) = head(relu(stack(lin_in(x), g)))
}
train t {
  data = syn
  model = Net(syn.num_features, syn.num_classes)
  loss = cross_entropy(mask = train)
  optimizer = adam(lr = 0.01)
  epochs = 1
}`;
}

/** A source's training step, prepared as `gnnc train` prepares it, with the inputs of its first step. */
function stepOf(src: string, forGpu = false) {
  const { spec, module } = compileTrain(src);
  const prepared = prepareTraining(spec, module, { target: forGpu ? "gpu" : "reference" });
  if ("diagnostics" in prepared) throw new Error(prepared.diagnostics.map((d) => d.message).join("\n"));
  const { lowered, data, symbols } = prepared;
  const inputs = { ...unchangingInputs(spec, data), ...stepInputs(spec, [1, 2], 0) };
  return { step: lowered.funcs.find((f) => f.name === TRAIN_STEP_FUNC)!, inputs, params: initParams(lowered, 0, symbols), symbols };
}

function measure(src: string, forGpu = false): { predicted: number; activations: number; measured: number } {
  const { step, inputs, params, symbols } = stepOf(src, forGpu);
  const meter = new MemoryMeter();
  runFunc(step, { inputs, params, symbols }, { meter });
  const plan = predictPeakBytes(step, symbols);
  return { predicted: plan.total, activations: plan.activations, measured: meter.peakBytes };
}

describe("memory plan", () => {
  for (const stack of ["repeat(N)", "repeat(N, tied = true)", "reversible(groups = 2) repeat(N)", "equilibrium(max_iter = 4, tol = 1e-6)"]) {
    it(`predicts exactly the peak the interpreter measures: ${stack}`, () => {
      const { predicted, measured } = measure(source(stack, 3));
      expect(measured).toBeGreaterThan(0);
      expect(predicted).toBe(measured);
    });
  }

  it("predicts exactly the measured peak of the GPU pipeline's step too (fused chains, matmul epilogues)", () => {
    const { step } = stepOf(source("repeat(N)", 3), true);
    const ops = new Set<string>();
    const visit = (nodes: typeof step.body) => nodes.forEach((n) => (ops.add(n.op), n.regions?.forEach((r) => visit(r.body))));
    visit(step.body);
    expect([...ops]).toEqual(expect.arrayContaining(["t.fused", "t.matmul_epilogue"]));
    const { predicted, measured } = measure(source("repeat(N)", 3), true);
    expect(predicted).toBe(measured);
  });

  it("reversible stacks hold flat activation memory in depth; repeat stacks grow with it", () => {
    const at = (stack: string, blocks: number) => measure(source(stack, blocks)).activations;
    const rev = [2, 8].map((n) => at("reversible(groups = 2) repeat(N)", n));
    const res = [2, 8].map((n) => at("repeat(N)", n));
    expect(rev[1]).toBeLessThanOrEqual(rev[0] * 1.1);
    expect(res[1]).toBeGreaterThan(res[0] * 1.5);
  });
});
