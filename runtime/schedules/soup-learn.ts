import type { TensorValue, Value } from "../../compiler/ir/values.js";
import { FIRST_INPUT, ingredientEntry, PICK_INPUT, slotEntry, SOUP_FUNCS, SOUP_SCALE, type SoupMethod } from "../../compiler/schedules/soup-names.js";
import { streamsIngredients } from "../../compiler/schedules/soup.js";
import { LOSS_RESULT, LR_INPUT, STEP_INPUT } from "../../compiler/train/index.js";
import { Rng } from "../data/prng.js";
import { partitionGraph, type Partition } from "../partition/metis.js";
import { inducedSubgraph, subgraphCapacity, SubgraphFeatures, type NodeData } from "../partition/subgraph.js";
import type { Runner } from "../runner/runner.js";
import { lrAt } from "../train/lr-schedule.js";
import { openPart, peakOf, type SoupContext } from "./soup-context.js";
import { SoupError } from "./soup-files.js";
import { predicted, type Mixed } from "./soup-mix.js";
import { unstack } from "./soup-tensors.js";

/**
 * Learned souping (LS) and partition learned souping (PLS). Both run the program's `soup.step`
 * — the mixed forward, its class loss on the validation nodes, SGD on the logits and β — with
 * the learning rate on a cosine schedule restarted every `restart` steps; then `mix.learned`
 * gives the soup. LS steps on the whole graph. PLS cuts the graph once into K parts with METIS
 * (balanced on the validation nodes) and steps, each time, on the subgraph induced by R random
 * parts: the runner holds a subgraph's features, graph and activations, not the whole graph's.
 * With `offload` (by default for PLS) the ingredients stay on the host and are streamed into one
 * slot (compiler/schedules/soup-stream.ts): the runner holds one model's tensors four times
 * (slot, soup, gradient, output) instead of G models stacked.
 */

const scalar = (v: number): TensorValue => ({ kind: "tensor", dtype: "f32", shape: [], data: Float32Array.of(v) });

function validation(c: SoupContext): TensorValue {
  const val = c.data.splits.val;
  if (!val) throw new SoupError(`learned souping trains on the validation nodes, but dataset \`${c.spec.data.name}\` has no \`val\` split`, "give the dataset a validation split");
  return val.mask;
}

interface Learned {
  soup: Record<string, TensorValue>;
  losses: number[];
  scale: number;
}

/** Step s's learning rate (cosine from `lr`, restarted every `restart` steps) and 1-based count. */
function stepInputs(c: SoupContext, s: number): Record<string, TensorValue> {
  const schedule = { name: "cosine_restarts" as const, args: { T_0: c.options.restart } };
  return { [LR_INPUT]: scalar(lrAt(schedule, c.options.lr, s)), [STEP_INPUT]: scalar(s + 1) };
}

/** `epochs` steps of `soup.step`, each after `before(step)` (which may replace the runner's data), then the soup. */
async function learn(c: SoupContext, runner: Runner, before?: (step: number) => void): Promise<Learned> {
  for (let s = 0; s < c.options.epochs; s++) {
    before?.(s);
    await runner.run(SOUP_FUNCS.learn, stepInputs(c, s), { log: LOSS_RESULT });
  }
  const losses = await runner.logged();
  await runner.run(SOUP_FUNCS.mixLearned);
  const soup: Record<string, TensorValue> = {};
  for (const p of c.model) soup[p.name] = await runner.read(SOUP_FUNCS.mixLearned, p.name);
  const scale = (await runner.state([SOUP_SCALE]))[SOUP_SCALE].data[0];
  return { soup, losses, scale };
}

/**
 * The same steps with the ingredients streamed from the host (compiler/schedules/soup-stream.ts):
 * before each `mix` and `dot` run the host writes one ingredient's tensors into the slots; every
 * sum and product runs on the device.
 */
async function learnStreamed(c: SoupContext, runner: Runner, ingredients: Readonly<Record<string, TensorValue>>, before?: (step: number) => void): Promise<Learned> {
  const G = c.options.ingredients;
  const slots = Array.from({ length: G }, (_, g) => Object.fromEntries(c.model.map((p) => [slotEntry(p.name), unstack(ingredients[ingredientEntry(p.name)], g)])));
  const picks = slots.map((_, g): TensorValue => {
    const data = new Float32Array(G);
    data[g] = 1;
    return { kind: "tensor", dtype: "f32", shape: [G], data };
  });
  const mixIn = async () => {
    for (let g = 0; g < G; g++) {
      runner.setState(slots[g]);
      await runner.run(SOUP_FUNCS.streamMix, { [PICK_INPUT]: picks[g], [FIRST_INPUT]: scalar(g === 0 ? 1 : 0) });
    }
  };
  for (let s = 0; s < c.options.epochs; s++) {
    before?.(s);
    const lrStep = stepInputs(c, s);
    await mixIn();
    await runner.run(SOUP_FUNCS.streamStep, lrStep, { log: LOSS_RESULT });
    for (let g = 0; g < G; g++) {
      runner.setState(slots[g]);
      await runner.run(SOUP_FUNCS.streamDot, { [PICK_INPUT]: picks[g] });
    }
    await runner.run(SOUP_FUNCS.streamLogits, lrStep);
  }
  const losses = await runner.logged();
  await mixIn();
  await runner.run(SOUP_FUNCS.streamOut);
  const { [SOUP_SCALE]: scale, ...soup } = await runner.state([...c.model.map((p) => p.name), SOUP_SCALE]);
  return { soup, losses, scale: scale.data[0] };
}

