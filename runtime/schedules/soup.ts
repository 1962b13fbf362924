import type { TensorValue } from "../../compiler/ir/values.js";
import { ingredientEntry, SOUP_FUNCS, type SoupMethod } from "../../compiler/schedules/soup-names.js";
import { INGREDIENTS_PHASE, soupMethods, soupOptions } from "../../compiler/schedules/soup.js";
import { OUTPUT_RESULT, PREDICT_FUNC } from "../../compiler/train/index.js";
import type { Metrics } from "../train/metrics-keys.js";
import { ResumeError, type ScheduleRunOptions, type ScheduleTarget } from "./driver.js";
import type { PhaseRecord, ScheduleResult } from "./result.js";
import { openPart, soupContext, type SoupContext } from "./soup-context.js";
import { loadIngredients, saveIngredients } from "./soup-files.js";
import { measure, trainIngredients, type IngredientProgress, type TrainedIngredients } from "./soup-ingredients.js";
import { learnedSoup, partitionSoup } from "./soup-learn.js";
import { greedyMetric, greedySoup, uniformSoup, type Mixed } from "./soup-mix.js";
import { unstack } from "./soup-tensors.js";
import type { SoupRow, SoupSummary } from "./soup-summary.js";
import { median } from "../train/median.js";

/**
 * The host driver of `schedule = soup(…)` (compiler/schedules/soup.ts). Phase by phase: the
 * ingredients (trained, or loaded from `--ingredients DIR`), then each mix on a runner of its
 * own — so that its time and peak bytes are its own — and every soup and every ingredient
 * evaluated on one evaluation runner (`predict` with the soup's tensors). The run keeps the
 * soup of `method`: its metrics are the run's, and `onSelect` hands its tensors (the model's
 * names: a plain checkpoint) to `--save`.
 */

export interface SoupRunOptions {
  /** Mix the ingredients saved in this folder instead of training them. */
  ingredients?: string;
  /** Save the trained ingredients to this folder. */
  saveIngredients?: string;
  /** Where the partitioner finds gpmetis and its cache ($GNNC_CACHE_DIR, $GNNC_GPMETIS). */
  env?: Readonly<Record<string, string | undefined>>;
}

const LABELS: Record<SoupMethod, string> = { uniform: "uniform", greedy: "greedy (GIS)", learned: "learned (LS)", partition: "partition (PLS)" };

function mean(rows: readonly Metrics[]): Metrics {
  const out: Metrics = {};
  for (const k of Object.keys(rows[0] ?? {})) out[k] = rows.reduce((s, r) => s + r[k], 0) / rows.length;
  return out;
}


async function mix(c: SoupContext, method: SoupMethod, ingredients: Readonly<Record<string, TensorValue>>, scores: readonly number[], env: Readonly<Record<string, string | undefined>>): Promise<Mixed & { partition?: SoupSummary["partition"] }> {
  switch (method) {
    case "uniform":
      return uniformSoup(c, ingredients);
    case "greedy":
      return greedySoup(c, ingredients, scores);
    case "learned":
      return learnedSoup(c, ingredients);
    case "partition": {
      const m = await partitionSoup(c, ingredients, env);
      const { part: _, ...partition } = m.partition;
      return { ...m, partition };
    }
  }
}

