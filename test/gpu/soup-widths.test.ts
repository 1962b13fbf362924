import { describe, expect, it } from "vitest";
import { measureWidths } from "../../bench/soup-widths.js";
import { graphFromEdges } from "../../compiler/ir/graph-value.js";
import type { Dataset, Features } from "../../runtime/data/index.js";
import { useGpu } from "./helpers.js";

// The soup bench's kernel-by-kernel comparison runs every product it names on the device: the
// patterned ones bound to a compact operand's values and pattern arrays, the others to plain
// operands. Timings are the bench's business; here, that each kernel binds and runs.
const gpu = useGpu();

function dataset(features: "csr" | "dense"): Dataset {
  const n = 48;
  const f = 20;
  const src = Int32Array.from({ length: n }, (_, i) => i);
  const dst = Int32Array.from({ length: n }, (_, i) => (i + 1) % n);
  const indptr = Int32Array.from({ length: n + 1 }, (_, i) => 3 * i);
  const indices = Int32Array.from({ length: 3 * n }, (_, e) => ((Math.floor(e / 3) % 6) + 6 * (e % 3)) % f);
  const data = Float32Array.from({ length: 3 * n }, (_, e) => 1 + (e % 5));
  const x: Features = features === "csr" ? { kind: "csr", indptr, indices, data } : { kind: "dense", data: new Float32Array(n * f).fill(0.5) };
  return { name: `tiny-${features}`, numNodes: n, numFeatures: f, numClasses: 3, graph: graphFromEdges(n, src, dst), features: x, labels: new Int32Array(n), splits: {} };
}

describe("soup bench: side by side, kernel by kernel", () => {
  it("times the features' products on sparse features, and the SpMM and per-model products always", async (ctx) => {
    const device = gpu(ctx);
    const options = { models: 3, hidden: 4, trials: 1, trialMs: 1 };
    const sparse = await measureWidths(device, dataset("csr"), options);
    expect(sparse.map((r) => r.kernel.split(",")[0])).toEqual(["P·W", "Pᵀ·D / Dᵀ·P", "Â·H", "H·Wᵀ per model (t_group_matmul_tb / t_matmul_nt)", "D·W per model", "Dᵀ·H per model"]);
    for (const r of sparse) {
      expect(r.wideMs).toBeGreaterThan(0);
      expect(r.narrowMs).toBeGreaterThan(0);
      expect(r.ratio).toBeCloseTo(r.wideMs / (3 * r.narrowMs), 10);
    }
    const dense = await measureWidths(device, dataset("dense"), options);
    expect(dense).toHaveLength(4);
    expect(dense[0].kernel.startsWith("Â·H")).toBe(true);
  });
});
