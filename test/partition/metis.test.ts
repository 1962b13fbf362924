import { existsSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { graphFromEdges } from "../../compiler/ir/graph-value.js";
import { csbm } from "../../runtime/data/csbm.js";
import { metisGraphText, partitionGraph, PartitionError } from "../../runtime/partition/metis.js";

/**
 * METIS through gpmetis (installed by `npm run setup`): the graph file it reads, partitions that
 * the same seed repeats (from the cache or afresh), the cut and balance reported, and clear
 * errors for a part count above the node count and for a missing gpmetis — with nothing cached.
 */

const cacheEnv = () => ({ ...process.env, GNNC_CACHE_DIR: mkdtempSync(join(tmpdir(), "gnnc-metis-")) });
const data = csbm({ nodes: 600, classes: 3, features: 20, avg_degree: 6, homophily: 0.8, signal: 1, seed: 3 });
const val = Uint8Array.from({ length: 600 }, (_, v) => (data.splits.val.includes(v) ? 1 : 0));

describe("METIS's graph file", () => {
  it("lists each node's neighbours once, 1-based, both directions, without self loops; vertex weights when balancing on a set", () => {
    // 0→1, 1→0, 1→2 (one direction only), 2→2 (a self loop), node 3 isolated.
    const g = graphFromEdges(4, Int32Array.of(0, 1, 1, 2), Int32Array.of(1, 0, 2, 2));
    expect(metisGraphText(g)).toBe("4 2\n2\n1 3\n2\n\n");
    expect(metisGraphText(g, Uint8Array.of(0, 1, 0, 1))).toBe("4 2 010 2\n1 0 2\n1 1 1 3\n1 0 2\n1 1\n");
  });
});

describe("partitionGraph", () => {
  it("the same seed gives the same partition, from the cache or afresh; the cut and the balance are reported", () => {
    const env = cacheEnv();
    const first = partitionGraph(data.graph, { parts: 8, seed: 1, balanceOn: val }, env);
    expect(first.cached).toBe(false);
    const again = partitionGraph(data.graph, { parts: 8, seed: 1, balanceOn: val }, env);
    expect(again.cached).toBe(true);
    const fresh = partitionGraph(data.graph, { parts: 8, seed: 1, balanceOn: val }, cacheEnv());
    expect(fresh.cached).toBe(false);
    expect(Array.from(again.part)).toEqual(Array.from(first.part));
    expect(Array.from(fresh.part)).toEqual(Array.from(first.part));

    let cut = 0;
    for (let e = 0; e < data.graph.numEdges; e++) if (first.part[data.graph.src[e]] !== first.part[data.graph.dst[e]]) cut++;
    expect(first.edgeCut).toBe(cut);
    expect(first.cutFraction).toBeCloseTo(cut / data.graph.numEdges, 12);
    expect(first.sizes.reduce((a, b) => a + b, 0)).toBe(600);
    expect(first.sizes.every((s) => s > 0)).toBe(true);
    // METIS's default tolerance is 3% on each constraint; a few validation nodes per part round up.
    expect(first.nodeBalance).toBeLessThan(1.1);
    expect(first.setBalance).toBeLessThan(1.5);
    // A good cut of a homophilous graph: far below a random assignment's 7/8.
    expect(first.cutFraction).toBeLessThan(0.5);
  });

  it("refuses more parts than nodes, and says how to install a missing gpmetis; nothing is cached", () => {
    const env = cacheEnv();
    expect(() => partitionGraph(data.graph, { parts: 601, seed: 0 }, env)).toThrow("cannot cut 600 nodes into 601 parts");
    const missing = { ...env, GNNC_GPMETIS: "/nonexistent/gpmetis" };
    try {
      partitionGraph(data.graph, { parts: 4, seed: 0 }, missing);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(PartitionError);
      expect((e as Error).message).toBe("partition souping cuts the graph with METIS, but `/nonexistent/gpmetis` was not found");
      expect((e as PartitionError).help).toMatch(/apt-get install -y metis.*npm run setup/);
    }
    const dir = join(env.GNNC_CACHE_DIR!, "partitions");
    expect(existsSync(dir) ? readdirSync(dir) : []).toEqual([]);
  });
});
