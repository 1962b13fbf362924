import { describe, expect, it } from "vitest";
import { syntheticGraphs } from "../../../runtime/data/synthetic-graphs.js";
import type { GraphsArgs } from "../../../compiler/train/graphs-rules.js";

const ARGS: GraphsArgs = { graphs: 90, classes: 3, min_nodes: 6, max_nodes: 17, features: 5, edge_features: 3, seed: 4 };

/** Per graph: its nodes, its undirected edges, and its undirected cycle-closing (last bond type) edges. */
function perGraph(o: GraphsArgs) {
  const d = syntheticGraphs(o);
  const batch = d.graphs!.batch;
  const nodes = new Array<number>(o.graphs).fill(0);
  batch.forEach((g) => nodes[g]++);
  const edges = new Array<number>(o.graphs).fill(0);
  const closing = new Array<number>(o.graphs).fill(0);
  const { src, dst } = d.graph;
  for (let e = 0; e < d.graph.numEdges; e++) {
    expect(batch[src[e]]).toBe(batch[dst[e]]);
    if (src[e] < dst[e]) {
      edges[batch[src[e]]]++;
      if (d.edgeAttr && d.edgeAttr.data[e * d.edgeAttr.dim + d.edgeAttr.dim - 1] === 1) closing[batch[src[e]]]++;
    }
  }
  return { d, nodes, edges, closing };
}

describe("synthetic.graphs", () => {
  it("is the same set for the same seed and another for another seed", () => {
    const a = syntheticGraphs(ARGS);
    const b = syntheticGraphs(ARGS);
    const c = syntheticGraphs({ ...ARGS, seed: 5 });
    expect(b.graph.src).toEqual(a.graph.src);
    expect(b.labels).toEqual(a.labels);
    expect(b.features).toEqual(a.features);
    expect(c.graph.src).not.toEqual(a.graph.src);
  });

  it("gives class c graphs c·⌈n/5⌉ cycles, closed by edges of the last bond type", () => {
    const { d, nodes, edges, closing } = perGraph(ARGS);
    for (let g = 0; g < ARGS.graphs; g++) {
      const n = nodes[g];
      expect(n).toBeGreaterThanOrEqual(ARGS.min_nodes);
      expect(n).toBeLessThanOrEqual(ARGS.max_nodes);
      const cycles = edges[g] - (n - 1);
      expect(cycles).toBe(d.labels[g] * Math.ceil(n / 5));
      expect(closing[g]).toBe(cycles);
    }
  });

  it("stores a symmetric simple graph, one-hot atoms and bonds, and a batch vector in graph order", () => {
    const { d } = perGraph(ARGS);
    const { src, dst, numEdges } = d.graph;
    const pairs = new Set<string>();
    for (let e = 0; e < numEdges; e++) {
      expect(src[e]).not.toBe(dst[e]);
      pairs.add(`${src[e]},${dst[e]}`);
    }
    expect(pairs.size).toBe(numEdges);
    for (let e = 0; e < numEdges; e++) expect(pairs.has(`${dst[e]},${src[e]}`)).toBe(true);
    const batch = d.graphs!.batch;
    for (let i = 1; i < batch.length; i++) expect(batch[i] - batch[i - 1]).toBeGreaterThanOrEqual(0);
    expect(batch[batch.length - 1]).toBe(ARGS.graphs - 1);
    const rowSums = (data: Float32Array, dim: number) => Array.from({ length: data.length / dim }, (_, r) => data.slice(r * dim, (r + 1) * dim).reduce((s, v) => s + v, 0));
    if (d.features.kind !== "dense") throw new Error("dense features expected");
    expect(new Set(rowSums(d.features.data, ARGS.features))).toEqual(new Set([1]));
    expect(d.edgeAttr!.dim).toBe(ARGS.edge_features);
    expect(new Set(rowSums(d.edgeAttr!.data, ARGS.edge_features))).toEqual(new Set([1]));
  });

  it("balances the classes and splits the graphs 80 / 10 / 10, disjoint", () => {
    const d = syntheticGraphs(ARGS);
    const counts = [0, 0, 0];
    d.labels.forEach((c) => counts[c]++);
    expect(counts).toEqual([30, 30, 30]);
    const { train, val, test } = d.splits;
    expect([train.length, val.length, test.length]).toEqual([72, 9, 9]);
    expect(new Set([...train, ...val, ...test]).size).toBe(ARGS.graphs);
  });

  it("leaves out edge features when edge_features = 0", () => {
    const d = syntheticGraphs({ ...ARGS, edge_features: 0 });
    expect(d.edgeAttr).toBeUndefined();
  });
});
