import { error, type Diagnostic } from "../../grammar/diagnostics.js";
import type { Func, Module, ParamInfo } from "../ir/types.js";
import { datasetAttribute } from "../train/dataset.js";
import { lowerTraining, TRAIN_STEP_FUNC } from "../train/lower.js";
import { FORWARD_FUNC, PREDICT_FUNC } from "../train/names.js";
import { LR_INPUT, STEP_INPUT } from "../train/optimizer-options.js";
import type { DatasetRef } from "../train/dataset.js";
import type { ScheduleSpec, TrainSpec } from "../train/spec.js";
import { isUnbatchable, type Unbatchable } from "./batch-models.js";
import { SCHEDULE_CODES } from "./codes.js";
import { checkOptions, type ScheduleOption } from "./options.js";
import type { Phase, ScheduleKind, ScheduleProgram } from "./program.js";
import { batchedPredict, batchedStep, batchParams, CLASS_LOSSES, ingredientParams, keepFunc, learnParams, learnStep, mixFunc, mixLearnedFunc } from "./soup-funcs.js";
import { FIRST_INPUT, IMPROVED_INPUT, OFFLOAD_CHOICES, PICK_INPUT, SOUP_FUNCS, SOUP_METHODS, WEIGHTS_INPUT, type OffloadChoice, type SoupMethod } from "./soup-names.js";
import { streamFuncs } from "./soup-stream.js";

/**
 * `schedule = soup(…)`: model souping (techniques.md §3; Zuber et al., "Enhanced Soups for Graph
 * Neural Networks"; GIS from Graph Ladling). The block's model, loss, optimizer, epochs, select
 * and report train G ingredients that differ by seed: their dropout draws, with
 * `ingredient_lr = [...]` their learning rates, and with `same_init = false` their initialisation (ingredient i from seed + i; by default all start
 * from the block's seed, so that they stay in one basin and mix; with `warmup = W` from one model
 * trained W epochs first, as model soups fine-tune from one pretrained model). They train side by side as one
 * program where the model allows (compiler/schedules/batch-models.ts), else one after another.
 * Each keeps its own selected epoch. Then the mixes, each a phase:
 *
 *   uniform    the mean of the ingredients
 *   greedy     GIS: ingredients by validation accuracy, the best first; each next one mixed in at
 *              the best of `grid` ratios r = 1/G … 1 (soup·(1−r) + ingredient·r), kept when
 *              validation accuracy does not drop
 *   learned    LS: W_k = Σ_i softmax(a_k)_i W_k^(i) per tensor, logits scaled by β; a and β trained
 *              by SGD on the validation nodes (`epochs` full-graph steps, cosine warm restarts
 *              every `restart` steps from `lr`)
 *   partition  PLS: the graph cut once into `parts` parts balanced on validation nodes (METIS);
 *              each step an LS step on the subgraph induced by `parts_per_step` random parts
 *
 * `offload` (partition by default, or all, or none) names the learned soups whose ingredients
 * stay on the host and are streamed to the device one at a time (soup-stream.ts): the same
 * steps, with one model's tensors on the device four times instead of G models stacked.
 *
 * Mixing is by parameter name. Buffers (running statistics) are mixed with their member's
 * weights: in the uniform and greedy soups those of every tensor; in the learned ones the mean
 * of the softmax rows of the member's parameters (every row's mean for a member with none).
 * `method` is the soup the run keeps (its metrics, `--save`); with `compare` the others are
 * mixed too, for the table.
 */

