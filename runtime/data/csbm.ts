import { csbmProblems, type CsbmArgs } from "../../compiler/train/csbm-rules.js";
import { graphFromEdges } from "../../compiler/ir/graph-value.js";
import type { Dataset } from "./dataset.js";
import { sortEdges, symmetrize } from "./edges.js";
import { DataError } from "./errors.js";
import { Rng } from "./prng.js";
import { drawPlanetoidSplit } from "./split.js";

/**
 * Contextual stochastic block model: a synthetic node-classification graph whose difficulty is set
 * by two knobs, `homophily` (how often edges join same-class nodes) and `signal` (how much the
 * features say about the class). Deterministic per seed (xoshiro128**, see prng.ts).
 *
 * - Labels: `classes` balanced classes (sizes differ by at most one), assigned in random order.
 * - Edges: every node draws avg_degree/2 partners (the fractional part as a coin flip), a uniform
 *   node of its own class with probability `homophily`, else a uniform node of another class; the
 *   result is symmetrised with duplicates and self loops removed, so the mean degree is about
 *   `avg_degree` and the edge homophily about `homophily`.
 * - Features, sparse and non-negative like bag-of-words data: each class c has a mean pattern μ_c,
 *   non-zero on a random `pattern_fraction` of the features (half-normal magnitudes, mean 1). Each
 *   node stores exactly `row_nnz` features at random positions, chosen independently of its class
 *   (so the sparsity pattern leaks nothing), with value `signal·μ_c[j] + noise`, noise half-normal
 *   with mean 1. Density = row_nnz / features (default: 2% of features, at least 10 per row).
 *   signal = 0 makes features useless; signal = 1 doubles the expected value on pattern features.
 * - Split: 20 train nodes per class; val = min(500, rest/4) and test = min(1000, rest/4) nodes of
 *   the rest, drawn as Planetoid's random split.
 */
export interface CsbmOptions extends CsbmArgs {
  /** Share of the features in each class pattern's support (default 0.2). */
  pattern_fraction?: number;
  /** Stored features per node (default max(10, 2% of features), at most `features`). */
  row_nnz?: number;
  name?: string;
}

export function csbm(options: CsbmOptions): Dataset {
  const o = checkOptions(options);
  const rng = new Rng(o.seed);
  const labels = balancedLabels(o.nodes, o.classes, rng);
  const { src, dst } = drawEdges(labels, o, rng);
  const features = drawFeatures(labels, o, rng);

  const rest = o.nodes - classSizes(labels, o.classes).reduce((s, n) => s + Math.min(20, n), 0);
  const quarter = Math.floor(rest / 4);
  const split = drawPlanetoidSplit(labels, o.classes, { perClass: 20, numVal: Math.min(500, quarter), numTest: Math.min(1000, quarter) }, rng);
  return {
    name: options.name ?? "csbm",
    numNodes: o.nodes,
    numFeatures: o.features,
    numClasses: o.classes,
    graph: graphFromEdges(o.nodes, src, dst),
    features,
    labels,
    splits: { ...split },
  };
}

type Checked = Required<Omit<CsbmOptions, "name">>;

function checkOptions(options: CsbmOptions): Checked {
  const fail = (key: string, rule: string): never => {
    throw new DataError("badGenerator", `csbm: ${key} = ${(options as unknown as Record<string, unknown>)[key]} ${rule}`);
  };
  const [problem] = csbmProblems(options);
  if (problem) fail(problem.key, problem.why ? `${problem.rule} (${problem.why})` : problem.rule);
  const features = options.features;
  const fraction = options.pattern_fraction ?? 0.2;
  if (!(fraction > 0 && fraction <= 1)) fail("pattern_fraction", "must be in (0, 1]");
  const rowNnz = options.row_nnz ?? Math.min(features, Math.max(10, Math.round(0.02 * features)));
  if (options.row_nnz !== undefined && !(Number.isSafeInteger(rowNnz) && rowNnz >= 1 && rowNnz <= features)) fail("row_nnz", `must be an integer in [1, ${features}]`);
  return { ...options, pattern_fraction: fraction, row_nnz: rowNnz };
}

/** i mod C, shuffled: balanced classes in random positions. */
function balancedLabels(n: number, classes: number, rng: Rng): Int32Array {
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) labels[i] = i % classes;
  return rng.shuffle(labels);
}

