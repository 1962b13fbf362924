import { describe, expect, it } from "vitest";
import { sparseOps } from "../../compiler/ir/ops/sparse.js";
import type { Attrs } from "../../compiler/ir/types.js";
import type { TensorValue } from "../../compiler/ir/values.js";
import { runTensorOp } from "../support/one-op.js";
import { random, randomTensor, UNIFORM } from "../support/tensors.js";
import { gradcheck } from "./gradcheck.js";

/**
 * The sparse-weight ops' gradient rules against central differences: masking, and the pattern
 * products (a weight read only at its mask's positions, and a product computed only there).
 * The pattern operand (i32) and the selections carry no gradient.
 */

const rand = random(11);
const r = (shape: number[]) => randomTensor(shape, rand, UNIFORM);
const [rows, cols, n] = [4, 6, 3];
const mask: TensorValue = { kind: "tensor", dtype: "f32", shape: [rows, cols], data: Float32Array.from({ length: rows * cols }, (_, k) => (k % 3 === 1 || k % 5 === 0 ? 1 : 0)) };
const nnz = [...mask.data].filter((x) => x !== 0).length;
const pattern = runTensorOp("sp.pattern", [mask], { nnz });

const cases: { name: string; op: string; attrs?: Attrs; inputs: () => TensorValue[] }[] = [
  { name: "sp.mask", op: "sp.mask", inputs: () => [r([rows, cols]), mask] },
  { name: "sp.matmul transB (a layer's forward)", op: "sp.matmul", attrs: { nnz, transB: true }, inputs: () => [r([n, cols]), r([rows, cols]), pattern] },
  { name: "sp.matmul (an input's gradient)", op: "sp.matmul", attrs: { nnz, transB: false }, inputs: () => [r([n, rows]), r([rows, cols]), pattern] },
  { name: "sp.sddmm (a masked weight's gradient)", op: "sp.sddmm", attrs: { nnz }, inputs: () => [r([n, rows]), r([n, cols]), pattern] },
];

describe("gradient rules: sparse weights", () => {
  for (const c of cases) {
    it(c.name, () => {
      const result = gradcheck(c.op, c.inputs(), { attrs: c.attrs });
      expect(result.problems).toEqual([]);
      if (c.op !== "sp.mask") expect(result.grads[result.grads.length - 1]).toBeUndefined(); // the i32 pattern
    });
  }

  it("covers every sp op with a rule; the selections are nondifferentiable", () => {
    const tested = new Set(cases.map((c) => c.op));
    expect(sparseOps.filter((s) => s.vjp && !tested.has(s.name)).map((s) => s.name)).toEqual([]);
    expect(sparseOps.filter((s) => !s.vjp).map((s) => [s.name, s.nondifferentiable])).toEqual([
      ["sp.drop", true],
      ["sp.grow", true],
      ["sp.topk", true],
      ["sp.pattern", true],
    ]);
  });
});