const OPTIONS: readonly ScheduleOption[] = [
  { name: "ingredients", type: { kind: "int", min: 2, max: 256 }, required: true, doc: "how many ingredients to train and mix, e.g. `ingredients = 10`" },
  { name: "same_init", type: { kind: "bool" }, default: true, doc: "start every ingredient from one initialisation (the block's seed), so that they mix; false: ingredient i from seed + i" },
  { name: "warmup", type: { kind: "int", min: 0, max: 1_000_000 }, default: 0, doc: "epochs of one model's training that every ingredient starts from (then each trains `epochs` more, with an optimizer state of its own): ingredients that fine-tune from one trained model stay in one basin where ones from one random initialisation drift apart" },
  { name: "side_by_side", type: { kind: "bool" }, default: true, doc: "train the ingredients as one program where the model allows; false: one after another" },
  { name: "ingredient_lr", type: { kind: "number", min: 0 }, list: { max: 256 }, doc: "a learning rate per ingredient (they then differ by it too, and train one after another)" },
  { name: "method", type: { kind: "word", words: SOUP_METHODS }, default: "learned", doc: "the soup the run keeps: uniform, greedy (GIS), learned (LS) or partition (PLS)" },
  { name: "compare", type: { kind: "bool" }, default: true, doc: "also mix with the other methods, for the comparison table" },
  { name: "grid", type: { kind: "int", min: 1, max: 10_000 }, default: 20, doc: "greedy souping's interpolation ratios: 1/grid, 2/grid, …, 1" },
  { name: "epochs", type: { kind: "int", min: 1, max: 1_000_000 }, default: 100, doc: "learned (and partition) souping's SGD steps" },
  { name: "lr", type: { kind: "number", min: 0 }, default: 40, doc: "learned souping's learning rate (large: the paper uses 10 to 80)" },
  { name: "restart", type: { kind: "int", min: 1, max: 1_000_000 }, default: 25, doc: "steps between the cosine schedule's warm restarts" },
  { name: "momentum", type: { kind: "number", min: 0, max: 0.999 }, default: 0, doc: "learned souping's SGD momentum" },
  { name: "parts", type: { kind: "int", min: 2, max: 1_000_000 }, default: 32, doc: "K: the parts partition souping cuts the graph into" },
  { name: "parts_per_step", type: { kind: "int", min: 1, max: 1_000_000 }, default: 8, doc: "R: the random parts each partition souping step learns on" },
  { name: "offload", type: { kind: "word", words: OFFLOAD_CHOICES }, default: "partition", doc: "which learned soups keep their ingredients in host memory and stream them to the device one at a time (the device holds one model's tensors four times, not G models): partition (PLS, whose point is memory), all (LS too), none" },
];

export interface SoupOptions {
  ingredients: number;
  same_init: boolean;
  warmup: number;
  side_by_side: boolean;
  ingredient_lr?: number[];
  method: SoupMethod;
  compare: boolean;
  grid: number;
  epochs: number;
  lr: number;
  restart: number;
  momentum: number;
  parts: number;
  parts_per_step: number;
  offload: OffloadChoice;
}

/** Whether `method`'s learned soup streams its ingredients from the host (soup-stream.ts). */
export function streamsIngredients(o: Pick<SoupOptions, "offload">, method: SoupMethod): boolean {
  return (method === "learned" && o.offload === "all") || (method === "partition" && o.offload !== "none");
}

/** The checked options of a soup block (the driver reads them too). */
export function soupOptions(spec: TrainSpec): SoupOptions | Diagnostic[] {
  return optionValues(spec.schedule!, spec.data);
}

