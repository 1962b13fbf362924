import { describe, it, expect } from "vitest";
import { allOpSpecs } from "../../compiler/ir/ops/index.js";
import { LEAF_OPS } from "../../compiler/ir/ops/struct.js";
import { parseFunc } from "../../compiler/ir/parse.js";
import { printFunc } from "../../compiler/ir/print.js";
import type { Attrs, Type } from "../../compiler/ir/types.js";
import { verifyFunc } from "../../compiler/ir/verify.js";
import { gradientFunc } from "./gradcheck.js";
import { f32 } from "../support/tensors.js";

/**
 * Every op in the table must say how gradients pass through it: a `vjp`, or `nondifferentiable`,
 * or be a leaf. A new op without a gradient rule fails here.
 */

/**
 * The documented exceptions: stacks are differentiated structurally by the autodiff pass (a
 * backward loop, see compiler/autodiff/stack-vjp.ts), and `s.get` only ever appears in what autodiff
 * builds (a multi-value loop's results), never on a forward gradient path; `t.fused` is made by
 * fuse-elementwise after autodiff, from ops that each have their rule, and so are the matmul/SpMM
 * epilogues (fuse-epilogue).
 */
const STRUCTURAL = new Set(["s.loop", "s.reversible", "s.get", "t.fused", "t.matmul_epilogue", "g.spmm_epilogue"]);

describe("gradient rules cover the op table", () => {
  it("every op has a vjp, is nondifferentiable, is a leaf, or is structural", () => {
    const missing = allOpSpecs()
      .filter((s) => !s.vjp && !s.nondifferentiable && !LEAF_OPS.has(s.name) && !STRUCTURAL.has(s.name))
      .map((s) => s.name);
    expect(missing).toEqual([]);
  });

  it("the structural ops really are exceptions (no per-op rule; autodiff handles them)", () => {
    for (const name of STRUCTURAL) {
      const spec = allOpSpecs().find((s) => s.name === name);
      expect(spec?.vjp, name).toBeUndefined();
      expect(spec?.nondifferentiable, name).toBeFalsy();
    }
  });

  it("graph-only and random-key ops are marked nondifferentiable", () => {
    const flagged = (name: string) => allOpSpecs().find((s) => s.name === name)?.nondifferentiable;
    for (const name of ["g.degree", "g.gcn_norm", "g.add_self_loops", "s.rng_fold", "nn.dropout_mask"]) {
      expect(flagged(name), name).toBe(true);
    }
  });
});

describe("gradient IR prints and parses back", () => {
  const g: Type = { kind: "graph", nodes: "N", edges: "E", selfLoops: false };
  const cases: Array<[string, Type[], Attrs]> = [
    ["t.slice", [f32("N", 4)], { axis: 1, start: 1, size: 2 }],
    ["t.select", [f32(3, "N", 2), { kind: "tensor", dtype: "i32", shape: [] }], { axis: 0 }],
    ["t.max", [f32("N", 4)], { axes: [0] }],
    ["t.mean", [f32("N", 4)], { axes: [0] }],
    ["t.maximum", [f32("N", 4), f32(4)], {}],
    ["nn.layer_norm", [f32("N", 4), f32(4), f32(4)], { mode: "graph" }],
    ["g.spmm", [g, f32("E", 2), f32("N", 2, 3)], { reduce: "max" }],
    ["g.spmm", [g, f32("E"), f32("N", "C")], { reduce: "mean" }],
  ];
  for (const [op, types, attrs] of cases) {
    it(`${op} ${JSON.stringify(attrs)}`, () => {
      const f = gradientFunc(op, types, attrs);
      expect(verifyFunc(f)).toEqual([]);
      const text = printFunc(f);
      expect(printFunc(parseFunc(text))).toBe(text);
    });
  }
});
