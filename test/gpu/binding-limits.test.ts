import { describe, expect, it } from "vitest";
import { compile } from "../../compiler/index.js";
import { TRAIN_STEP_FUNC } from "../../compiler/train/index.js";
import { DEFAULT_BINDING_LIMITS, type BindingLimits } from "../../compiler/plan/index.js";
import { checkBindingLimits, checkPackLimit } from "../../runtime/gpu/binding-limits.js";
import { BufferStore, GpuLimitError, loadFunction, planTraining } from "../../runtime/gpu/index.js";
import { datasetResolver } from "../../runtime/data/index.js";
import { prepareTraining } from "../../runtime/train/run.js";
import { unchangingInputs } from "../../runtime/train/step-inputs.js";
import { HAVE_SHARED_DATA, SHARED_DATA_DIR } from "../runtime/data/helpers.js";
import { gcnSource } from "../train/helpers.js";
import { runCli } from "../cli/harness.js";
import { useGpu } from "./helpers.js";

/**
 * Buffers over the device's binding limit are split across bindings; what cannot be split (its
 * kernel would need more storage bindings than the device allows) is refused before anything is
 * allocated, naming the model tensor, its bytes, the limit, the `.gnn` line and the kernel (not
 * Dawn's validation text mid-run). Exact training under split bindings: binding-split.test.ts.
 */

/** A GCN whose conv1.lin.weight is f32[hidden, 40000]; the features are 2% dense, stored compactly. */
const wide = (hidden: number) => gcnSource({ nodes: 200 }).replace("features = 24", "features = 40000").replace("hidden: int = 16", `hidden: int = ${hidden}`);

/** The step's and the evaluation's GPU plans for `limits`, with what loading them needs. */
function plans(source: string, limits: BindingLimits, options: Parameters<typeof compile>[1] = { file: "big.gnn" }) {
  const r = compile(source, options);
  if (!r.program) throw new Error(r.diagnostics.map((d) => d.message).join("\n"));
  const [spec, module] = [r.program.trains[0], r.program.modules[0]];
  const prepared = prepareTraining(spec, module, { target: "gpu", data: { dataDir: SHARED_DATA_DIR, env: {} } });
  if ("diagnostics" in prepared) throw new Error(prepared.diagnostics.map((d) => d.message).join("\n"));
  const [step, predict] = [TRAIN_STEP_FUNC, "predict"].map((name) => prepared.lowered.funcs.find((f) => f.name === name)!);
  const load = { symbols: prepared.symbols, data: unchangingInputs(spec, prepared.data) };
  const planned = planTraining(step, predict, { ...load, limits });
  return [
    { func: step, schedule: planned.step.launches, plan: planned.step, load },
    { func: predict, schedule: planned.predict.launches, plan: planned.predict, load },
  ];
}

/** A limit of 64 KiB with WebGPU's default 8 storage bindings per kernel: the 2.56 MB weight of wide(16) would need 40 parts. */
const TIGHT: BindingLimits = { ...DEFAULT_BINDING_LIMITS, maxBindingBytes: 64 * 1024 };

