import { describe, expect, it } from "vitest";
import { parseModule } from "../../compiler/ir/parse.js";
import { printModule } from "../../compiler/ir/print.js";
import { funcAt, scalarsAt, selectableAt, stepCounts, stepPlanProblems, type StepPlan } from "../../compiler/ir/step-plan.js";
import { verifyModule } from "../../compiler/ir/verify.js";

/** Step plans: which function trains step t (first matching rule), host scalars, selection, text form, verification. */

const plan: StepPlan = {
  init: ["setup"],
  rules: [
    { func: "edge", from: { fraction: 0.5 }, until: { fraction: 0.5 }, every: 1 },
    { func: "update", from: { step: 3 }, until: { fraction: 0.75 }, every: 3 },
    { func: "late", from: { fraction: 0.5 }, every: 1 },
  ],
  scalars: [
    { name: "drop", formula: "cosine", scale: 0.5, from: { step: 0 }, until: { fraction: 0.75 } },
    { name: "keep", formula: "cubic", scale: 1, from: { step: 2 }, until: { step: 6 } },
  ],
  selectFrom: { fraction: 0.5 },
};

describe("step plans", () => {
  it("run the first matching rule's function, train_step otherwise; fractions of the block's steps round down", () => {
    // 12 steps: edge at 6; update at 3, 6 (taken by edge), 9; late from 6 on.
    expect(Array.from({ length: 12 }, (_, k) => funcAt(plan, k + 1, 12))).toEqual([
      "train_step", "train_step", "update", "train_step", "train_step", "edge", "late", "late", "update", "late", "late", "late",
    ]);
    expect([...stepCounts(plan, 12)]).toEqual([["train_step", 4], ["update", 2], ["edge", 1], ["late", 5]]);
    expect([...stepCounts(plan, 12, 6, 8)]).toEqual([["late", 2]]);
    expect([6, 5].map((t) => selectableAt(plan, t, 12))).toEqual([true, false]);
  });

  it("compute host scalars: cosine decay to `until`, cubic from `from` to `until`", () => {
    expect(scalarsAt(plan, 0, 12).drop).toBe(0.5);
    expect(scalarsAt(plan, 3, 12).drop).toBeCloseTo(0.25 * (1 + Math.cos(Math.PI / 3)), 12);
    expect(scalarsAt(plan, 9, 12).drop).toBeCloseTo(0, 12);
    expect(scalarsAt(plan, 11, 12).drop).toBeCloseTo(0, 12);
    expect([1, 2, 4, 6, 8].map((t) => scalarsAt(plan, t, 12).keep)).toEqual([1, 1, 0.125, 0, 0]);
  });

  it("print with the module and read back; the verifier names undefined functions and bad points", () => {
    const text = `module m
step init setup
step edge{every=1, from_fraction=0.5, until_fraction=0.5}
step update{every=3, from=3, until_fraction=0.75}
step late{every=1, from_fraction=0.5}
step select{from_fraction=0.5}
step scalar drop = cosine{from=0, scale=0.5, until_fraction=0.75}
step scalar keep = cubic{from=2, scale=1, until=6}`;
    const m = parseModule(text);
    expect(m.steps).toEqual(plan);
    expect(printModule(m)).toBe(text);
    expect(verifyModule(m).map((p) => p.message)).toEqual([
      "step plan: init function setup is not defined",
      "step plan: function edge is not defined",
      "step plan: function update is not defined",
      "step plan: function late is not defined",
    ]);
    const bad: StepPlan = { init: [], rules: [{ func: "f", from: { fraction: 1.5 }, every: 0 }], scalars: [] };
    expect(stepPlanProblems(bad, new Set(["f"]))).toEqual([
      "step plan: every of f must be an integer ≥ 1, got 0",
      'step plan: from of f must be a step ≥ 0 or a fraction in [0, 1], got {"fraction":1.5}',
    ]);
  });
});
