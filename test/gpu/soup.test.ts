import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { TensorValue } from "../../compiler/ir/values.js";
import { soupOptions, type SoupOptions } from "../../compiler/schedules/soup.js";
import type { GpuDevice } from "../../runtime/gpu/index.js";
import { soupContext } from "../../runtime/schedules/soup-context.js";
import { trainIngredients } from "../../runtime/schedules/soup-ingredients.js";
import { learnedSoup, partitionSoup } from "../../runtime/schedules/soup-learn.js";
import { greedySoup, uniformSoup, type Mixed } from "../../runtime/schedules/soup-mix.js";
import { prepareTraining } from "../../runtime/train/run.js";
import { compileTrain } from "../train/helpers.js";
import { expectAllClose } from "../support/allclose.js";
import { soupSource } from "../schedules/soup-sources.js";
import { useGpu } from "./helpers.js";

/**
 * The soups on the GPU and on the reference device, from the same ingredients: the same weights
 * up to f32 rounding for the uniform soup, greedy souping (the same decisions) and five steps of
 * learned souping; partition souping's subgraphs replace the GPU runner's data in place.
 */
const gpuOf = useGpu();

function contexts(gpu: GpuDevice, source = soupSource({ model: "sage", soup: "ingredients = 3, epochs = 5, lr = 5, parts = 4, parts_per_step = 2" })) {
  const { spec, module } = compileTrain(source, "s.gnn");
  const o = soupOptions(spec) as SoupOptions;
  const at = (target: "reference" | "gpu") => {
    const p = prepareTraining(spec, module, { target });
    if ("diagnostics" in p) throw new Error(p.diagnostics.map((d) => d.message).join("\n"));
    return soupContext(spec, p.lowered, p.schedule!, p.data, p.symbols, o, 0, target === "gpu" ? gpu : undefined);
  };
  return { reference: at("reference"), gpu: at("gpu") };
}

function expectSameSoup(a: Mixed, b: Mixed): void {
  expect(Object.keys(b.soup).sort()).toEqual(Object.keys(a.soup).sort());
  for (const [name, t] of Object.entries(a.soup)) expectAllClose(b.soup[name].data as Float32Array, t.data as Float32Array, { rtol: 1e-4, atol: 1e-5 });
}

describe("soups on the GPU", () => {
  it("train ingredients side by side as the reference device does (group matmuls, the wide patterned products)", async (ctx) => {
    const c = contexts(gpuOf(ctx), soupSource({ model: "gcn", modelArgs: "p = 0.0", epochs: 4, select: "last", soup: "ingredients = 3, same_init = false" }));
    const [r, g] = [await trainIngredients(c.reference), await trainIngredients(c.gpu)];
    expect(g.sideBySide && r.sideBySide).toBe(true);
    expectAllClose(g.losses, r.losses, { rtol: 1e-4, atol: 1e-5 });
    for (const [name, t] of Object.entries(r.tensors)) expectAllClose(g.tensors[name].data as Float32Array, t.data as Float32Array, { rtol: 1e-3, atol: 1e-5 });
  }, 600_000);

  it("give the reference device's weights: uniform, greedy (the same choices) and five learned steps", async (ctx) => {
    const c = contexts(gpuOf(ctx));
    const { tensors } = await trainIngredients(c.reference);
    const ingredients: Readonly<Record<string, TensorValue>> = tensors;
    expectSameSoup(await uniformSoup(c.reference, ingredients), await uniformSoup(c.gpu, ingredients));
    const scores = [0.5, 0.7, 0.6];
    const [gr, gg] = [await greedySoup(c.reference, ingredients, scores), await greedySoup(c.gpu, ingredients, scores)];
    expect(gg.weights).toEqual(gr.weights);
    expectSameSoup(gr, gg);
    const [lr, lg] = [await learnedSoup(c.reference, ingredients), await learnedSoup(c.gpu, ingredients)];
    expect(lr.losses).toHaveLength(5);
    expectAllClose(lg.losses!, lr.losses!, { rtol: 1e-4, atol: 1e-5 });
    expectSameSoup(lr, lg);
  }, 600_000);

  it("partition souping: each step's subgraph replaces the runner's data, as on the reference device (the stack on the device)", async (ctx) => {
    const c = contexts(gpuOf(ctx), soupSource({ model: "sage", soup: "ingredients = 3, epochs = 5, lr = 5, parts = 4, parts_per_step = 2, offload = none" }));
    const { tensors } = await trainIngredients(c.reference);
    const env = { ...process.env, GNNC_CACHE_DIR: mkdtempSync(join(tmpdir(), "gnnc-soup-gpu-")) };
    const [r, g] = [await partitionSoup(c.reference, tensors, env), await partitionSoup(c.gpu, tensors, env)];
    expect(g.partition.part).toEqual(r.partition.part);
    expectAllClose(g.losses!, r.losses!, { rtol: 1e-4, atol: 1e-5 });
    expectSameSoup(r, g);
  }, 600_000);

  it("streamed ingredients (offload): learned and partition souping give the reference device's soups", async (ctx) => {
    const c = contexts(gpuOf(ctx), soupSource({ model: "sage", soup: "ingredients = 3, epochs = 5, lr = 5, parts = 4, parts_per_step = 2, offload = all" }));
    const { tensors } = await trainIngredients(c.reference);
    const env = { ...process.env, GNNC_CACHE_DIR: mkdtempSync(join(tmpdir(), "gnnc-soup-gpu-")) };
    const [lr, lg] = [await learnedSoup(c.reference, tensors), await learnedSoup(c.gpu, tensors)];
    expectAllClose(lg.losses!, lr.losses!, { rtol: 1e-4, atol: 1e-5 });
    expectSameSoup(lr, lg);
    const [pr, pg] = [await partitionSoup(c.reference, tensors, env), await partitionSoup(c.gpu, tensors, env)];
    expectAllClose(pg.losses!, pr.losses!, { rtol: 1e-4, atol: 1e-5 });
    expectSameSoup(pr, pg);
  }, 600_000);
});
