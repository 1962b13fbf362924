import { foldKey, keyFromSeed } from "../../compiler/ir/rng.js";
import { stepPlanOf } from "../../compiler/ir/step-plan.js";
import { STATE_KINDS, stateName } from "../../compiler/ir/training.js";
import type { Module } from "../../compiler/ir/types.js";
import type { TensorValue, Value } from "../../compiler/ir/values.js";
import { batchedOptimizer } from "../../compiler/schedules/soup-funcs.js";
import { batchEntry, IMPROVED_INPUT, ingredientEntry, SOUP_FUNCS } from "../../compiler/schedules/soup-names.js";
import { sideBySide } from "../../compiler/schedules/soup.js";
import { LOSS_RESULT, lrInputs, OUTPUT_RESULT, PREDICT_FUNC, STEP_INPUT, TRAIN_STEP_FUNC } from "../../compiler/train/index.js";
import { safeTensors } from "../checkpoint/checkpoint.js";
import { initParams } from "../reference/index.js";
import { openRunner } from "../runner/open.js";
import { metricValue } from "../train/evaluate.js";
import { lrAt } from "../train/lr-schedule.js";
import { metricKey, type Metrics } from "../train/metrics-keys.js";
import { Selection, type Selected } from "../train/selection.js";
import { stepInputs, unchangingInputs } from "../train/step-inputs.js";
import { train } from "../train/trainer.js";
import { entriesOf, openPart, peakOf, type SoupContext } from "./soup-context.js";
import { columnsOf, stack } from "./soup-tensors.js";

/**
 * Training a soup's ingredients: all from one initialisation (the run's seed; with `warmup = W`,
 * from one model trained W epochs from it) or ingredient i from seed + i (`same_init = false`),
 * dropout drawn per ingredient, each selected at its own
 * best evaluation by the block's `select` (and stopped by its `patience`). Side by side they are
 * one program: every step trains all of them (one dropout key per step, masks differing per
 * ingredient), every evaluation predicts all of them, and `ingredients.keep` copies, on the
 * device, those whose selection improved. Otherwise they train one after another, each as a
 * plain run of the block.
 */

export interface TrainedIngredients {
  /** `ingredients.<p>`: each ingredient's tensors at its selected epoch, stacked [G, …]. */
  tensors: Record<string, TensorValue>;
  /** Each ingredient's selected epoch and its metrics there. */
  selected: Selected[];
  /** Every step's loss (side by side: the sum over ingredients; one after another: each run's in turn). */
  losses: number[];
  ms: number;
  peakBytes: number;
  sideBySide: boolean;
}

export interface IngredientProgress {
  epoch: number;
  epochs: number;
  /** An epoch of the warm-up model's training, before the ingredients split. */
  warmup?: boolean;
  /** The ingredient being trained, when they train one after another. */
  ingredient?: number;
  loss: number;
}

const scalar = (v: number): TensorValue => ({ kind: "tensor", dtype: "f32", shape: [], data: Float32Array.of(v) });

export async function trainIngredients(c: SoupContext, onProgress?: (p: IngredientProgress) => void): Promise<TrainedIngredients> {
  return sideBySide(c.program) ? trainSideBySide(c, onProgress) : trainOneAfterAnother(c, onProgress);
}