describe("binding limits, checked before allocating (no GPU needed)", () => {
  it("splits a tensor over the limit when its kernels can bind the parts", () => {
    const limits = { ...DEFAULT_BINDING_LIMITS, maxBindingBytes: 2 * 2 ** 20, maxStorageBindings: 16 };
    const [step] = plans(wide(16), limits);
    expect(() => checkBindingLimits(step.schedule, step.func, limits)).not.toThrow();
    const split = step.schedule.kernels.filter((k) => k.bindings.some((b) => b.part));
    expect(split.map((k) => k.op)).toContain("t.matmul"); // the 2.56 MB weight, in two parts
    for (const k of split) for (const b of k.bindings) if (b.part) expect(b.part.bytes).toBeLessThanOrEqual(limits.maxBindingBytes);
  });

  it("refuses what cannot be split, naming the parameter, its bytes, the limit, the .gnn line and the kernel", () => {
    const source = wide(16);
    const [step] = plans(source, TIGHT);
    const error = (() => {
      try {
        checkBindingLimits(step.schedule, step.func, TIGHT);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(GpuLimitError);
    const message = (error as Error).message;
    const line = source.split("\n").findIndex((l) => l.includes("conv1 = GCNConv")) + 1;
    expect(message).toContain("this GPU allows at most 0.1 MiB (65,536 bytes) per storage binding (maxStorageBufferBindingSize)");
    expect(message).toMatch(new RegExp(`parameter \`conv1.lin.weight\` f32\\[16,40000\\] needs 2.4 MiB \\(2,560,000 bytes\\) \\(big.gnn:${line}:\\d+\\); split across bindings, kernel \`\\w+\` would declare \\d+ storage bindings, and this GPU allows 8 \\(maxStorageBuffersPerShaderStage\\)`));
    expect(message).toMatch(/… and \d+ more$/); // the Adam states of the weight, its gradient, …
    // Under a limit above every buffer, the same plan passes.
    const roomy = { ...TIGHT, maxBindingBytes: 2 ** 30 };
    expect(() => checkBindingLimits(plans(source, roomy)[0].schedule, step.func, roomy)).not.toThrow();
  });

  it("counts the parameter pack against maxBufferSize", () => {
    expect(() => checkPackLimit(5 * 2 ** 30, 2 ** 32 - 1)).toThrow("the parameters and optimizer states together need 5120.0 MiB");
    expect(() => checkPackLimit(2 ** 20, 2 ** 32 - 1)).not.toThrow();
  });

  it.skipIf(!HAVE_SHARED_DATA)("Coauthor CS's GCN (compact features) binds every buffer whole under the default limit", () => {
    const source = gcnSource().replace(/dataset syn = synthetic\.csbm\([^)]*\)/s, 'dataset syn = load("coauthor_cs")');
    const planned = plans(source, DEFAULT_BINDING_LIMITS, { file: "cs.gnn", datasets: datasetResolver([SHARED_DATA_DIR]) });
    expect(planned[0].schedule.compact).toEqual(["x"]); // 18,333 × 6,805 features: 499 MB dense
    for (const { schedule, func } of planned) {
      expect(() => checkBindingLimits(schedule, func, DEFAULT_BINDING_LIMITS)).not.toThrow();
      expect(schedule.kernels.some((k) => k.bindings.some((b) => b.part))).toBe(false);
    }
  }, 60_000);
});

const gpuOf = useGpu({ maxBindingBytes: TIGHT.maxBindingBytes });

describe("binding limits on the device", () => {
  it("loading refuses, before allocating anything, a tensor its kernels cannot bind in parts", async (ctx) => {
    const gpu = gpuOf(ctx);
    const [step] = plans(wide(16), gpu.bindingLimits);
    const store = new BufferStore(gpu);
    const load = loadFunction(gpu, step.func, { ...step.load, store, plan: step.plan });
    await expect(load).rejects.toThrow(GpuLimitError);
    await expect(load).rejects.toThrow("parameter `conv1.lin.weight` f32[16,40000] needs");
    await expect(load).rejects.toThrow(`(65,536 bytes) per storage binding`);
    expect(store.buffers.size).toBe(0);
    gpu.checkErrors(); // nothing was half-made on the device
  }, 120_000);

  it("gnnc train says so before its first epoch, naming the tensor, its bytes, the limit and the .gnn line", async (ctx) => {
    gpuOf(ctx);
    const source = wide(16);
    const r = await runCli(["train", "big.gnn", "--device", "gpu", "--quiet"], { "big.gnn": source }, { GNNC_MAX_BINDING_BYTES: "65536" });
    const line = source.split("\n").findIndex((l) => l.includes("conv1 = GCNConv")) + 1;
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("error: training on the GPU is not possible: this GPU allows at most 0.1 MiB (65,536 bytes) per storage binding");
    expect(r.stderr).toContain("parameter `conv1.lin.weight` f32[16,40000] needs");
    expect(r.stderr).toContain(`(big.gnn:${line}:`);
    expect(r.stderr).toContain("help: train on the reference device with --device reference");
    expect(r.stderr).not.toContain("validation error");
    expect(r.stdout).toBe("");
  }, 120_000);

  it("gnnc train refuses a GNNC_MAX_BINDING_BYTES that is not a byte count", async () => {
    const r = await runCli(["train", "big.gnn", "--device", "gpu", "--quiet"], { "big.gnn": wide(16) }, { GNNC_MAX_BINDING_BYTES: "64k" });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('GNNC_MAX_BINDING_BYTES must be a positive integer (bytes), got "64k"');
  });
});
