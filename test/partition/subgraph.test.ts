import { describe, expect, it } from "vitest";
import { graphFromEdges } from "../../compiler/ir/graph-value.js";
import type { TensorValue } from "../../compiler/ir/values.js";
import { csrFormOf, sparsePattern } from "../../compiler/codegen/pattern.js";
import { inducedSubgraph, subgraphCapacity, SubgraphFeatures } from "../../runtime/partition/subgraph.js";

/** Induced subgraphs of chosen parts, padded to a capacity every choice fits. */

// Six nodes in three parts: {0, 1}, {2, 3}, {4, 5}; a path 0-1-2-3-4-5 (both directions) and 5→0.
const src = Int32Array.of(0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5);
const dst = Int32Array.of(1, 0, 2, 1, 3, 2, 4, 3, 5, 4, 0);
const graph = graphFromEdges(6, src, dst);
const part = Int32Array.of(0, 0, 1, 1, 2, 2);
const x: TensorValue = { kind: "tensor", dtype: "f32", shape: [6, 2], data: Float32Array.from({ length: 12 }, (_, k) => k + 1) };
const labels: TensorValue = { kind: "tensor", dtype: "i32", shape: [6], data: Int32Array.of(0, 1, 2, 0, 1, 2) };
const mask: TensorValue = { kind: "tensor", dtype: "f32", shape: [6], data: Float32Array.of(1, 0, 1, 0, 0, 1) };

/** Rows `ids` of a dense [N, F] tensor copied into a zeroed [nodes, F] one: what a subgraph's features must be. */
function denseRows(t: TensorValue, ids: ArrayLike<number>, nodes: number): TensorValue {
  const f = t.shape[1];
  const data = new Float32Array(nodes * f);
  Array.from(ids).forEach((v, i) => data.set(t.data.subarray(v * f, (v + 1) * f), i * f));
  return { kind: "tensor", dtype: "f32", shape: [nodes, f], data };
}

describe("inducedSubgraph", () => {
  it("keeps the chosen parts' nodes and the edges between them (inside and cut), then pads", () => {
    const cap = subgraphCapacity(graph, part, 3, 2);
    expect(cap).toEqual({ nodes: 5, edges: 8 }); // the two largest parts: 2 + 2 nodes, 4 + 4 incoming edges
    const s = inducedSubgraph({ x, graph, labels, mask }, part, [0, 2], cap, new SubgraphFeatures(x, cap.nodes));
    expect(Array.from(s.nodes)).toEqual([0, 1, 4, 5]);
    // 0↔1 and 4↔5 inside parts, 5→0 cut between the chosen parts; 1→2 and 3→4 leave them.
    expect(s.realEdges).toBe(5);
    const edges = Array.from(s.graph.src, (v, k) => `${v}→${s.graph.dst[k]}`).sort();
    expect(edges).toEqual(["0→1", "1→0", "2→3", "3→0", "3→2", "4→4", "4→4", "4→4"]);
    expect(s.graph.numNodes).toBe(5);
    expect(Array.from(s.x.data)).toEqual([1, 2, 3, 4, 9, 10, 11, 12, 0, 0]);
    expect(Array.from(s.labels.data)).toEqual([0, 1, 1, 2, -1]);
    expect(Array.from(s.mask.data)).toEqual([1, 0, 0, 1, 0]);
  });

  it("every choice of parts fits the capacity", () => {
    const cap = subgraphCapacity(graph, part, 3, 2);
    const features = new SubgraphFeatures(x, cap.nodes);
    for (const chosen of [[0, 1], [0, 2], [1, 2]]) {
      const s = inducedSubgraph({ x, graph, labels, mask }, part, chosen, cap, features);
      expect(s.graph.numEdges).toBe(cap.edges);
      expect(s.nodes.length).toBeLessThan(cap.nodes);
    }
  });

  it("features drawn into one buffer (SubgraphFeatures) equal a dense copy draw after draw, and carry their pattern", () => {
    // Mostly zero, so that clearing the last draw's rows matters: row v has v % 3 nonzeros.
    const f = 5;
    const sparse: TensorValue = { kind: "tensor", dtype: "f32", shape: [6, f], data: Float32Array.from({ length: 6 * f }, (_, k) => (k % f < Math.floor(k / f) % 3 ? k + 1 : 0)) };
    const cap = subgraphCapacity(graph, part, 3, 2);
    const features = new SubgraphFeatures(sparse, cap.nodes);
    for (const chosen of [[1, 2], [0, 2], [0, 1], [1, 2]]) {
      const drawn = inducedSubgraph({ x: sparse, graph, labels, mask }, part, chosen, cap, features);
      const plain = denseRows(sparse, drawn.nodes, cap.nodes);
      expect(Array.from(drawn.x.data)).toEqual(Array.from(plain.data));
      expect(drawn.x.shape).toEqual(plain.shape);
      const { pattern, values } = csrFormOf(drawn.x);
      expect(pattern).toEqual(sparsePattern(plain));
      expect(Array.from(values)).toEqual(Array.from(plain.data).filter((v) => v !== 0));
    }
  });
});