async function trainSideBySide(c: SoupContext, onProgress?: (p: IngredientProgress) => void): Promise<TrainedIngredients> {
  const started = performance.now();
  const G = c.options.ingredients;
  const losses: number[] = [];
  const warm = c.options.warmup > 0 ? await warmedUp(c, plainModule(c), losses, onProgress) : undefined;
  const modelOnly = { ...c.module, params: c.model };
  const inits = Array.from({ length: G }, (_, i) => warm ?? initParams(modelOnly, c.options.same_init ? c.seed : c.seed + i, c.symbols));
  const given: Record<string, TensorValue> = {};
  for (const p of c.model) {
    const stacked = stack(inits.map((s) => s[p.name]));
    given[batchEntry(p.name)] = stacked;
    given[ingredientEntry(p.name)] = stacked;
  }
  const runner = await openPart(c, [SOUP_FUNCS.step, SOUP_FUNCS.predict, SOUP_FUNCS.keep], { data: unchangingInputs(c.spec, c.data), given });
  try {
    const epochs = c.spec.epochs!;
    const evalEvery = c.spec.evalEvery ?? 1;
    const root = keyFromSeed(c.seed);
    const rates = lrInputs(batchedOptimizer(c.spec.optimizer!));
    const selections = Array.from({ length: G }, () => new Selection(c.spec.select, c.spec.patience));
    const stopped = new Array<boolean>(G).fill(false);
    for (let e = 0; e < epochs; e++) {
      const inputs: Record<string, Value> = { rng: { kind: "rng", key: foldKey(root, e) }, [STEP_INPUT]: scalar(e + 1) };
      for (const r of rates) inputs[r.name] = scalar(lrAt(c.spec.lrSchedule, r.baseLr, e));
      await runner.run(SOUP_FUNCS.step, inputs, { log: LOSS_RESULT });
      if ((e + 1) % evalEvery !== 0 && e !== epochs - 1) continue;
      const logged = await runner.logged();
      losses.push(...logged);
      onProgress?.({ epoch: e + 1, epochs, loss: logged[logged.length - 1] });
      await runner.run(SOUP_FUNCS.predict, { rng: c.rng });
      const wide = await runner.read(SOUP_FUNCS.predict, OUTPUT_RESULT);
      const improved = new Float32Array(G);
      for (let g = 0; g < G; g++) {
        if (stopped[g]) continue;
        const offer = selections[g].offer(e + 1, measure(c, columnsOf(wide, g, G)));
        improved[g] = offer.chosen ? 1 : 0;
        stopped[g] = offer.stop;
      }
      if (improved.some((x) => x === 1)) await runner.run(SOUP_FUNCS.keep, { [IMPROVED_INPUT]: { kind: "tensor", dtype: "f32", shape: [G], data: improved } });
      if (stopped.every(Boolean)) break;
    }
    const tensors = await runner.state(c.model.map((p) => ingredientEntry(p.name)));
    return { tensors, selected: selections.map((s) => s.selected!), losses, ms: performance.now() - started, peakBytes: peakOf(runner), sideBySide: true };
  } finally {
    runner.destroy();
  }
}

async function trainOneAfterAnother(c: SoupContext, onProgress?: (p: IngredientProgress) => void): Promise<TrainedIngredients> {
  const started = performance.now();
  const G = c.options.ingredients;
  const module = plainModule(c);
  const states: Record<string, TensorValue>[] = [];
  const selected: Selected[] = [];
  const losses: number[] = [];
  let peakBytes = 0;
  // One initialisation (or warm-up model) for all: each run starts from it as from a checkpoint at epoch 0.
  const warm = c.options.warmup > 0 ? await warmedUp(c, module, losses, onProgress) : undefined;
  const shared = c.options.same_init ? (warm ?? (await initialised(c, module))) : undefined;
  const start = shared && { tensors: safeTensors(shared), source: "the shared initialisation", epoch: 0 };
  for (let g = 0; g < G; g++) {
    let state: Readonly<Record<string, TensorValue>> | undefined;
    const lr = c.options.ingredient_lr?.[g];
    const optimizer = c.spec.optimizer!; // soups train with the block's optimizer
    const spec = lr === undefined ? c.spec : { ...c.spec, optimizer: { ...optimizer, options: { ...optimizer.options, lr } } };
    const r = await train(module, spec, c.data, {
      seed: c.seed + g,
      ...(start ? { start } : {}),
      evalEvery: c.spec.evalEvery,
      patience: c.spec.patience,
      gpu: c.gpu,
      onEpoch: (p) => {
        losses.push(p.loss);
        onProgress?.({ epoch: p.epoch, epochs: p.epochs, ingredient: g, loss: p.loss });
      },
      onSelect: (_, s) => void (state = s),
    });
    states.push(state!);
    selected.push({ epoch: r.selected_epoch, metrics: r.metrics });
    peakBytes = Math.max(peakBytes, r.peak_bytes);
  }
  const tensors = Object.fromEntries(c.model.map((p) => [ingredientEntry(p.name), stack(states.map((s) => s[p.name]))]));
  return { tensors, selected, losses, ms: performance.now() - started, peakBytes, sideBySide: false };
}

