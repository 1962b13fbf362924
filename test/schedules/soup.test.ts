import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { TensorValue } from "../../compiler/ir/values.js";
import { runScheduledTraining, type RunScheduleOptions } from "../../runtime/schedules/run.js";
import type { ScheduleResult } from "../../runtime/schedules/result.js";
import { expectAllClose } from "../support/allclose.js";
import { compileTrain } from "../train/helpers.js";
import { soupSource, type SoupSourceOptions } from "./soup-sources.js";
import { soupOptions, type SoupOptions } from "../../compiler/schedules/soup.js";
import { soupContext } from "../../runtime/schedules/soup-context.js";
import { trainIngredients } from "../../runtime/schedules/soup-ingredients.js";
import { learnedSoup, partitionSoup } from "../../runtime/schedules/soup-learn.js";
import { uniformSoup, type Mixed } from "../../runtime/schedules/soup-mix.js";
import { prepareTraining } from "../../runtime/train/run.js";

/**
 * The soup driver on the reference device: ingredients side by side compute what each computes
 * alone; each keeps its own selected epoch; the uniform soup is the mean; greedy souping never
 * loses validation accuracy; learned souping learns; saved ingredients mix again to the same
 * soups; the kept soup is what `onSelect` hands out. Partitions are tested in test/partition.
 */

const cache = mkdtempSync(join(tmpdir(), "gnnc-soup-cache-"));
const env = { ...process.env, GNNC_CACHE_DIR: cache };

async function soup(o: SoupSourceOptions, options: RunScheduleOptions = {}): Promise<{ result: ScheduleResult; kept?: Readonly<Record<string, TensorValue>> }> {
  const { spec, module } = compileTrain(soupSource(o), "s.gnn");
  let kept: Readonly<Record<string, TensorValue>> | undefined;
  const out = await runScheduledTraining(spec, module, { seed: 0, ...options, onSelect: (_, s) => void (kept = s), soup: { env, ...options.soup } });
  if (out.diagnostics) throw new Error(out.diagnostics.map((d) => d.message).join("\n"));
  return { result: out.result!, kept };
}

const row = (r: ScheduleResult, name: string) => r.soup!.rows.find((x) => x.name === name)!;

