import { describe, expect, it } from "vitest";
import { checkOp, useGpu } from "./helpers.js";
import { random, randomTensor } from "../support/tensors.js";

// t.group_matmul and t.group_matmul_tn against the interpreter: both layouts of the weights,
// one group and several, ragged sizes and multiples of 4 (vec4 loads and stores), several tiles
// per group, a weight's gradient over many rows (teams), a symbolic row count.
const gpu = useGpu();

const t = (shape: number[], seed: number) => randomTensor(shape, random(seed), { lo: -1, hi: 1 });

describe("t.group_matmul", () => {
  for (const transB of [false, true]) {
    for (const [g, m, k, n] of [
      [1, 9, 5, 3],
      [4, 37, 7, 5],
      [3, 300, 16, 8],
      // Several row and column tiles per group: workgroups take a tile's groups one after another.
      [3, 200, 8, 40],
    ]) {
      it(`transB=${transB}: ${g} groups of ${m}×${k}·${k}×${n}`, async (ctx) => {
        const r = await checkOp(gpu(ctx), { op: "t.group_matmul", attrs: { groups: g, transB }, inputs: [t([m, g * k], m), t(transB ? [g, n, k] : [g, k, n], k)] });
        expect(r.kernel.name).toBe(`t_group_matmul${transB ? "_tb" : ""}`);
      });
    }
  }

  it("takes a symbolic row count and the inner size from the sizes uniform (a baked inner size unrolls into spills)", async (ctx) => {
    const r = await checkOp(gpu(ctx), {
      op: "t.group_matmul",
      attrs: { groups: 3, transB: true },
      inputs: [t([50, 12], 1), t([3, 6, 4], 2)],
      types: [
        { kind: "tensor", dtype: "f32", shape: ["N", 12] },
        { kind: "tensor", dtype: "f32", shape: [3, 6, 4] },
      ],
      symbols: { N: 50 },
    });
    expect(r.kernel.uniforms).toEqual(["m", "k"]);
  });
});

describe("t.group_matmul_tn", () => {
  for (const [g, m, k, n] of [
    [1, 8, 3, 2],
    [5, 41, 6, 7],
    [3, 1500, 16, 8],
    [2, 1500, 5, 3],
  ]) {
    it(`${g} groups: (${m}×${k})ᵀ·${m}×${n}`, async (ctx) => {
      const r = await checkOp(gpu(ctx), { op: "t.group_matmul_tn", attrs: { groups: g }, inputs: [t([m, g * k], m + 1), t([m, g * n], n + 2)] });
      // Over many rows, teams share each block of the gradient (matmul-teams.ts).
      if (m > 1000) expect(r.kernel.wgsl).toContain("a team of");
    });
  }
});
