import { describe, expect, it } from "vitest";
import type { Func, TensorType } from "../../compiler/ir/types.js";
import type { TensorValue, Value } from "../../compiler/ir/values.js";
import { BufferStore, loadFunction, type GpuDevice } from "../../runtime/gpu/index.js";
import type { EquilibriumRun } from "../../runtime/gpu/program.js";
import { runPipeline } from "../../compiler/passes/index.js";
import { runFunc } from "../../runtime/reference/index.js";
import { compileModule, funcOf, gradOk, weightedSumLoss } from "../autodiff/helpers.js";
import { equilibriumLoops, referenceIterations } from "./equilibrium-iterations.js";
import { expectSameTraining, randomGraph, fiveSteps, useGpu } from "./helpers.js";
import { random, randomTensor } from "../support/tensors.js";
import { expectAllClose } from "../support/allclose.js";

/**
 * Equilibrium stacks on the GPU: the fixed-point loop stops at exactly the iteration the reference
 * interpreter stops at (its flag counts them), Anderson-accelerated or not, forward and through the
 * implicit backward; whole training steps match the reference device step for step.
 */
const gpuOf = useGpu();

/** The block iterated to its fixed point; a larger `scale` contracts more slowly. */
const cell = (scale: number) => `block Cell(width: int) {
  conv = SAGEConv(width, width)
  forward(h, u, g) = tanh(${scale} * conv(h, g) + u)
}`;
const CELL = cell(0.4);

function deqModel(modifier: string, scale: number): string {
  return `${cell(scale)}
model Deq(in_channels: int = 6) {
  lin_in = Linear(in_channels, 8)
  deq = ${modifier} Cell(8)
  head = Linear(8, 3)
  forward(x: f32[N, in_channels], g: graph[N]) = head(deq(lin_in(x), lin_in(x), g))
}`;
}

function deqTraining(modifier: string): string {
  return `dataset syn = synthetic.csbm(nodes = 150, classes = 3, features = 12, avg_degree = 5, homophily = 0.8, signal = 1.5, seed = 2)
${CELL}
model Deq(in_channels: int, out_channels: int) {
  lin_in = Linear(in_channels, 16)
  deq = ${modifier} Cell(16)
  lin_out = Linear(16, out_channels)
  forward(x: f32[N, in_channels], g: graph[N]) -> f32[N, out_channels] {
    u = lin_in(dropout(x, 0.2))
    return lin_out(relu(deq(u, u, g)))
  }
}
train deq {
  data = syn
  model = Deq(syn.num_features, syn.num_classes)
  loss = cross_entropy(mask = train)
  optimizer = adam(lr = 0.01)
  epochs = 5
  select = best(val.accuracy)
  report = [accuracy(val)]
}`;
}

const PLAIN = "equilibrium(max_iter = 60, tol = 1e-4)";
const ANDERSON = "equilibrium(max_iter = 60, tol = 1e-4, anderson = 5)";

interface Case {
  func: Func;
  env: { inputs: Record<string, Value>; params: Record<string, TensorValue>; symbols: Record<string, number> };
  data: Record<string, Value>;
  shapes: number[][];
}

function gradientCase(modifier: string, seed: number, scale = 0.4): Case {
  const m = compileModule(deqModel(modifier, scale));
  const grad = gradOk(weightedSumLoss(funcOf(m, "forward")), [{ result: "loss", wrt: ["*"] }], m);
  // Loop-invariant graph work (degrees) leaves the loops, as in training (the cleanup stage): the host computes it once.
  const func = funcOf(runPipeline({ ...m, funcs: [grad] }, "cse,licm,cse,dce").module, grad.name);
  const rand = random(seed);
  const graph = randomGraph(90, rand, 6);
  const x = randomTensor([90, 6], rand, { lo: -1, hi: 1 });
  const r = randomTensor([90, 3], rand, { lo: -1, hi: 1 });
  const params = Object.fromEntries(m.params.map((p) => [p.name, randomTensor(p.type.shape as number[], rand, { lo: -0.5, hi: 0.5 })]));
  const symbols = { N: 90, E: graph.numEdges };
  const shapes = func.results.map((id) => {
    const t = func.body.find((n) => n.id === id)!.type as TensorType;
    return t.shape.map((d) => (typeof d === "number" ? d : symbols[d as "N" | "E"]));
  });
  return { func, env: { inputs: { x, graph, r }, params, symbols }, data: { x, graph, r }, shapes };
}