describe("soup ingredients", () => {
  it("side by side, each ingredient is what it is trained alone (no dropout: the same steps)", async () => {
    const base: SoupSourceOptions = { model: "gcn", modelArgs: "p = 0.0", epochs: 6, select: "last", soup: "ingredients = 3, same_init = false, method = uniform, compare = false" };
    const dir = (name: string) => mkdtempSync(join(tmpdir(), `gnnc-${name}-`));
    const together = dir("together");
    const alone = dir("alone");
    const a = await soup(base, { soup: { saveIngredients: together } });
    expect(a.result.soup!.trained!.sideBySide).toBe(true);
    // Clipping by the global norm makes them train one after another: the same arithmetic, model by model.
    const b = await soup({ ...base, optimizer: "adam(lr = 0.02, clip_norm = 1000)" }, { soup: { saveIngredients: alone } });
    expect(b.result.soup!.trained!.sideBySide).toBe(false);
    expect(b.result.soup!.trained!.note).toMatch(/trained one after another, since `opt.global_norm` \(s\.gnn:\d+\): clipping by the global norm/);
    const { loadCheckpoint } = await import("../../runtime/checkpoint/index.js");
    for (let g = 0; g < 3; g++) {
      const [x, y] = [together, alone].map((d) => loadCheckpoint(join(d, `ingredient-0${g}.safetensors`)));
      expect(x.info!.seed).toBe(g);
      for (const name of Object.keys(y.tensors).filter((n) => !n.startsWith("opt."))) expectAllClose(x.tensors[name].data as Float32Array, y.tensors[name].data as Float32Array, { rtol: 1e-4, atol: 1e-5 });
    }
  }, 240_000);

  it("differ by a listed learning rate, trained one after another (a rate of 0 leaves an ingredient at the shared initialisation)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gnnc-lr-"));
    const { result } = await soup({ epochs: 3, select: "last", soup: "ingredients = 2, ingredient_lr = [0, 0.02], method = uniform, compare = false" }, { soup: { saveIngredients: dir } });
    expect(result.soup!.trained!.note).toMatch(/since `ingredient_lr` \(s\.gnn:\d+\): each ingredient has a learning rate of its own/);
    const { loadCheckpoint } = await import("../../runtime/checkpoint/index.js");
    const [still, moved] = [0, 1].map((g) => loadCheckpoint(join(dir, `ingredient-0${g}.safetensors`)).tensors["conv1.lin.weight"].data as Float32Array);
    const { module } = compileTrain(soupSource(), "s.gnn");
    const { initParams } = await import("../../runtime/reference/index.js");
    const init = initParams(module, 0, { N: 200 })["conv1.lin.weight"].data as Float32Array;
    expect(Array.from(still)).toEqual(Array.from(init));
    expect(Array.from(moved)).not.toEqual(Array.from(init));
  }, 240_000);

  it("with `warmup = W`, every ingredient fine-tunes from one model trained W epochs, with an optimizer state of its own (side by side and one after another)", async () => {
    // No dropout and the last epoch selected: every ingredient takes the same steps, which a plain
    // run computes independently — W epochs, then E more from its parameters with a fresh optimizer.
    const W = 3;
    const E = 2;
    const { runTraining } = await import("../../runtime/train/run.js");
    const { safeTensors } = await import("../../runtime/checkpoint/checkpoint.js");
    const plain = compileTrain(soupSource({ modelArgs: "p = 0.0", epochs: W, select: "last" }).replace(/ {2}schedule {2}= soup\(.*\)\n/, ""), "p.gnn");
    let warm: Readonly<Record<string, TensorValue>> = {};
    await runTraining(plain.spec, plain.module, { seed: 0, onSelect: (_, st) => void (warm = st) });
    const restarted = Object.fromEntries(Object.entries(warm).map(([name, t]) => [name, name.startsWith("opt.") ? { ...t, data: new Float32Array(t.data.length) } : t]));
    let expected: Readonly<Record<string, TensorValue>> = {};
    await runTraining(plain.spec, plain.module, { seed: 0, epochs: E, start: { tensors: safeTensors(restarted), source: "warm", epoch: 0 }, onSelect: (_, st) => void (expected = st) });
    const { loadCheckpoint } = await import("../../runtime/checkpoint/index.js");
    for (const lrs of ["", "ingredient_lr = [0.02, 0.02], "]) {
      const dir = mkdtempSync(join(tmpdir(), "gnnc-warm-"));
      const { result } = await soup({ modelArgs: "p = 0.0", epochs: E, select: "last", soup: `ingredients = 2, warmup = ${W}, ${lrs}method = uniform, compare = false` }, { soup: { saveIngredients: dir } });
      expect(result.soup!.trained!.sideBySide).toBe(lrs === "");
      expect(result.schedule.phases[0].label).toMatch(/after 3 warm-up epochs/);
      expect(result.schedule.phases[0].visits[0].losses.length).toBeGreaterThanOrEqual(W + E);
      for (let g = 0; g < 2; g++) {
        const got = loadCheckpoint(join(dir, `ingredient-0${g}.safetensors`)).tensors;
        for (const name of ["conv1.lin.weight", "conv1.bias", "conv2.lin.weight", "conv2.bias"]) {
          expect(Array.from(got[name].data as Float32Array)).not.toEqual(Array.from(warm[name].data as Float32Array));
          expectAllClose(got[name].data as Float32Array, expected[name].data as Float32Array, { rtol: 1e-4, atol: 1e-5 });
        }
      }
    }
  }, 240_000);

  it("keeps each ingredient at its own best validation epoch, and reports best and mean", async () => {
    const { result } = await soup({ epochs: 15, soup: "ingredients = 4, method = uniform, compare = false" });
    const best = row(result, "best ingredient");
    const mean = row(result, "mean ingredient");
    expect(best.metrics.val_accuracy).toBeGreaterThanOrEqual(mean.metrics.val_accuracy);
    expect(best.metrics.val_accuracy).toBeGreaterThan(0.6); // three classes
    expect(result.schedule.phases[0].visits[0].losses).toHaveLength(15);
  }, 240_000);
});

