import { describe, expect, it } from "vitest";
import { emitPatternMatmul } from "../../compiler/codegen/matmul-pattern.js";
import { sparsePattern } from "../../compiler/codegen/pattern.js";
import type { TensorValue } from "../../compiler/ir/values.js";
import { random, randomTensor } from "../support/tensors.js";
import { checkCase } from "./shape-graph-helpers.js";
import { useGpu } from "./helpers.js";

/**
 * The patterned matmuls (P mostly zeros, visited through its pattern) against the interpreter's
 * dense `t.matmul`, P an input (its values in column order made on the host): P·Wᵀ (Wᵀ written
 * to scratch first, a group of outputs per invocation), P·W (W stored [F, H], read directly), Dᵀ·P
 * and Pᵀ·D (columns longest first), for output widths that take vec4 groups (16, 64, 24), scalar
 * groups (7) and a prime (17: one output per invocation); with empty rows and columns, a row
 * count that is not a multiple of the workgroup, and one dense column (a very long one). Dropout
 * of P, whose kept view a kernel writes on the GPU, is checked through whole functions
 * (program.test.ts).
 */
const gpu = useGpu();

/** A [n, f] matrix about `density` nonzero, with rows 0 and 5 empty, column 1 empty and column 0 full. */
function sparse(n: number, f: number, density: number, seed: number): TensorValue {
  const rand = random(seed);
  const data = new Float32Array(n * f);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < f; k++) {
      const empty = i === 0 || i === 5 || k === 1;
      if (!empty && (k === 0 || rand() < density)) data[i * f + k] = 2 * rand() - 1;
    }
  }
  return { kind: "tensor", dtype: "f32", shape: [n, f], data };
}

/** The launches for an input P of `nonzeros` nonzeros. */
const launchesFor = (nonzeros: number, pattern: 0 | 1) => (node: Parameters<typeof emitPatternMatmul>[0], types: Parameters<typeof emitPatternMatmul>[1]) =>
  emitPatternMatmul(node, types, {}, nonzeros, pattern, "given");
const nonzeros = (t: TensorValue) => t.data.filter((v) => v !== 0).length;

describe("patterned matmul kernels agree with the interpreter", () => {
  for (const h of [16, 64, 24, 7, 17, 80]) {
    it(`P·Wᵀ, P·W, Dᵀ·P and Pᵀ·D with ${h} outputs`, async (ctx) => {
      const [n, f] = [131, 90];
      const p = sparse(n, f, 0.05, h);
      const rand = random(100 + h);
      const w = randomTensor([h, f], rand);
      const wide = randomTensor([f, h], rand);
      const d = randomTensor([n, h], rand);
      const first = launchesFor(nonzeros(p), 0);
      const rows = await checkCase(gpu(ctx), { op: "t.matmul", attrs: { transA: false, transB: true }, inputs: [p, w], launches: first });
      expect(rows.kernels.map((k) => k.name)).toEqual(["t_matmul_pattern_wt", "t_matmul_pattern_rows"]);
      const rowsN = await checkCase(gpu(ctx), { op: "t.matmul", attrs: { transA: false, transB: false }, inputs: [p, wide], launches: first });
      expect(rowsN.kernels.map((k) => k.name)).toEqual(["t_matmul_pattern_rows_n"]);
      // P's values in column order, no perm.
      for (const [inputs, pattern, name] of [[[d, p], 1, "t_matmul_pattern_cols"], [[p, d], 0, "t_matmul_pattern_cols_t"]] as const) {
        const cols = await checkCase(gpu(ctx), { op: "t.matmul", attrs: { transA: true, transB: false }, inputs: [...inputs], launches: launchesFor(nonzeros(p), pattern) });
        expect(cols.kernels.map((k) => k.name)).toEqual([name]);
        expect(cols.kernels[0].bindings.map((b) => b.source.kind)).toContain("column_values");
        expect(cols.kernels[0].bindings.map((b) => b.name)).not.toContain("perm");
      }
    }, 60_000);
  }

  it("shares long columns among a team (a tall P: 3000 rows, 12 columns), either product", async (ctx) => {
    const p = sparse(3000, 12, 0.5, 3);
    const d = randomTensor([3000, 16], random(4));
    const cols = await checkCase(gpu(ctx), { op: "t.matmul", attrs: { transA: true, transB: false }, inputs: [d, p], launches: launchesFor(nonzeros(p), 1) });
    expect(cols.kernels[0].wgsl).toContain("team of 16");
    const colsT = await checkCase(gpu(ctx), { op: "t.matmul", attrs: { transA: true, transB: false }, inputs: [p, d], launches: launchesFor(nonzeros(p), 0) });
    expect(colsT.kernels[0].wgsl).toContain("team of 16");
  }, 60_000);

  it("visits columns and rows longest first, ties in index order", () => {
    const p = sparsePattern({ kind: "tensor", dtype: "f32", shape: [3, 4], data: Float32Array.from([0, 1, 1, 0, 0, 1, 0, 1, 1, 1, 1, 0]) });
    expect([...p.order]).toEqual([1, 2, 0, 3]);
    expect([...p.roworder]).toEqual([2, 0, 1]);
  });
});