/** The options checked against the schema, each other and the dataset's node count when it is known. */
function optionValues(schedule: ScheduleSpec, data?: DatasetRef): SoupOptions | Diagnostic[] {
  const checked = checkOptions("soup", OPTIONS, schedule);
  if (!checked.values) return checked.diagnostics;
  const o = checked.values as unknown as SoupOptions;
  const at = (name: string) => schedule.argSpans?.[name] ?? schedule.span;
  const out: Diagnostic[] = [];
  if (o.parts_per_step > o.parts) {
    out.push(error(SCHEDULE_CODES.outOfRange.code, `\`parts_per_step\` (R = ${o.parts_per_step}) must not exceed \`parts\` (K = ${o.parts})`, at("parts_per_step"), { help: "each step learns on R of the K parts: take R ≤ K" }));
  }
  if (o.ingredient_lr && o.ingredient_lr.length !== o.ingredients) {
    out.push(error(SCHEDULE_CODES.listLength.code, `\`ingredient_lr\` has ${o.ingredient_lr.length} value${o.ingredient_lr.length === 1 ? "" : "s"}, but there are ${o.ingredients} ingredients`, at("ingredient_lr"), { help: "give one learning rate per ingredient" }));
  }
  if (o.warmup > 0 && !o.same_init) {
    out.push(error(SCHEDULE_CODES.conflict.code, `\`warmup = ${o.warmup}\` starts every ingredient from one trained model, but \`same_init = false\` starts each from its own initialisation`, at("warmup"), { help: "drop one of the two: `warmup` for ingredients that share a start, `same_init = false` for independent ones" }));
  }
  const nodes = data && datasetAttribute(data, "num_nodes");
  if (typeof nodes === "number" && o.parts > nodes) {
    out.push(error(SCHEDULE_CODES.outOfRange.code, `\`parts\` (K = ${o.parts}) exceeds the ${nodes} nodes of \`${data!.name}\``, at("parts"), { help: "every part needs a node: take K ≤ the node count" }));
  }
  return out.length ? out : o;
}

/** The methods a run mixes, in the table's order: `method`, and with `compare` every other. */
export function soupMethods(o: SoupOptions): SoupMethod[] {
  return SOUP_METHODS.filter((m) => o.compare || m === o.method);
}

/** What the block must be for souping, beyond the options: located diagnostics. */
function blockProblems(spec: TrainSpec): Diagnostic[] {
  const out: Diagnostic[] = [];
  const unfit = SCHEDULE_CODES.unfitBlock.code;
  if (!CLASS_LOSSES[spec.loss.name]) {
    out.push(error(unfit, `souping trains ingredients and learns their weights with a class loss, not \`${spec.loss.name}\``, spec.loss.span, { help: "write `loss = cross_entropy(mask = train)`" }));
  }
  return out;
}

/** Whether a soup program trains its ingredients side by side (else one after another, its phase's note says why). */
export function sideBySide(program: ScheduleProgram): boolean {
  return program.phases.some((p) => p.name === INGREDIENTS_PHASE && p.steps.some((s) => s.kind === "run" && s.func === SOUP_FUNCS.step));
}

export const INGREDIENTS_PHASE = "ingredients";

/** The ingredients' step and predict side by side, or why the model cannot train so. */
function trainedTogether(forward: Func, predict: Func, model: readonly ParamInfo[], spec: TrainSpec, groups: number, asked: { sideBySide: boolean; lrs: boolean }): { step: Func; predict: Func; states: ParamInfo[] } | Unbatchable | Diagnostic[] {
  if (!asked.sideBySide) return { op: "side_by_side = false", span: spec.schedule!.argSpans?.side_by_side ?? spec.schedule!.span, why: "as asked" };
  // A training-stage pass (sparsify) rewrites `train_step` and may add functions a step plan
  // runs: each ingredient trains as that plain block, not as a slice of one batched step.
  const rewrites = spec.passes.find((p) => p.pass?.stage === "training");
  if (rewrites) return { op: rewrites.name, span: rewrites.span, why: "the pass rewrites the training step, which each ingredient then trains with" };
  if (asked.lrs) return { op: "ingredient_lr", span: spec.schedule!.argSpans?.ingredient_lr ?? spec.schedule!.span, why: "each ingredient has a learning rate of its own, and one program steps them all with one" };
  const optimizer = spec.optimizer!; // a soup's kind uses the block's optimizer (uses.optimizer is not false)
  if (optimizer.clipNorm !== undefined) return { op: "opt.global_norm", span: optimizer.span, why: "clipping by the global norm would take every ingredient's gradients together" };
  const eval_ = batchedPredict(predict, groups);
  if (isUnbatchable(eval_)) return eval_;
  const step = batchedStep(forward, model, groups, spec.loss, optimizer);
  return Array.isArray(step) || isUnbatchable(step) ? step : { step: step.func, predict: eval_, states: step.states };
}

function describe(u: Unbatchable): string {
  const where = u.span ? ` (${u.span.file}:${u.span.start.line})` : "";
  return `\`${u.op}\`${where}: ${u.why}`;
}

