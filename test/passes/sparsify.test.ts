import { describe, expect, it } from "vitest";
import { compileTraining } from "../../compiler/pipeline.js";
import { parseModule } from "../../compiler/ir/parse.js";
import { printModule } from "../../compiler/ir/print.js";
import type { TensorValue } from "../../compiler/ir/values.js";
import { selectionCount } from "../../compiler/ir/ops/sparse-select.js";
import { keyFromSeed } from "../../compiler/ir/rng.js";
import { funcAt, scalarsAt, stepPlanOf } from "../../compiler/ir/step-plan.js";
import { initParams } from "../../runtime/reference/index.js";
import { ReferenceRunner } from "../../runtime/runner/index.js";
import { prepareTraining, runTraining } from "../../runtime/train/run.js";
import { scalarInputs, stepInputs, unchangingInputs } from "../../runtime/train/step-inputs.js";
import type { TrainResult } from "../../runtime/train/trainer.js";
import { compileTrain, gcnSource } from "../train/helpers.js";

/**
 * The sparsify pass's contract, run by run on a small GCN (CSBM, 24 features → 16 → 3): what each
 * method keeps invariant (the non-zeros per layer, weights and optimizer states zero outside the
 * mask) and what it changes when (topology updates, pruning steps, phases), step by step.
 */

type State = Readonly<Record<string, TensorValue>>;
const WEIGHTS = ["conv1.lin.weight", "conv2.lin.weight"];

/** A small GCN training with `passes`, `epochs` steps, selecting the last evaluation. */
const sourceWith = (passes: string, epochs: number) => gcnSource({ epochs, extra: `passes = [${passes}]` }).replace("select    = best(val.accuracy)", "select = last");

/** Train `epochs` steps with `passes`, keeping the state after every step the run may select. */
async function everyStep(passes: string, epochs = 12, seed = 2): Promise<{ result: TrainResult; states: State[] }> {
  const { spec, module } = compileTrain(sourceWith(passes, epochs));
  const states: State[] = [];
  const out = await runTraining(spec, module, { seed, onSelect: (epoch, state) => (states[epoch - 1] = state) });
  if (!out.result) throw new Error(out.diagnostics.map((d) => `${d.code} ${d.message}`).join("\n"));
  return { result: out.result, states };
}

/** The state after every step, phases before a selectable one included: the step plan driven as the trainer drives it. */
async function planStates(passes: string, epochs = 12, seed = 2): Promise<State[]> {
  const { spec, module } = compileTrain(sourceWith(passes, epochs));
  const prepared = prepareTraining(spec, module);
  if ("diagnostics" in prepared) throw new Error(prepared.diagnostics.map((d) => d.message).join("\n"));
  const { lowered, symbols, data } = prepared;
  const plan = stepPlanOf(lowered);
  const runner = new ReferenceRunner({ funcs: lowered.funcs, data: unchangingInputs(spec, data), state: initParams(lowered, seed, symbols), symbols });
  const root = keyFromSeed(seed);
  for (const f of plan.init) await runner.run(f, stepInputs(spec, root, 0));
  const states: State[] = [];
  for (let t = 1; t <= epochs; t++) {
    await runner.run(funcAt(plan, t, epochs), { ...stepInputs(spec, root, t - 1), ...scalarInputs(scalarsAt(plan, t, epochs)) });
    states.push(await runner.state());
  }
  return states;
}

const ones = (v: TensorValue) => [...v.data].filter((x) => x !== 0).length;
const changed = (a: TensorValue, b: TensorValue) => [...a.data].filter((x, k) => x !== b.data[k]).length;

/** Every weight, and each of its Adam moments, is zero where its mask is. */
function expectMasked(state: State, step: number): void {
  for (const w of WEIGHTS) {
    const mask = state[`${w}_mask`];
    for (const name of [w, `opt.m.${w}`, `opt.v.${w}`]) {
      const outside = [...state[name].data].filter((x, k) => mask.data[k] === 0 && x !== 0).length;
      expect(outside, `${name} outside its mask after step ${step}`).toBe(0);
    }
  }
}