async function onGpu(gpu: GpuDevice, c: Case, calls = 1): Promise<{ results: TensorValue[]; runs: EquilibriumRun[][] }> {
  const store = new BufferStore(gpu);
  const program = await loadFunction(gpu, c.func, { symbols: c.env.symbols, data: c.data, store });
  try {
    for (const [name, v] of Object.entries(c.env.params)) program.setParam(name, v);
    const runs: EquilibriumRun[][] = [];
    for (let k = 0; k < calls; k++) {
      await program.run();
      runs.push(program.lastRun);
    }
    const results = await Promise.all(
      c.func.results.map((id, k) => program.readResult(k, c.func.body.find((n) => n.id === id)!.type as TensorType, c.shapes[k])),
    );
    return { results, runs };
  } finally {
    program.destroy();
    store.destroy();
  }
}

describe("equilibrium loops on the GPU stop where the interpreter stops", () => {
  const cases: Record<string, [string, number]> = {
    plain: [PLAIN, 0.4],
    "Anderson (m = 5)": [ANDERSON, 0.4],
    "plain, a slow contraction": [PLAIN.replace("60", "200"), 1.1],
    "Anderson (m = 5), a slow contraction (the ring of differences wraps around)": [ANDERSON, 1.1],
  };
  for (const [name, [modifier, scale]] of Object.entries(cases)) {
    it(`${name}: forward and adjoint fixed points, same iteration counts, same gradients`, async (ctx) => {
      const gpu = gpuOf(ctx);
      const c = gradientCase(modifier, 11, scale);
      const loops = equilibriumLoops(c.func);
      expect(loops).toHaveLength(2); // the forward solve and the adjoint solve
      const want = loops.map((l) => referenceIterations(c.func, l, c.env));
      const expected = runFunc(c.func, c.env) as TensorValue[];
      // Two calls: the second starts its chunks from the first's counts (fewer readbacks), same result.
      const got = await onGpu(gpu, c, 2);
      for (const runs of got.runs) {
        expect(runs.map((r) => r.iterations)).toEqual(want);
        expect(runs.every((r) => r.converged && r.launched >= r.iterations)).toBe(true);
      }
      expect(got.runs[1].every((r) => r.readbacks === 1)).toBe(true);
      got.results.forEach((v, k) => expectAllClose(v, expected[k], { atol: 1e-5, rtol: 1e-3 }));
      console.log(`${name}: iterations [forward, adjoint] = ${want}; readbacks first call ${got.runs[0].map((r) => r.readbacks)}, second ${got.runs[1].map((r) => r.readbacks)}`);
    }, 60_000);
  }

  it("the cap wins when tol is never reached, and iterations past it change nothing", async (ctx) => {
    const gpu = gpuOf(ctx);
    const c = gradientCase("equilibrium(max_iter = 7, tol = 0.0)", 5);
    const got = await onGpu(gpu, c);
    expect(got.runs[0].map((r) => [r.iterations, r.converged, r.launched])).toEqual([
      [7, false, 7],
      [7, false, 7],
    ]);
    const expected = runFunc(c.func, c.env) as TensorValue[];
    got.results.forEach((v, k) => expectAllClose(v, expected[k], { atol: 1e-5, rtol: 1e-3 }));
  }, 60_000);
});

describe("an equilibrium model trains on the GPU as on the reference device, step for step", () => {
  for (const [name, modifier] of Object.entries({ plain: PLAIN, "Anderson (m = 5)": ANDERSON })) {
    it(name, async (ctx) => {
      const gpu = gpuOf(ctx);
      const source = deqTraining(modifier);
      const ref = await fiveSteps(source);
      const dev = await fiveSteps(source, gpu);
      expectSameTraining(ref, dev);
    }, 120_000);
  }
});
