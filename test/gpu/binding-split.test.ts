import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { TRAIN_STEP_FUNC } from "../../compiler/train/index.js";
import type { TensorValue } from "../../compiler/ir/values.js";
import { GpuLimitError, openDevice, planTraining, type GpuDevice } from "../../runtime/gpu/index.js";
import { checkBindingLimits } from "../../runtime/gpu/binding-limits.js";
import { prepareTraining, runTraining } from "../../runtime/train/run.js";
import { unchangingInputs } from "../../runtime/train/step-inputs.js";
import type { BindingLimits, LaunchPlan, Step } from "../../compiler/plan/index.js";
import { adaptExample, csbmDeclaration, type CsbmSize } from "../../bench/sources.js";
import { compileTrain } from "../train/helpers.js";
import { useGpu } from "./helpers.js";

/**
 * Tensors over the device's binding limit are split across bindings, not refused: under a forced
 * limit of a few KiB, every example trains on a small graph exactly as it does unsplit — the same
 * losses and weights, bit for bit (the kernels compute the same sums in the same order; only where
 * they read and write is split) — and the plans show that every kind of buffer met the limit. Each
 * example runs under the smallest power-of-two limit its kernels can be split under (a kernel
 * with many large operands needs more bindings the lower the limit).
 */

const whole = useGpu();

/** Each example on a small CSBM graph (40 features, 25% nonzero: stored densely). */
const SMALL = { nodes: 400, classes: 4, features: 40, avgDegree: 10 };
const EXAMPLES: Record<string, string> = {
  ...Object.fromEntries(["cora-gcn", "cora-sage", "cora-gat", "cora-gin", "cora-sgc", "cora-gamlp", "cora-residual", "cora-revgnn"].map((name) => [name, exampleSource(name, SMALL)])),
  "cora-gcn on 2%-dense features (stored compactly, read through their pattern)": exampleSource("cora-gcn", { ...SMALL, features: 600 }),
};

function exampleSource(name: string, size: CsbmSize): string {
  return adaptExample(readFileSync(new URL(`../../examples/${name}.gnn`, import.meta.url), "utf8"), { key: "syn", declaration: csbmDeclaration(size) });
}

async function threeSteps(source: string, gpu: GpuDevice) {
  const { spec, module } = compileTrain(source);
  let state: Readonly<Record<string, TensorValue>> = {};
  const out = await runTraining(spec, module, { seed: 5, epochs: 3, gpu, onSelect: (_, s) => void (state = s) });
  if (!out.result) throw new Error(out.diagnostics.map((d) => `${d.code} ${d.message}`).join("\n"));
  return { result: out.result, state };
}

/** The training step's and the evaluation's launch plans under `limits`, with their functions. */
function plans(source: string, limits: BindingLimits) {
  const { spec, module } = compileTrain(source);
  const prepared = prepareTraining(spec, module, { target: "gpu" });
  if ("diagnostics" in prepared) throw new Error(prepared.diagnostics.map((d) => d.message).join("\n"));
  const [step, predict] = [TRAIN_STEP_FUNC, "predict"].map((name) => prepared.lowered.funcs.find((f) => f.name === name)!);
  const planned = planTraining(step, predict, { symbols: prepared.symbols, data: unchangingInputs(spec, prepared.data), limits });
  return [
    { func: step, plan: planned.step.launches },
    { func: predict, plan: planned.predict.launches },
  ];
}

/** The smallest power-of-two binding limit (from 4 KiB) under which every launch of `source` can be split. */
function smallestLimit(source: string, device: BindingLimits): BindingLimits {
  for (let bytes = 4096; bytes < device.maxBindingBytes; bytes *= 2) {
    const limits = { ...device, maxBindingBytes: bytes };
    try {
      for (const { func, plan } of plans(source, limits)) checkBindingLimits(plan, func, limits);
      return limits;
    } catch (e) {
      if (!(e instanceof GpuLimitError)) throw e;
    }
  }
  throw new Error("no limit below the device's own lets every launch split");
}

/** The ops whose launches bind a buffer in parts, and the kinds of buffer split. */
function splits(plan: LaunchPlan): { ops: Set<string>; sources: Set<string> } {
  const ops = new Set<string>();
  const sources = new Set<string>();
  const visit = (steps: readonly Step[]) => {
    for (const s of steps) {
      if (s.kind === "loop") visit(s.body);
      if (s.kind !== "dispatch") continue;
      const kernel = plan.kernels[s.kernel];
      for (const b of kernel.bindings) {
        if (!b.part) continue;
        ops.add(kernel.op);
        sources.add(b.source.kind);
      }
    }
  };
  visit(plan.steps);
  return { ops, sources };
}

describe("split bindings train exactly as whole ones", () => {
  const ops = new Set<string>();
  const sources = new Set<string>();
  for (const [name, source] of Object.entries(EXAMPLES)) {
    it(name, async (ctx) => {
      const gpu = whole(ctx);
      const limits = smallestLimit(source, gpu.bindingLimits);
      const found = splits(plans(source, limits)[0].plan);
      expect(found.ops.size, "some launch binds a buffer in parts").toBeGreaterThan(0);
      found.ops.forEach((op) => ops.add(op));
      found.sources.forEach((kind) => sources.add(kind));
      const plain = await threeSteps(source, gpu);
      const capped = await openDevice({ maxBindingBytes: limits.maxBindingBytes });
      try {
        const split = await threeSteps(source, capped);
        expect(split.result.history).toEqual(plain.result.history);
        for (const [param, value] of Object.entries(plain.state)) expect(split.state[param].data, param).toEqual(value.data);
        expect(split.result.peak_bytes).toBe(split.result.peak_bytes_predicted);
      } finally {
        capped.destroy();
      }
    }, 180_000);
  }

  it("between them, the examples split features, activations, stacked values, weights, edge arrays, feature patterns, dropout's kept views and scratch", (ctx) => {
    whole(ctx);
    // Dense and patterned matmuls, aggregation forward and backward, attention over edges, fused
    // elementwise chains, dropout, the optimizer, and per-layer values of stacks (select, scatter).
    const families = ["t.matmul", "t.matmul_epilogue", "g.spmm_epilogue", "g.spmm_t", "g.sddmm", "g.edge_softmax", "t.fused", "nn.dropout", "opt.adam_m", "t.select", "t.scatter_slice"];
    for (const op of families) expect(ops, op).toContain(op);
    expect(sources).toEqual(new Set(["input", "output", "graph", "graph_by_src", "pattern", "kept", "scratch"]));
  });
});