describe("sparsify: sparse training", () => {
  it("rigl keeps each layer's non-zeros constant and moves them only at topology updates, by at most the drop count", async () => {
    // Topology updates every 3 steps until 75% of 12: steps 3, 6 and 9.
    const { states } = await everyStep("sparsify(density = 0.3, method = rigl, distribution = uniform, every = 3, drop = 0.5)");
    const keep = { "conv1.lin.weight": Math.round(0.3 * 16 * 24), "conv2.lin.weight": Math.round(0.3 * 3 * 16) };
    states.forEach((s, k) => {
      expectMasked(s, k + 1);
      for (const w of WEIGHTS) expect(ones(s[`${w}_mask`]), `${w} at step ${k + 1}`).toBe(keep[w as keyof typeof keep]);
    });
    for (let t = 2; t <= 12; t++) {
      for (const w of WEIGHTS) {
        const moved = changed(states[t - 2][`${w}_mask`], states[t - 1][`${w}_mask`]) / 2;
        if (![3, 6, 9].includes(t)) expect(moved, `${w} moved at step ${t}`).toBe(0);
        else {
          const k = keep[w as keyof typeof keep];
          const dropped = k - selectionCount(k, -k, (0.5 / 2) * (1 + Math.cos((Math.PI * t) / 9)));
          expect(moved, `${w} moved at step ${t}`).toBeLessThanOrEqual(dropped);
        }
      }
    }
    // The first layer's mask does move (RigL regrows where the gradient is large).
    expect(changed(states[1]["conv1.lin.weight_mask"], states[2]["conv1.lin.weight_mask"])).toBeGreaterThan(0);
  });

  it("set regrows at random under the same invariants", async () => {
    const { states } = await everyStep("sparsify(density = 0.2, method = set, every = 4)");
    const first = states.map((s) => ones(s["conv1.lin.weight_mask"]));
    expect(new Set(first).size).toBe(1);
    states.forEach((s, k) => expectMasked(s, k + 1));
    expect(changed(states[2]["conv1.lin.weight_mask"], states[3]["conv1.lin.weight_mask"])).toBeGreaterThan(0);
  });

  it("gmp prunes on the cubic schedule down to the target, then keeps the mask", async () => {
    const { states } = await everyStep("sparsify(density = 0.25, method = gmp, distribution = uniform, every = 2, end = 0.75)");
    const size = 16 * 24;
    const keep = Math.round(0.25 * size);
    // Pruning steps 2, 4, 6, 8 and 9 (= 75% of 12, where the schedule ends).
    const expected = (t: number) => (t >= 9 ? keep : t < 2 ? size : keep + Math.floor(Math.fround((size - keep) * Math.fround((1 - Math.floor(t / 2) * 2 / 9) ** 3))));
    states.forEach((s, k) => {
      expectMasked(s, k + 1);
      expect(ones(s["conv1.lin.weight_mask"]), `step ${k + 1}`).toBe(expected(k + 1));
    });
  });

  it("at density 1 trains exactly as without the pass; compressed and dense kernels agree", async () => {
    const dense = await everyStep("cse", 6);
    const full = await everyStep("sparsify(density = 1, method = rigl, every = 2)", 6);
    expect(full.result.history.map((h) => h.loss)).toEqual(dense.result.history.map((h) => h.loss));
    const compressed = await everyStep("sparsify(density = 0.1, method = rigl, every = 2, sparse_below = 1)", 6);
    const plain = await everyStep("sparsify(density = 0.1, method = rigl, every = 2, sparse_below = 0)", 6);
    compressed.result.history.forEach((h, k) => expect(h.loss).toBeCloseTo(plain.result.history[k].loss, 5));
    for (const w of WEIGHTS) expect([...compressed.states[5][`${w}_mask`].data]).toEqual([...plain.states[5][`${w}_mask`].data]);
  });
});