/** The runner and loop of a learned soup: device-resident ingredients, or streamed ones (`offload`). */
async function openLearner(c: SoupContext, method: SoupMethod, ingredients: Readonly<Record<string, TensorValue>>, options: { data: Readonly<Record<string, Value>>; symbols?: Readonly<Record<string, number>> }) {
  if (streamsIngredients(c.options, method)) {
    const runner = await openPart(c, [SOUP_FUNCS.streamMix, SOUP_FUNCS.streamStep, SOUP_FUNCS.streamDot, SOUP_FUNCS.streamLogits, SOUP_FUNCS.streamOut], options);
    return { runner, learn: (before?: (step: number) => void) => learnStreamed(c, runner, ingredients, before) };
  }
  const runner = await openPart(c, [SOUP_FUNCS.learn, SOUP_FUNCS.mixLearned], { ...options, given: ingredients, keepOut: c.model.map((p) => p.name) });
  return { runner, learn: (before?: (step: number) => void) => learn(c, runner, before) };
}

export async function learnedSoup(c: SoupContext, ingredients: Readonly<Record<string, TensorValue>>): Promise<Mixed> {
  const started = performance.now();
  const data: Record<string, Value> = { ...c.data.inputs, labels: c.data.labels, mask: validation(c), rng: c.rng };
  const { runner, learn } = await openLearner(c, "learned", ingredients, { data });
  try {
    const { soup, losses, scale } = await learn();
    return { soup, losses, ms: performance.now() - started, peakBytes: peakOf(runner), predictedBytes: predicted(runner), detail: `β ${scale.toFixed(3)}` };
  } finally {
    runner.destroy();
  }
}

/** A tensor of `shape` with `nonzeros` ones: what a runner's zero pattern is sized by, so every later draw fits it. */
function withNonzeros(shape: readonly number[], nonzeros: number): TensorValue {
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
  data.fill(1, 0, Math.min(nonzeros, data.length));
  return { kind: "tensor", dtype: "f32", shape: [...shape], data };
}

/** R of the K parts, drawn without replacement. */
function drawParts(rng: Rng, k: number, r: number): number[] {
  const pool = Array.from({ length: k }, (_, i) => i);
  for (let i = 0; i < r; i++) {
    const j = i + (rng.nextU32() % (k - i));
    [pool[i], pool[j]] = [pool[j], pool[i]];
  }
  return pool.slice(0, r).sort((a, b) => a - b);
}

export interface PartitionedMix extends Mixed {
  partition: Partition;
}

export async function partitionSoup(c: SoupContext, ingredients: Readonly<Record<string, TensorValue>>, env: Readonly<Record<string, string | undefined>>): Promise<PartitionedMix> {
  const started = performance.now();
  const { parts: K, parts_per_step: R } = c.options;
  const graph = c.data.inputs.graph;
  if (graph.kind !== "graph") throw new Error("internal: the bound graph is not a graph");
  if (K > graph.numNodes) throw new SoupError(`\`parts\` (K = ${K}) exceeds the ${graph.numNodes} nodes of \`${c.spec.data.name}\``, "every part needs a node: take K ≤ the node count");
  const mask = validation(c);
  const partition = partitionGraph(graph, { parts: K, seed: c.seed, balanceOn: Uint8Array.from(mask.data, (v) => (v !== 0 ? 1 : 0)) }, env);
  const cap = subgraphCapacity(graph, partition.part, K, R);
  const full: NodeData = { x: c.data.inputs.x, graph, labels: c.data.labels, mask };
  const features = new SubgraphFeatures(full.x, cap.nodes);
  const nnz = new Array<number>(K).fill(0);
  for (let v = 0; v < graph.numNodes; v++) nnz[partition.part[v]] += features.nonzerosOf(v);
  const nnzCap = [...nnz].sort((a, b) => b - a).slice(0, R).reduce((a, b) => a + b, 0);

  const rng = new Rng(c.seed * 7919 + 17);
  const draw = () => inducedSubgraph(full, partition.part, drawParts(rng, K, R), cap, features);
  let next = draw();
  const symbols = { ...c.symbols, N: cap.nodes, E: cap.edges };
  const data = { x: withNonzeros(next.x.shape, nnzCap), graph: next.graph, labels: next.labels, mask: next.mask, rng: c.rng };
  const { runner, learn } = await openLearner(c, "partition", ingredients, { data, symbols });
  try {
    const { soup, losses, scale } = await learn((s) => {
      if (s > 0) next = draw();
      runner.setData({ x: next.x, graph: next.graph, labels: next.labels, mask: next.mask });
    });
    const detail = `K = ${K} parts (edge cut ${(100 * partition.cutFraction).toFixed(1)}%, node balance ${partition.nodeBalance.toFixed(2)}, validation balance ${partition.setBalance?.toFixed(2)}${partition.cached ? ", cached" : ""}), R = ${R} per step, subgraphs of at most ${cap.nodes - 1} nodes and ${cap.edges} edges; β ${scale.toFixed(3)}`;
    return { soup, losses, ms: performance.now() - started, peakBytes: peakOf(runner), predictedBytes: predicted(runner), detail, partition };
  } finally {
    runner.destroy();
  }
}