function lower(spec: TrainSpec, module: Module): { module: Module; program: ScheduleProgram } | Diagnostic[] {
  const o = soupOptions(spec);
  if (Array.isArray(o)) return o;
  const problems = blockProblems(spec);
  if (problems.length) return problems;
  const forward = module.funcs.find((f) => f.name === FORWARD_FUNC);
  const predict = module.funcs.find((f) => f.name === PREDICT_FUNC);
  if (!forward || !predict) throw new Error(`soup: module \`${module.name}\` has no forward or predict function`);
  const span = spec.schedule!.span;
  const G = o.ingredients;
  const model = module.params;

  const funcs: Func[] = [];
  const params: ParamInfo[] = [...model, ...ingredientParams(model, G)];
  const together = trainedTogether(forward, predict, model, spec, G, { sideBySide: o.side_by_side, lrs: o.ingredient_lr !== undefined });
  if (Array.isArray(together)) return together;
  let ingredients: Phase;
  const warmup: Phase["steps"] = o.warmup > 0 ? [{ kind: "run", func: TRAIN_STEP_FUNC, times: o.warmup, inputs: {}, log: "loss" }] : [];
  const start = o.warmup > 0 ? `from one model trained ${o.warmup} epochs (${TRAIN_STEP_FUNC}), each with an optimizer state of its own; ` : "";
  // The plain block's training: ingredients trained one after another run it, and so does the warm-up model.
  if (isUnbatchable(together) || o.warmup > 0) {
    const alone = lowerTraining(module, { ...spec, schedule: undefined });
    if (Array.isArray(alone)) return alone;
    funcs.push(...alone.funcs.filter((f) => f.name !== FORWARD_FUNC && f.name !== PREDICT_FUNC));
    params.push(...alone.params.filter((p) => !params.some((q) => q.name === p.name)));
  }
  if (!isUnbatchable(together)) {
    funcs.push(together.step, together.predict, keepFunc(model, G, span));
    params.push(...batchParams(model, G), ...together.states);
    ingredients = {
      name: INGREDIENTS_PHASE,
      label: `${G} ingredients side by side${o.warmup > 0 ? ` after ${o.warmup} warm-up epochs` : ""}`,
      pass: 0,
      evaluate: false,
      steps: [...warmup, { kind: "run", func: SOUP_FUNCS.step, times: spec.epochs!, inputs: { rng: { from: "key" }, [STEP_INPUT]: { from: "step", counter: "ingredients" }, [LR_INPUT]: { from: "value", value: spec.optimizer!.options.lr } }, log: "loss" }],
      note: `${start || (o.same_init ? "one initialisation, " : "ingredient i initialised from seed + i; ")}dropout drawn per ingredient; after each evaluation: ${SOUP_FUNCS.predict}, each ingredient's selection, ${SOUP_FUNCS.keep}(${IMPROVED_INPUT})`,
    };
  } else {
    ingredients = {
      name: INGREDIENTS_PHASE,
      label: `${G} ingredients one after another${o.warmup > 0 ? ` after ${o.warmup} warm-up epochs` : ""}`,
      pass: 0,
      evaluate: false,
      steps: [...warmup, { kind: "run", func: TRAIN_STEP_FUNC, times: spec.epochs!, inputs: {}, log: "loss" }],
      note: `${start || (o.same_init ? "one initialisation, " : "")}${o.same_init ? "ingredient i's dropout from seed + i" : "ingredient i from seed + i"}; trained one after another, since ${describe(together)}`,
    };
  }

  const learned = learnStep(predict, model, G, spec.loss, o.momentum, span);
  if (Array.isArray(learned)) return learned;
  funcs.push(mixFunc(model, G, span), mixLearnedFunc(model, G, span), learned.func);
  params.push(...learnParams(model, G), ...learned.states);
  const streamed = soupMethods(o).some((m) => streamsIngredients(o, m));
  if (streamed) {
    const stream = streamFuncs(predict, model, G, spec.loss, o.momentum, span);
    if (Array.isArray(stream)) return stream;
    funcs.push(...stream.funcs);
    params.push(...stream.states.filter((p) => !params.some((q) => q.name === p.name)));
  }

  const lrStep = { [LR_INPUT]: { from: "value" as const, value: o.lr }, [STEP_INPUT]: { from: "step" as const, counter: "soup" } };
  const learnSteps = (method: SoupMethod): Phase["steps"] =>
    streamsIngredients(o, method)
      ? [
          { kind: "run", func: SOUP_FUNCS.streamMix, times: G * (o.epochs + 1), inputs: {} },
          { kind: "run", func: SOUP_FUNCS.streamStep, times: o.epochs, inputs: lrStep, log: "loss" },
          { kind: "run", func: SOUP_FUNCS.streamDot, times: G * o.epochs, inputs: {} },
          { kind: "run", func: SOUP_FUNCS.streamLogits, times: o.epochs, inputs: lrStep },
          { kind: "run", func: SOUP_FUNCS.streamOut, times: 1, inputs: {} },
        ]
      : [
          { kind: "run", func: SOUP_FUNCS.learn, times: o.epochs, inputs: lrStep, log: "loss" },
          { kind: "run", func: SOUP_FUNCS.mixLearned, times: 1, inputs: {} },
        ];
  const streamNote = (method: SoupMethod) =>
    streamsIngredients(o, method)
      ? `; ingredients streamed from the host (offload): each step ${SOUP_FUNCS.streamMix} once per ingredient (${PICK_INPUT}: its one-hot, ${FIRST_INPUT}: 1 for the first), ${SOUP_FUNCS.streamStep}, ${SOUP_FUNCS.streamDot} once per ingredient, ${SOUP_FUNCS.streamLogits}; the soup by ${SOUP_FUNCS.streamMix} once more, then ${SOUP_FUNCS.streamOut}`
      : "";

  const mixPhase = (method: SoupMethod, k: number): Phase => {
    const common = { name: `mix.${method}`, pass: k + 1, evaluate: true };
    switch (method) {
      case "uniform":
        return { ...common, label: "uniform soup", steps: [{ kind: "run", func: SOUP_FUNCS.mix, times: 1, inputs: {} }], note: `${WEIGHTS_INPUT}: 1/${G} each` };
      case "greedy":
        return { ...common, label: "greedy soup (GIS)", steps: [{ kind: "run", func: SOUP_FUNCS.mix, times: 1, inputs: {} }, { kind: "run", func: PREDICT_FUNC, times: 1, inputs: {} }], note: `ingredients by validation accuracy; each next one at the best of ${o.grid} ratios, kept if validation accuracy does not drop` };
      case "learned":
        return { ...common, label: "learned soup (LS)", steps: learnSteps(method), note: `on the validation nodes of the whole graph; lr cosine from ${o.lr}, restarts every ${o.restart} steps${streamNote(method)}` };
      case "partition":
        return {
          ...common,
          label: "partition learned soup (PLS)",
          steps: learnSteps(method),
          note: `graph cut into K = ${o.parts} parts (METIS, balanced on validation nodes); each step on the subgraph of R = ${o.parts_per_step} random parts${streamNote(method)}`,
        };
    }
  };
  const phases = [ingredients, ...soupMethods(o).map(mixPhase)];
  const summary = `soup: ${G} ingredients, ${soupMethods(o).join(", ")}; keeps the ${o.method} soup`;
  const program: ScheduleProgram = { kind: "soup", summary, phases, transient: [] };
  return { module: { ...module, params, funcs: [...module.funcs.filter((f) => f.name === PREDICT_FUNC), ...funcs] }, program };
}

export const SOUP: ScheduleKind = {
  name: "soup",
  summary: "model souping: ingredients trained side by side, mixed uniformly, greedily (GIS), learned (LS) or by partitions (PLS)",
  options: OPTIONS,
  checkOptions: (schedule, data) => {
    const o = optionValues(schedule, data);
    return Array.isArray(o) ? o : [];
  },
  uses: { model: true, epochs: true },
  lower,
};