/**
 * The block's training as a plain run would have it: its step, predict, and whatever its step
 * plan runs (a sparsify pass's topology updates), with the state those read and write.
 */
function plainModule(c: SoupContext): Module {
  const plan = stepPlanOf(c.module);
  const planned = new Set([TRAIN_STEP_FUNC, PREDICT_FUNC, ...plan.init, ...plan.rules.map((r) => r.func)]);
  const funcs = c.module.funcs.filter((f) => planned.has(f.name));
  const kept = entriesOf(c.module, funcs.map((f) => f.name));
  return { ...c.module, funcs, params: c.module.params.filter((p) => c.model.includes(p) || kept.has(p.name)) };
}

/**
 * `warmup = W`: one model trained W epochs as a plain run of the block (the run's seed), every
 * epoch's loss appended to `losses`. Returned: its state after the last epoch — parameters,
 * buffers and masks as trained, optimizer states as initialised, so that each ingredient
 * fine-tunes from it with a fresh optimizer, as model soups fine-tune from one pretrained model.
 */
async function warmedUp(c: SoupContext, module: Module, losses: number[], onProgress?: (p: IngredientProgress) => void): Promise<Record<string, TensorValue>> {
  let state: Readonly<Record<string, TensorValue>> | undefined;
  const W = c.options.warmup;
  await train(module, { ...c.spec, select: { kind: "last", span: c.spec.select.span }, patience: undefined }, c.data, {
    seed: c.seed,
    epochs: W,
    evalEvery: W,
    gpu: c.gpu,
    onEpoch: (p) => {
      losses.push(p.loss);
      onProgress?.({ epoch: p.epoch, epochs: p.epochs, warmup: true, loss: p.loss });
    },
    onSelect: (_, s) => void (state = s),
  });
  const fresh = new Set(c.model.flatMap((p) => STATE_KINDS.map((kind) => stateName(kind, p.name))));
  const init = initParams(module, c.seed, c.symbols);
  return Object.fromEntries(Object.entries(state!).map(([name, t]) => [name, fresh.has(name) ? init[name] : t]));
}

/**
 * The shared initialisation: the parameters from the run's seed, then the step plan's init
 * functions on them (a sparsify pass's masks), so that the ingredients also share those — sparse
 * ingredients with masks of their own would average into a soup of mostly halved weights.
 */
async function initialised(c: SoupContext, module: Module): Promise<Record<string, TensorValue>> {
  const state = initParams(module, c.seed, c.symbols);
  const init = stepPlanOf(module).init;
  if (init.length === 0) return state;
  const funcs = init.map((name) => module.funcs.find((f) => f.name === name)!);
  const runner = await openRunner({ funcs, data: unchangingInputs(c.spec, c.data), state, symbols: c.symbols }, c.gpu);
  try {
    for (const name of init) await runner.run(name, stepInputs(c.spec, keyFromSeed(c.seed), 0));
    return await runner.state(Object.keys(state));
  } finally {
    runner.destroy();
  }
}

/** The block's measured metrics of one model's output. */
export function measure(c: SoupContext, logits: TensorValue): Metrics {
  const out: Metrics = {};
  for (const m of c.measured) {
    const split = c.data.splits[m.split];
    if (!split) throw new Error(`the dataset has no \`${m.split}\` split to report ${m.metric} on`);
    out[metricKey(m.split, m.metric)] = metricValue(m.metric, logits, c.data.labels.data as Int32Array, split.nodes);
  }
  return out;
}
