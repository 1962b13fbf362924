import { describe, expect, it } from "vitest";
import { compile } from "../../compiler/index.js";
import { TRAIN_STEP_FUNC } from "../../compiler/train/index.js";
import { DEFAULT_BINDING_LIMIT } from "../../compiler/frontend/tensor-sizes.js";
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
 * Buffers over the device's binding limit are refused before anything is allocated, naming the
 * model tensor, its bytes, the limit and the `.gnn` line (not Dawn's validation text mid-run).
 */

/** A GCN whose conv1.lin.weight is f32[hidden, 40000]; the features are 2% dense, stored compactly. */
const wide = (hidden: number) => gcnSource({ nodes: 200 }).replace("features = 24", "features = 40000").replace("hidden: int = 16", `hidden: int = ${hidden}`);
/** conv1.lin.weight is f32[1000, 40000]: 160,000,000 bytes, over WebGPU's default 128 MiB. */
const BIG = wide(1000);

/** The step's and the evaluation's GPU plans, as `gnnc compile` makes them, with what loading them needs. */
function plans(source: string, options: Parameters<typeof compile>[1] = { file: "big.gnn" }) {
  const r = compile(source, options);
  if (!r.program) throw new Error(r.diagnostics.map((d) => d.message).join("\n"));
  const [spec, module] = [r.program.trains[0], r.program.modules[0]];
  const prepared = prepareTraining(spec, module, { target: "gpu", data: { dataDir: SHARED_DATA_DIR, env: {} } });
  if ("diagnostics" in prepared) throw new Error(prepared.diagnostics.map((d) => d.message).join("\n"));
  const [step, predict] = [TRAIN_STEP_FUNC, "predict"].map((name) => prepared.lowered.funcs.find((f) => f.name === name)!);
  const load = { symbols: prepared.symbols, data: unchangingInputs(spec, prepared.data) };
  const planned = planTraining(step, predict, load);
  return [
    { func: step, schedule: planned.step.launches, plan: planned.step, load },
    { func: predict, schedule: planned.predict.launches, plan: planned.predict, load },
  ];
}

describe("binding limits, checked before allocating (no GPU needed)", () => {
  it("names the parameter, its bytes, the limit and the .gnn line", () => {
    const [step] = plans(BIG);
    const error = (() => {
      try {
        checkBindingLimits(step.schedule, step.func, DEFAULT_BINDING_LIMIT);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(GpuLimitError);
    const message = (error as Error).message;
    const line = BIG.split("\n").findIndex((l) => l.includes("conv1 = GCNConv")) + 1;
    expect(message).toContain("this GPU allows at most 128.0 MiB (134,217,728 bytes) per storage binding (maxStorageBufferBindingSize)");
    expect(message).toContain(`parameter \`conv1.lin.weight\` f32[1000,40000] needs 152.6 MiB (160,000,000 bytes) (big.gnn:${line}:`);
    expect(message).toContain("parameter `opt.m.conv1.lin.weight`");
    // Under a limit above every buffer, the same plan passes.
    expect(() => checkBindingLimits(step.schedule, step.func, 2 ** 30)).not.toThrow();
  });

  it("counts the parameter pack against maxBufferSize", () => {
    expect(() => checkPackLimit(5 * 2 ** 30, 2 ** 32 - 1)).toThrow("the parameters and optimizer states together need 5120.0 MiB");
    expect(() => checkPackLimit(2 ** 20, 2 ** 32 - 1)).not.toThrow();
  });

  it.skipIf(!HAVE_SHARED_DATA)("does not refuse what trains today: Coauthor CS's GCN (compact features) fits the default limit", () => {
    const source = gcnSource().replace(/dataset syn = synthetic\.csbm\([^)]*\)/s, 'dataset syn = load("coauthor_cs")');
    const planned = plans(source, { file: "cs.gnn", datasets: datasetResolver([SHARED_DATA_DIR]) });
    expect(planned[0].schedule.compact).toEqual(["x"]); // 18,333 × 6,805 features: 499 MB dense
    for (const { schedule, func } of planned) expect(() => checkBindingLimits(schedule, func, DEFAULT_BINDING_LIMIT)).not.toThrow();
  }, 60_000);
});

const gpuOf = useGpu();

describe("binding limits on the device", () => {
  it("loading refuses, before allocating anything, a parameter over the device's own limit", async (ctx) => {
    const gpu = gpuOf(ctx);
    const limit = gpu.limits.maxStorageBufferBindingSize;
    const hidden = Math.floor(limit / (4 * 40000)) + 1; // one row more than the limit holds
    const [step] = plans(wide(hidden));
    const store = new BufferStore(gpu);
    const load = loadFunction(gpu, step.func, { ...step.load, store, plan: step.plan });
    await expect(load).rejects.toThrow(GpuLimitError);
    await expect(load).rejects.toThrow(`parameter \`conv1.lin.weight\` f32[${hidden},40000] needs`);
    await expect(load).rejects.toThrow(`${limit.toLocaleString("en-US")} bytes) per storage binding`);
    expect(store.buffers.size).toBe(0);
    gpu.checkErrors(); // nothing was half-made on the device
  }, 120_000);

  it("gnnc train says so before its first epoch, naming the tensor, its bytes, the limit and the .gnn line", async (ctx) => {
    const limit = gpuOf(ctx).limits.maxStorageBufferBindingSize;
    // Training initialises the weights on the host first: exceed only a limit that is cheap to exceed.
    if (limit > 256 * 2 ** 20) ctx.skip(`this device binds ${limit} bytes; a weight over that is too large to initialise here`);
    const hidden = Math.floor(limit / (4 * 40000)) + 1;
    const r = await runCli(["train", "big.gnn", "--device", "gpu", "--quiet"], { "big.gnn": wide(hidden) });
    const line = BIG.split("\n").findIndex((l) => l.includes("conv1 = GCNConv")) + 1;
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("error: training on the GPU is not possible: this GPU allows at most");
    expect(r.stderr).toContain(`parameter \`conv1.lin.weight\` f32[${hidden},40000] needs`);
    expect(r.stderr).toContain(`(big.gnn:${line}:`);
    expect(r.stderr).toContain("help: train on the reference device with --device reference");
    expect(r.stderr).not.toContain("validation error");
    expect(r.stdout).toBe("");
  }, 120_000);
});