describe("soups", () => {
  it("uniform is the ingredients' mean; greedy never loses validation accuracy; learned learns; the kept soup is saved", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gnnc-ing-"));
    const { result, kept } = await soup({ epochs: 15, soup: "ingredients = 4, method = greedy, epochs = 30, lr = 5, parts = 4, parts_per_step = 2" }, { soup: { saveIngredients: dir } });
    expect(result.soup!.rows.map((r) => r.name)).toEqual(["best ingredient", "mean ingredient", "uniform", "greedy (GIS)", "learned (LS)", "partition (PLS)"]);
    const greedy = row(result, "greedy (GIS)");
    expect(greedy.metrics.val_accuracy).toBeGreaterThanOrEqual(row(result, "best ingredient").metrics.val_accuracy);
    expect(greedy.detail).toMatch(/^kept \d/);
    const learned = result.schedule.phases.find((p) => p.phase === "mix.learned")!;
    const losses = learned.visits[0].losses;
    expect(losses).toHaveLength(30);
    expect(losses[29]).toBeLessThan(losses[0]);
    // The kept soup is greedy's, under the model's own names, its metrics the run's.
    expect(result.metrics).toEqual(greedy.metrics);
    expect(result.selected_epoch).toBe(result.schedule.phases.findIndex((p) => p.phase === "mix.greedy") + 1);
    expect(Object.keys(kept!).sort()).toEqual(["conv1.bias", "conv1.lin.weight", "conv2.bias", "conv2.lin.weight"]);
    for (const r of result.soup!.rows.slice(2)) {
      expect(r.mixMs).toBeGreaterThan(0);
      expect(r.peakBytes).toBeGreaterThan(0);
    }

    // Mixed again from the saved ingredients: the same soups, no training.
    const again = await soup({ epochs: 15, soup: "ingredients = 4, method = uniform, epochs = 30, lr = 5, parts = 4, parts_per_step = 2" }, { soup: { ingredients: dir } });
    expect(again.result.schedule.phases[0].label).toMatch(/loaded from/);
    expect(again.result.soup!.rows.map((r) => r.metrics)).toEqual(result.soup!.rows.map((r) => r.metrics));

    // The uniform soup is the mean of the ingredients, tensor by tensor.
    const { loadCheckpoint } = await import("../../runtime/checkpoint/index.js");
    const ings = [0, 1, 2, 3].map((g) => loadCheckpoint(join(dir, `ingredient-0${g}.safetensors`)).tensors);
    const w = again.kept!["conv1.lin.weight"].data as Float32Array;
    const mean = w.map((_, k) => ings.reduce((s, t) => s + (t["conv1.lin.weight"].data as Float32Array)[k], 0) / 4);
    expectAllClose(w, mean, { rtol: 1e-5, atol: 1e-6 });
  }, 300_000);

  it("a model the batching cannot take (batch norm) trains one after another; its running statistics mix with its member's weights", async () => {
    const { result, kept } = await soup({ model: "bn", epochs: 8, soup: "ingredients = 2, method = learned, compare = false, epochs = 5, lr = 5" });
    expect(result.soup!.trained!.sideBySide).toBe(false);
    expect(result.soup!.trained!.note).toMatch(/nn\.batch_norm/);
    expect(Object.keys(kept!)).toEqual(expect.arrayContaining(["bn.module.running_mean", "bn.module.running_var"]));
    expect(Number.isFinite(result.metrics.val_accuracy)).toBe(true);
  }, 240_000);

  it("of sparse ingredients (sparsify): trained one after another from shared masks, each soup projected back to each layer's kept count", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gnnc-sparse-ing-"));
    const extra = "passes    = [sparsify(density = 0.25, method = rigl, distribution = uniform, every = 2, drop = 0.5)]";
    const base = { epochs: 10, extra };
    const { result, kept } = await soup({ ...base, soup: "ingredients = 3, method = uniform, compare = false" }, { soup: { saveIngredients: dir } });
    expect(result.soup!.trained!.sideBySide).toBe(false);
    expect(result.soup!.trained!.note).toMatch(/trained one after another, since `sparsify` \(s\.gnn:\d+\): the pass rewrites the training step/);
    const { loadCheckpoint } = await import("../../runtime/checkpoint/index.js");
    const ings = [0, 1, 2].map((g) => loadCheckpoint(join(dir, `ingredient-0${g}.safetensors`)).tensors);
    const nonzeros = (d: ArrayLike<number>) => Array.from(d).filter((v) => v !== 0).length;
    // conv1 [8, 20] keeps 40 weights, conv2 [3, 8] 6, in every ingredient (at most: a weight
    // regrown at the last topology update before the selected epoch is still 0).
    for (const [name, keep] of [["conv1.lin.weight", 40], ["conv2.lin.weight", 6]] as const) {
      for (const t of ings) expect(nonzeros(t[name].data as Float32Array), name).toBeLessThanOrEqual(keep);
      // The ingredients moved their masks apart (regrowth by their own gradients), so their mean is denser ...
      const mean = Array.from(ings[0][name].data as Float32Array, (_, k) => ings.reduce((sum, t) => sum + (t[name].data as Float32Array)[k], 0) / 3);
      expect(nonzeros(mean)).toBeGreaterThan(keep);
      // ... and the uniform soup is that mean with all but its `keep` largest magnitudes zeroed.
      const order = mean.map((v, k) => ({ v: Math.abs(v), k })).sort((a, b) => b.v - a.v || a.k - b.k);
      const projected = new Float32Array(mean.length);
      for (const { k } of order.slice(0, keep)) projected[k] = mean[k];
      expectAllClose(kept![name].data as Float32Array, projected, { rtol: 1e-5, atol: 1e-6 });
    }
    // The learned soup is projected the same way, its ingredients on the device or streamed
    // (where the soup builds up under names of its own and only the finished one is projected).
    const again = { soup: { ingredients: dir } };
    const learned = await soup({ ...base, soup: "ingredients = 3, method = learned, compare = false, epochs = 5, lr = 1, offload = none" }, again);
    const streamed = await soup({ ...base, soup: "ingredients = 3, method = learned, compare = false, epochs = 5, lr = 1, offload = all" }, again);
    for (const r of [learned, streamed]) {
      expect(nonzeros(r.kept!["conv1.lin.weight"].data as Float32Array)).toBeLessThanOrEqual(40);
      expect(Number.isFinite(r.result.metrics.val_accuracy)).toBe(true);
    }
    for (const [name, t] of Object.entries(learned.kept!)) expectAllClose(streamed.kept![name].data as Float32Array, t.data as Float32Array, { rtol: 1e-5, atol: 1e-6 });
    const partition = await soup({ ...base, soup: "ingredients = 3, method = partition, compare = false, epochs = 5, lr = 1, parts = 4, parts_per_step = 2" }, again);
    expect(nonzeros(partition.kept!["conv1.lin.weight"].data as Float32Array)).toBeLessThanOrEqual(40);
  }, 240_000);

  it("refuses to resume: a soup is mixed again from saved ingredients instead", async () => {
    const { spec, module } = compileTrain(soupSource(), "s.gnn");
    await expect(runScheduledTraining(spec, module, { start: { tensors: {}, source: "x", epoch: 1 } })).rejects.toThrow(/does not resume .*\n {2}help: mix saved ingredients again with --ingredients DIR/);
  });
});