export async function runSoup(t: ScheduleTarget, options: ScheduleRunOptions): Promise<ScheduleResult> {
  const { spec, program } = t;
  if (options.start) throw new ResumeError(`\`${spec.name}\` is a soup: it does not resume from a checkpoint\n  help: mix saved ingredients again with --ingredients DIR`);
  const o = soupOptions(spec);
  if (Array.isArray(o)) throw new Error(`internal: soup options of \`${spec.name}\` were not checked`);
  const c = soupContext(spec, t.module, program, t.data, t.symbols, o, options.seed, options.gpu);
  const env = options.soup?.env ?? process.env;
  const phases = program.phases;
  const records: PhaseRecord[] = [];
  const progress = (k: number, extra: Partial<Parameters<NonNullable<ScheduleRunOptions["onProgress"]>>[0]>) =>
    options.onProgress?.({ phase: k + 1, phases: phases.length, label: phases[k].label, ...extra });

  // The ingredients.
  let trained: TrainedIngredients | undefined;
  let ingredients: Record<string, TensorValue>;
  const loadFrom = options.soup?.ingredients;
  if (loadFrom !== undefined) {
    const started = performance.now();
    ingredients = loadIngredients(c, loadFrom).tensors;
    records.push({ phase: INGREDIENTS_PHASE, label: `${o.ingredients} ingredients loaded from ${loadFrom}`, pass: 0, done: 1, ms: performance.now() - started, visits: [] });
  } else {
    const part = (p: IngredientProgress) => (p.warmup ? `warm-up, epoch ${p.epoch}/${p.epochs}` : p.ingredient === undefined ? `epoch ${p.epoch}/${p.epochs}` : `ingredient ${p.ingredient}, epoch ${p.epoch}/${p.epochs}`);
    trained = await trainIngredients(c, (p) => progress(0, { part: part(p), loss: p.loss }));
    ingredients = trained.tensors;
    if (options.soup?.saveIngredients !== undefined) saveIngredients(c, options.soup.saveIngredients, ingredients, trained.selected);
    records.push({ phase: INGREDIENTS_PHASE, label: phases[0].label, pass: 0, done: 1, ms: trained.ms, visits: [{ part: "ingredients", losses: trained.losses }] });
  }
  progress(0, { phaseMs: records[0].ms });

  // One runner evaluates every ingredient and every soup.
  const evaluator = await openPart(c, [PREDICT_FUNC], { data: { ...c.data.inputs, rng: c.rng } });
  const rows: SoupRow[] = [];
  let kept: { metrics: Metrics; done: number; soup: Record<string, TensorValue> } | undefined;
  let peak = { bytes: trained?.peakBytes ?? 0, predicted: 0 };
  let partition: SoupSummary["partition"];
  try {
    const evaluate = async (soup: Readonly<Record<string, TensorValue>>): Promise<Metrics> => {
      evaluator.setState(soup);
      await evaluator.run(PREDICT_FUNC, { rng: c.rng });
      return measure(c, await evaluator.read(PREDICT_FUNC, OUTPUT_RESULT));
    };
    const each: Metrics[] = [];
    for (let g = 0; g < o.ingredients; g++) each.push(await evaluate(Object.fromEntries(c.model.map((p) => [p.name, unstack(ingredients[ingredientEntry(p.name)], g)]))));
    const { key } = greedyMetric(c);
    const scores = each.map((m) => m[key]);
    const best = scores.reduce((b, s, g) => (s > scores[b] ? g : b), 0);
    rows.push({ name: "best ingredient", metrics: each[best], detail: `ingredient ${best} by ${key}` });
    rows.push({ name: "mean ingredient", metrics: mean(each), detail: `over ${o.ingredients}` });

    for (const [k, method] of soupMethods(o).entries()) {
      const phase = k + 1;
      const m = await mix(c, method, ingredients, scores, env);
      const evalStart = performance.now();
      const metrics = await evaluate(m.soup);
      const evalMs = performance.now() - evalStart;
      if (m.partition) partition = m.partition;
      rows.push({ name: LABELS[method], method, metrics, mixMs: m.ms, peakBytes: m.peakBytes, ...(m.detail ? { detail: m.detail } : {}) });
      peak = { bytes: Math.max(peak.bytes, m.peakBytes), predicted: Math.max(peak.predicted, m.predictedBytes) };
      records.push({ phase: phases[phase].name, label: phases[phase].label, pass: phases[phase].pass, done: phase + 1, ms: m.ms, visits: m.losses ? [{ part: SOUP_FUNCS.learn, losses: m.losses }] : [], metrics, evalMs });
      if (method === o.method) kept = { metrics, done: phase + 1, soup: m.soup };
      progress(phase, { phaseMs: m.ms, ...(c.measured.length ? { metric: { name: key, value: metrics[key] } } : {}) });
    }
  } finally {
    evaluator.destroy();
  }
  if (!kept) throw new Error(`internal: the soup's method \`${o.method}\` was not mixed`);
  options.onSelect?.(kept.done, kept.soup);

  const summary: SoupSummary = {
    ingredients: o.ingredients,
    trained: trained ? { sideBySide: trained.sideBySide, ms: trained.ms, peakBytes: trained.peakBytes, note: phases[0].note ?? "" } : undefined,
    loadedFrom: loadFrom,
    kept: o.method,
    rows,
    ...(partition ? { partition } : {}),
  };
  return {
    run: spec.name,
    dataset: spec.data.name,
    device: c.gpu ? "gpu" : "reference",
    graph: { nodes: t.data.symbols.N, edges: t.data.symbols.E },
    seed: c.seed,
    epochs: records.length,
    start_epoch: 0,
    metrics: kept.metrics,
    selected_epoch: kept.done,
    epoch_ms_median: median(records.map((r) => r.ms)),
    compile_ms: 0,
    peak_bytes: peak.bytes,
    peak_bytes_predicted: peak.predicted,
    history: records.map((r) => ({ epoch: r.done, loss: r.visits[0]?.losses.at(-1) ?? NaN, ...(r.metrics ?? {}) })),
    schedule: { kind: "soup", summary: program.summary, phases: records },
    soup: summary,
  };
}
