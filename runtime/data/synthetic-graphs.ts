import { graphsProblems, type GraphsArgs } from "../../compiler/train/graphs-rules.js";
import type { Dataset } from "./dataset.js";
import { firstOccurrences, graphWithEdgeData, pickEdges, symmetrizeWithData } from "./edge-data.js";
import { sortEdges } from "./edges.js";
import { DataError } from "./errors.js";
import { Rng } from "./prng.js";

/**
 * A synthetic graph-classification set in the style of the TU datasets (MUTAG, PROTEINS): many
 * small molecule-like graphs stored as one disjoint union with a batch vector, one label per
 * graph. Deterministic per seed.
 *
 * - Each graph has n ∈ [min_nodes, max_nodes] nodes joined by a random tree (node k links to a
 *   uniform earlier node), then class c adds c·⌈n/5⌉ edges between uniform non-adjacent pairs,
 *   each closing a cycle: the classes differ in cycle count (and so in edges per node), which sum
 *   pooling can see and which needs message passing to find from the node features alone.
 * - Node features: a one-hot "atom type" of `features` types, uniform and independent of the class.
 * - Edge features (if edge_features > 0): a one-hot "bond type": tree edges take a uniform type
 *   among all but the last, cycle-closing edges the last (a hint an edge-feature model can use).
 * - Classes are balanced (graph g has class g mod C, shuffled); split 80 / 10 / 10 % of the
 *   graphs at random into train / val / test.
 */
export function syntheticGraphs(o: GraphsArgs & { name?: string }): Dataset {
  const [problem] = graphsProblems(o);
  if (problem) throw new DataError("badGenerator", `synthetic.graphs: ${problem.key} = ${o[problem.key]} ${problem.rule}${problem.why ? ` (${problem.why})` : ""}`);
  const rng = new Rng(o.seed);
  const labels = rng.shuffle(Int32Array.from({ length: o.graphs }, (_, g) => g % o.classes));
  const src: number[] = [];
  const dst: number[] = [];
  const bond: number[] = [];
  const batch: number[] = [];
  const atoms: number[] = [];
  const types = Math.max(1, o.edge_features);
  for (let g = 0; g < o.graphs; g++) {
    const first = batch.length;
    const n = o.min_nodes + rng.nextInt(o.max_nodes - o.min_nodes + 1);
    const adjacent = new Set<number>();
    const link = (a: number, b: number, type: number) => {
      adjacent.add(a * n + b).add(b * n + a);
      src.push(first + a);
      dst.push(first + b);
      bond.push(type);
    };
    for (let k = 0; k < n; k++) {
      batch.push(g);
      atoms.push(rng.nextInt(o.features));
      if (k > 0) link(rng.nextInt(k), k, types > 1 ? rng.nextInt(types - 1) : 0);
    }
    // A pair that is not yet adjacent closes a cycle; a near-complete graph may have none left.
    const extra = Math.min(labels[g] * Math.ceil(n / 5), (n * (n - 1)) / 2 - (n - 1));
    for (let added = 0; added < extra; ) {
      const a = rng.nextInt(n);
      const b = rng.nextInt(n);
      if (a === b || adjacent.has(a * n + b)) continue;
      link(a, b, types - 1);
      added++;
    }
  }
  const numNodes = batch.length;
  const attr = new Float32Array(bond.length * types);
  bond.forEach((t, e) => (attr[e * types + t] = 1));
  const raw = { src: Int32Array.from(src), dst: Int32Array.from(dst) };
  const sorted = sortEdges(numNodes, raw.src, raw.dst, { dropSelfLoops: false });
  const edgeData = o.edge_features > 0 ? pickEdges({ edgeAttr: { dim: types, data: attr } }, firstOccurrences(numNodes, sorted, raw)) : {};
  const sym = symmetrizeWithData(numNodes, sorted.src, sorted.dst, edgeData);
  const features = new Float32Array(numNodes * o.features);
  atoms.forEach((a, i) => (features[i * o.features + a] = 1));
  return {
    name: o.name ?? "graphs",
    numNodes,
    numFeatures: o.features,
    numClasses: o.classes,
    ...graphWithEdgeData(numNodes, sym.src, sym.dst, sym.data),
    graphs: { numGraphs: o.graphs, batch: Int32Array.from(batch) },
    features: { kind: "dense", data: features },
    labels,
    splits: splitGraphs(o.graphs, rng),
  };
}

/** 80 / 10 / 10 % of the graphs, at random, ids ascending. */
function splitGraphs(graphs: number, rng: Rng): Record<string, Int32Array> {
  const order = rng.shuffle(Int32Array.from({ length: graphs }, (_, g) => g));
  const val = Math.floor(graphs / 10);
  const test = Math.floor(graphs / 10);
  const take = (from: number, to: number) => order.slice(from, to).sort();
  return { train: take(val + test, graphs), val: take(0, val), test: take(val, val + test) };
}