function classSizes(labels: Int32Array, classes: number): number[] {
  const sizes = new Array<number>(classes).fill(0);
  for (const y of labels) sizes[y]++;
  return sizes;
}

function drawEdges(labels: Int32Array, o: Checked, rng: Rng): { src: Int32Array; dst: Int32Array } {
  const n = o.nodes;
  // Nodes grouped by class: members of c are byClass[start[c] .. start[c+1]).
  const start = new Int32Array(o.classes + 1);
  for (const y of labels) start[y + 1]++;
  for (let c = 0; c < o.classes; c++) start[c + 1] += start[c];
  const fill = start.slice(0, o.classes);
  const byClass = new Int32Array(n);
  const position = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    position[i] = fill[labels[i]]++;
    byClass[position[i]] = i;
  }

  const half = o.avg_degree / 2;
  const whole = Math.floor(half);
  const fraction = half - whole;
  const capacity = Math.ceil(half) * n;
  const src = new Int32Array(capacity);
  const dst = new Int32Array(capacity);
  let m = 0;
  for (let i = 0; i < n; i++) {
    const c = labels[i];
    const classSize = start[c + 1] - start[c];
    const draws = whole + (fraction > 0 && rng.nextFloat() < fraction ? 1 : 0);
    for (let d = 0; d < draws; d++) {
      const canSame = classSize > 1;
      const canOther = classSize < n;
      const same = canSame && (!canOther || rng.nextFloat() < o.homophily);
      let partner: number;
      if (same) {
        // Uniform over the class minus i: skip over i's own slot.
        let r = rng.nextInt(classSize - 1);
        if (start[c] + r >= position[i]) r++;
        partner = byClass[start[c] + r];
      } else if (canOther) {
        // Uniform over the other classes: skip over class c's block.
        let r = rng.nextInt(n - classSize);
        if (r >= start[c]) r += classSize;
        partner = byClass[r];
      } else {
        continue; // a single node: nobody to connect to
      }
      src[m] = i;
      dst[m++] = partner;
    }
  }
  const sorted = sortEdges(n, src.subarray(0, m), dst.subarray(0, m), { dropSelfLoops: true });
  return symmetrize(n, sorted.src, sorted.dst);
}

/** Half-normal with mean 1: |z|·sqrt(π/2). */
function halfNormalMeanOne(rng: Rng): number {
  return Math.abs(rng.nextNormal()) * Math.sqrt(Math.PI / 2);
}

function drawFeatures(labels: Int32Array, o: Checked, rng: Rng) {
  const f = o.features;
  const k = o.row_nnz;
  // perm stays a permutation of 0..F-1; a partial Fisher–Yates on it draws a uniform k-subset in
  // O(k), written sorted into out[at..at+size).
  const perm = Int32Array.from({ length: f }, (_, j) => j);
  const drawSubset = (size: number, out: Int32Array, at: number) => {
    for (let t = 0; t < size; t++) {
      const j = t + rng.nextInt(f - t);
      const drawn = perm[j];
      perm[j] = perm[t];
      perm[t] = drawn;
      // Insertion into the sorted prefix out[at..at+t).
      let q = at + t - 1;
      while (q >= at && out[q] > drawn) {
        out[q + 1] = out[q];
        q--;
      }
      out[q + 1] = drawn;
    }
  };

  const patternSize = Math.max(1, Math.round(o.pattern_fraction * f));
  const support = new Int32Array(patternSize);
  // mu[c·F + j]: class c's mean on feature j (0 off its pattern).
  const mu = new Float64Array(o.classes * f);
  for (let c = 0; c < o.classes; c++) {
    drawSubset(patternSize, support, 0);
    for (const j of support) mu[c * f + j] = halfNormalMeanOne(rng);
  }

  const n = o.nodes;
  const indptr = new Int32Array(n + 1);
  const indices = new Int32Array(n * k);
  const data = new Float32Array(n * k);
  for (let i = 0; i < n; i++) {
    const base = labels[i] * f;
    drawSubset(k, indices, i * k);
    for (let t = 0; t < k; t++) data[i * k + t] = o.signal * mu[base + indices[i * k + t]] + halfNormalMeanOne(rng);
    indptr[i + 1] = (i + 1) * k;
  }
  return { kind: "csr" as const, indptr, indices, data };
}
