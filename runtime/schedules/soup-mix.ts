import type { TensorValue } from "../../compiler/ir/values.js";
import { SOUP_FUNCS, WEIGHTS_INPUT } from "../../compiler/schedules/soup-names.js";
import { OUTPUT_RESULT, PREDICT_FUNC } from "../../compiler/train/index.js";
import type { Runner } from "../runner/runner.js";
import { metricValue } from "../train/evaluate.js";
import { openPart, peakOf, type SoupContext } from "./soup-context.js";

/**
 * The uniform and greedy soups. Both are fixed weights per ingredient, the same for every tensor
 * (so buffers mix like parameters); the mix itself is the program's `mix` function.
 */

/** A soup: the model's tensors by name, what making it took, and what it found on the way. */
export interface Mixed {
  soup: Record<string, TensorValue>;
  /** Wall time from opening the mix's runner to the soup's tensors on the host. */
  ms: number;
  peakBytes: number;
  predictedBytes: number;
  /** Each step's loss (learned souping). */
  losses?: number[];
  /** One line on what the method decided (greedy: the ratios kept; learned: β). */
  detail?: string;
  /** The weight of each ingredient (uniform, greedy). */
  weights?: number[];
}

/** `mix`'s input: every tensor's row of weights the same. */
function weightRows(c: SoupContext, w: readonly number[]): TensorValue {
  const rows = c.model.length;
  const data = new Float32Array(rows * w.length);
  for (let k = 0; k < rows; k++) data.set(w, k * w.length);
  return { kind: "tensor", dtype: "f32", shape: [rows, w.length], data };
}

export function predicted(runner: Runner): number {
  const m = runner.memory();
  return m.heldBytes + m.predictedBytes;
}

export async function uniformSoup(c: SoupContext, ingredients: Readonly<Record<string, TensorValue>>): Promise<Mixed> {
  const started = performance.now();
  const names = c.model.map((p) => p.name);
  const runner = await openPart(c, [SOUP_FUNCS.mix], { data: {}, given: ingredients, keepOut: names });
  try {
    const G = c.options.ingredients;
    const weights = new Array<number>(G).fill(1 / G);
    await runner.run(SOUP_FUNCS.mix, { [WEIGHTS_INPUT]: weightRows(c, weights) });
    const soup: Record<string, TensorValue> = {};
    for (const n of names) soup[n] = await runner.read(SOUP_FUNCS.mix, n);
    return { soup, ms: performance.now() - started, peakBytes: peakOf(runner), predictedBytes: predicted(runner), weights };
  } finally {
    runner.destroy();
  }
}

/** The validation metric greedy souping compares soups by: the block's selection metric, on the validation split. */
export function greedyMetric(c: SoupContext): { key: string; metric: Parameters<typeof metricValue>[0] } {
  const metric = c.spec.select.kind === "best" ? c.spec.select.metric : "accuracy";
  return { key: `val_${metric}`, metric };
}

/**
 * GIS (Graph Ladling): the ingredients by validation score, the best first; each next one mixed
 * in at the best of the grid's ratios r = 1/grid … 1 (the smallest r among equals), and kept
 * when the soup's validation score does not drop. `scores` are the ingredients' own.
 */
export async function greedySoup(c: SoupContext, ingredients: Readonly<Record<string, TensorValue>>, scores: readonly number[]): Promise<Mixed> {
  const started = performance.now();
  const val = c.data.splits.val;
  if (!val) throw new Error("greedy souping compares soups on the validation split, which the dataset lacks");
  const { metric } = greedyMetric(c);
  const runner = await openPart(c, [SOUP_FUNCS.mix, PREDICT_FUNC], { data: { ...c.data.inputs, rng: c.rng }, given: ingredients });
  try {
    const G = c.options.ingredients;
    const score = async (w: readonly number[]) => {
      await runner.run(SOUP_FUNCS.mix, { [WEIGHTS_INPUT]: weightRows(c, w) });
      await runner.run(PREDICT_FUNC, { rng: c.rng });
      return metricValue(metric, await runner.read(PREDICT_FUNC, OUTPUT_RESULT), c.data.labels.data as Int32Array, val.nodes);
    };
    const order = scores.map((s, g) => ({ s: Number.isNaN(s) ? -Infinity : s, g })).sort((a, b) => b.s - a.s || a.g - b.g).map((x) => x.g);
    let weights = new Array<number>(G).fill(0);
    weights[order[0]] = 1;
    let best = scores[order[0]];
    const kept: string[] = [`${order[0]}`];
    for (const g of order.slice(1)) {
      let top: { s: number; w: number[]; r: number } | undefined;
      for (let k = 1; k <= c.options.grid; k++) {
        const r = k / c.options.grid;
        const w = weights.map((x, i) => (1 - r) * x + (i === g ? r : 0));
        const s = await score(w);
        if (!top || s > top.s) top = { s, w, r };
      }
      if (top && top.s >= best) {
        weights = top.w;
        best = top.s;
        kept.push(`${g}@${top.r.toFixed(2)}`);
      }
    }
    await runner.run(SOUP_FUNCS.mix, { [WEIGHTS_INPUT]: weightRows(c, weights) });
    const soup = await runner.state(c.model.map((p) => p.name));
    const detail = `kept ${kept.join(", ")} (ingredient@ratio), validation ${best.toFixed(4)}`;
    return { soup, ms: performance.now() - started, peakBytes: peakOf(runner), predictedBytes: predicted(runner), detail, weights };
  } finally {
    runner.destroy();
  }
}