describe("streamed ingredients (offload)", () => {
  /** One context per setting of `offload`, from one compiled program (every learned function in it). */
  function contexts(model: "gcn" | "bn") {
    // Six ingredients 64 wide: the stack outweighs the streamed copies (slot, gradient, soup, its output).
    const { spec, module } = compileTrain(soupSource({ model, epochs: 6, modelArgs: "hidden = 64", soup: "ingredients = 6, same_init = false, epochs = 6, lr = 5, momentum = 0.5, parts = 4, parts_per_step = 2, offload = all" }), "s.gnn");
    const o = soupOptions(spec) as SoupOptions;
    const p = prepareTraining(spec, module, { target: "reference" });
    if ("diagnostics" in p) throw new Error(p.diagnostics.map((d) => d.message).join("\n"));
    const at = (offload: SoupOptions["offload"]) => soupContext(spec, p.lowered, p.schedule!, p.data, p.symbols, { ...o, offload }, 0);
    return { streamed: at("all"), resident: at("none") };
  }

  for (const model of ["gcn", "bn"] as const) {
    it(`learn the soup the device-resident stack learns (${model}: LS and PLS, SGD with momentum${model === "bn" ? ", running statistics by their member's rows" : ""}), holding one ingredient, not six`, async () => {
      const c = contexts(model);
      const { tensors } = await trainIngredients(c.resident);
      const pairs: [Mixed, Mixed][] = [
        [await learnedSoup(c.resident, tensors), await learnedSoup(c.streamed, tensors)],
        [await partitionSoup(c.resident, tensors, env), await partitionSoup(c.streamed, tensors, env)],
      ];
      for (const [resident, streamed] of pairs) {
        expect(streamed.losses).toHaveLength(6);
        expectAllClose(streamed.losses!, resident.losses!, { rtol: 1e-5, atol: 1e-6 });
        expect(Object.keys(streamed.soup).sort()).toEqual(Object.keys(resident.soup).sort());
        for (const [name, t] of Object.entries(resident.soup)) expectAllClose(streamed.soup[name].data as Float32Array, t.data as Float32Array, { rtol: 1e-5, atol: 1e-6 });
        expect(streamed.detail!.replace(", cached", "")).toEqual(resident.detail!.replace(", cached", "")); // β to three digits, the partition
        // The stack of six ingredients against a slot, a gradient, the soup and its output.
        expect(streamed.peakBytes).toBeLessThan(resident.peakBytes);
      }
      // The learned rows moved away from the uniform soup's.
      const uniform = await uniformSoup(c.resident, tensors);
      const moved = (uniform.soup["conv.lin.weight"] ?? uniform.soup["conv1.lin.weight"]).data as Float32Array;
      const learned = (pairs[0][1].soup["conv.lin.weight"] ?? pairs[0][1].soup["conv1.lin.weight"]).data as Float32Array;
      expect(Math.max(...learned.map((v, k) => Math.abs(v - moved[k])))).toBeGreaterThan(1e-4);
    }, 240_000);
  }

  it("by default only partition souping streams; `offload = none` keeps every stack on the device", () => {
    const plan = (soup: string) => {
      const { spec, module } = compileTrain(soupSource({ soup }), "s.gnn");
      const p = prepareTraining(spec, module, { target: "reference" });
      if ("diagnostics" in p) throw new Error(p.diagnostics.map((d) => d.message).join("\n"));
      return Object.fromEntries(p.schedule!.phases.slice(1).map((p) => [p.name, p.steps.map((s) => (s.kind === "run" ? s.func : s.kind))]));
    };
    const byDefault = plan("ingredients = 3, epochs = 4, parts = 4, parts_per_step = 2");
    expect(byDefault["mix.learned"]).toEqual(["soup.step", "mix.learned"]);
    expect(byDefault["mix.partition"]).toEqual(["soup.stream.mix", "soup.stream.step", "soup.stream.dot", "soup.stream.logits", "soup.stream.out"]);
    expect(plan("ingredients = 3, epochs = 4, parts = 4, parts_per_step = 2, offload = none")["mix.partition"]).toEqual(["soup.step", "mix.learned"]);
    expect(plan("ingredients = 3, epochs = 4, parts = 4, parts_per_step = 2, offload = all")["mix.learned"]).toEqual(["soup.stream.mix", "soup.stream.step", "soup.stream.dot", "soup.stream.logits", "soup.stream.out"]);
  });
});

describe("saved ingredients that do not fit", () => {
  it("names the tensor and both shapes, or the count", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gnnc-ing-"));
    await soup({ epochs: 2, soup: "ingredients = 2, method = uniform, compare = false" }, { soup: { saveIngredients: dir } });
    const wider = soup({ epochs: 2, modelArgs: "hidden = 12", soup: "ingredients = 2, method = uniform, compare = false" }, { soup: { ingredients: dir } });
    await expect(wider).rejects.toThrow(/ingredient-00\.safetensors.*tensor `conv1\.lin\.weight` has shape \[8, 20\], but the model expects \[12, 20\]/s);
    const other = soup({ epochs: 2, model: "sage", soup: "ingredients = 2, method = uniform, compare = false" }, { soup: { ingredients: dir } });
    await expect(other).rejects.toThrow(/no tensor `conv1\.lin_l\.weight`/);
    const more = soup({ epochs: 2, soup: "ingredients = 3, method = uniform, compare = false" }, { soup: { ingredients: dir } });
    await expect(more).rejects.toThrow(/holds 2 ingredient files, but `soup` mixes 3/);
  }, 240_000);
});