describe("sparsify: train-and-prune", () => {
  const prune = (method: string) => `sparsify(density = 0.2, method = ${method}, distribution = uniform, every = 2, dense = 0.25, penalty = 0.5, rho = 0.05)`;

  it("prune_admm: dense, then the penalty phase with Z on the sparse set, the hard prune, retraining with the mask fixed", async () => {
    // Dense steps 1–2; admm_begin at 3 (25% of 12); updates at 5; hard prune at 6 (50%); retrain 7–12.
    const states = await planStates(prune("prune_admm"));
    const keep = Math.round(0.2 * 16 * 24);
    states.forEach((s, k) => {
      const t = k + 1;
      expect(ones(s["conv1.lin.weight_mask"]), `mask at step ${t}`).toBe(t < 6 ? 16 * 24 : keep);
      if (t >= 3) expect(ones(s["conv1.lin.weight_admm_z"]), `Z at step ${t}`).toBe(keep);
      if (t >= 6) expectMasked(s, t);
    });
    for (let t = 7; t <= 12; t++) expect(changed(states[t - 2]["conv1.lin.weight_mask"], states[t - 1]["conv1.lin.weight_mask"])).toBe(0);
    // U moves at the dual update (step 5), not between.
    expect(changed(states[2]["conv1.lin.weight_admm_u"], states[3]["conv1.lin.weight_admm_u"])).toBe(0);
    expect(changed(states[3]["conv1.lin.weight_admm_u"], states[4]["conv1.lin.weight_admm_u"])).toBeGreaterThan(0);
    // Only the pruned model may be selected.
    const best = prune("prune_admm");
    const { spec, module } = compileTrain(gcnSource({ epochs: 12, extra: `passes = [${best}]` }));
    const run = await runTraining(spec, module, { seed: 2 });
    expect(run.result!.selected_epoch).toBeGreaterThanOrEqual(6);
  });

  it("prune_slr takes a multiplier step exactly when the Lagrangian decreased", async () => {
    const states = await planStates(prune("prune_slr").replace("every = 2", "every = 1"), 12, 5);
    let taken = 0;
    for (let t = 4; t <= 5; t++) {
      const [before, after] = [states[t - 2], states[t - 1]];
      const accepted = after["sparsify.lagrangian"].data[0] < before["sparsify.lagrangian"].data[0];
      const moved = changed(before["conv1.lin.weight_admm_u"], after["conv1.lin.weight_admm_u"]) > 0;
      expect(moved, `step ${t}`).toBe(accepted);
      if (accepted) taken++;
      else expect(after["sparsify.lagrangian"].data[0]).toBe(before["sparsify.lagrangian"].data[0]);
    }
    expect(taken).toBeGreaterThan(0);
  });
});

describe("sparsify: the module", () => {
  it("prints its step plan and masks, and reads them back", () => {
    const { spec, module } = compileTrain(gcnSource({ extra: "passes = [sparsify(density = 0.1, method = prune_slr)]" }));
    const { training, diagnostics } = compileTraining(module, spec, { target: "reference" });
    expect(diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const text = printModule(training!.module);
    expect(text).toContain("step admm_begin{every=1, from_fraction=0.3, until_fraction=0.3}");
    expect(text).toContain("step select{from_fraction=0.6}");
    expect(text).toMatch(/param conv1\.lin\.weight_mask: f32\[16,24\] init=ones buffer/);
    expect(printModule(parseModule(text))).toBe(text);
  });
});

describe("sparsify: composing with stacks", () => {
  // A reversible stack (RevGNN): its convolutions' weights are stacked [L, out, in], masked per layer.
  const revgnn = (passes: string) => `
dataset syn = synthetic.csbm(nodes = 200, classes = 3, features = 24, avg_degree = 6, homophily = 0.85, signal = 1.5, seed = 1)
block ResBlock(width: int) {
  norm = LayerNorm(width, mode = "node")
  conv = SAGEConv(width, width)
  forward(h, g) = conv(relu(norm(h)), g)
}
model Rev(in_channels: int, out_channels: int) {
  lin_in = Linear(in_channels, 16)
  stack = reversible(groups = 2) repeat(3) ResBlock(8)
  lin_out = Linear(16, out_channels)
  forward(x: f32[N, in_channels], g: graph[N]) -> f32[N, out_channels] {
    return lin_out(stack(lin_in(x), g))
  }
}
train rev {
  data = syn
  model = Rev(syn.num_features, syn.num_classes)
  loss = cross_entropy(mask = train)
  optimizer = adam(lr = 0.01)
  epochs = 8
  select = last
  report = [accuracy(val)]
  passes = [${passes}]
}`;

  it("masks every layer of a stacked weight on its own, through the reversible backward", async () => {
    const { spec, module } = compileTrain(revgnn("sparsify(density = 0.25, method = rigl, distribution = uniform, every = 2)"));
    const states: State[] = [];
    const out = await runTraining(spec, module, { seed: 1, onSelect: (e, s) => (states[e - 1] = s) });
    expect(out.result?.history).toHaveLength(8);
    const stacked = Object.keys(states[7]).filter((n) => n.endsWith("lin_l.weight_mask"));
    expect(stacked.length).toBeGreaterThan(0);
    for (const s of states) {
      for (const name of stacked) {
        const mask = s[name];
        expect(mask.shape).toEqual([3, 8, 8]);
        for (let layer = 0; layer < 3; layer++) expect(ones({ ...mask, data: mask.data.slice(layer * 64, layer * 64 + 64) })).toBe(16);
        const weight = s[name.replace(/_mask$/, "")];
        expect([...weight.data].filter((x, k) => mask.data[k] === 0 && x !== 0)).toEqual([]);
      }
    }
    expect(changed(states[0][stacked[0]], states[7][stacked[0]])).toBeGreaterThan(0);
  });
});
