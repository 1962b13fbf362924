import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import type { TensorValue } from "../../compiler/ir/values.js";
import { ingredientEntry } from "../../compiler/schedules/soup-names.js";
import { checkWritable, createFolder, isOptimizerState, loadCheckpoint, matchParams, saveCheckpoint } from "../checkpoint/index.js";
import type { Selected } from "../train/selection.js";
import type { SoupContext } from "./soup-context.js";
import { stack, unstack } from "./soup-tensors.js";

/**
 * Ingredients on disk: one plain checkpoint per ingredient (`ingredient-00.safetensors`, …, the
 * model's tensors by name, as `gnnc train --save` writes them, so each also works with `gnnc
 * predict`), so that a soup can be mixed again without training. Loading checks every file
 * against the model — names and shapes — and refuses a folder that holds another count.
 */

export class SoupError extends Error {
  constructor(
    message: string,
    readonly help: string,
  ) {
    super(message);
    this.name = "SoupError";
  }
}

const FILE = /^ingredient-(\d+)\.safetensors$/;

export const ingredientFile = (dir: string, g: number) => join(dir, `ingredient-${String(g).padStart(2, "0")}.safetensors`);

/** Check, before any training, that every ingredient file can be written. */
export function checkIngredientsWritable(dir: string, count: number): void {
  createFolder(dir);
  for (let g = 0; g < count; g++) checkWritable(ingredientFile(dir, g));
}

export function saveIngredients(c: SoupContext, dir: string, tensors: Readonly<Record<string, TensorValue>>, selected: readonly Selected[]): void {
  createFolder(dir);
  const select = c.spec.select.kind === "best" ? `${c.spec.select.split}_${c.spec.select.metric}` : undefined;
  selected.forEach((s, g) => {
    const state = Object.fromEntries(c.model.map((p) => [p.name, unstack(tensors[ingredientEntry(p.name)], g)]));
    const info = { run: c.spec.name, module: c.module.name, dataset: c.spec.data.name, epoch: s.epoch, seed: c.seed + g, select, metrics: s.metrics };
    saveCheckpoint(ingredientFile(dir, g), state, info);
  });
}

/** The ingredients saved in `dir`, checked against the model, stacked as the mixes read them, and each one's saved selection. */
export function loadIngredients(c: SoupContext, dir: string): { tensors: Record<string, TensorValue>; selected: Selected[] } {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new SoupError(`--ingredients: \`${dir}\` is not a folder`, "give the folder that `gnnc train --save-ingredients DIR` wrote");
  }
  const files = readdirSync(dir)
    .filter((f) => FILE.test(f))
    .sort();
  const G = c.options.ingredients;
  if (files.length !== G) {
    throw new SoupError(`--ingredients: \`${dir}\` holds ${files.length} ingredient file${files.length === 1 ? "" : "s"}, but \`${c.spec.name}\` mixes ${G}`, `set \`ingredients = ${files.length}\`, or save ${G} ingredients there with --save-ingredients`);
  }
  const modelOnly = { ...c.module, params: c.model };
  const states: Record<string, TensorValue>[] = [];
  const selected: Selected[] = [];
  for (const f of files) {
    const ckpt = loadCheckpoint(join(dir, f));
    states.push(matchParams(modelOnly, c.symbols, ckpt.tensors, ckpt.path, { ignore: isOptimizerState }));
    selected.push({ epoch: ckpt.info?.epoch ?? 0, metrics: ckpt.info?.metrics ?? {} });
  }
  return { tensors: Object.fromEntries(c.model.map((p) => [ingredientEntry(p.name), stack(states.map((s) => s[p.name]))])), selected };
}
