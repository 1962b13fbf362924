import { describe, it, expect } from "vitest";
import { lrAt, lrScheduleProblems, type LrSchedule } from "../../../runtime/train/index.js";
import { expectAllClose } from "../../support/allclose.js";

/** Learning-rate schedules against PyTorch's closed forms, worked by hand. */

const rates = (s: LrSchedule | undefined, base: number, epochs: number) => Array.from({ length: epochs }, (_, e) => lrAt(s, base, e));

describe("lrAt", () => {
  it("is the base rate with no schedule", () => {
    expect(rates(undefined, 0.01, 3)).toEqual([0.01, 0.01, 0.01]);
  });

  it("step: StepLR, lr·gamma^⌊e/step_size⌋", () => {
    expectAllClose(rates({ name: "step", args: { step_size: 3, gamma: 0.5 } }, 0.1, 8), [0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025], { atol: 5e-13, rtol: 0 });
    expectAllClose(rates({ name: "step", args: { step_size: 1 } }, 1, 3), [1, 0.1, 0.01], { atol: 5e-13, rtol: 0 }); // gamma defaults to 0.1
  });

  it("cosine: CosineAnnealingLR from lr down to eta_min over T_max epochs", () => {
    const s: LrSchedule = { name: "cosine", args: { T_max: 4, eta_min: 0.01 } };
    expectAllClose(rates(s, 0.1, 5), [0.1, 0.01 + 0.09 * (1 + Math.SQRT1_2) / 2, 0.055, 0.01 + 0.09 * (1 - Math.SQRT1_2) / 2, 0.01], { atol: 5e-13, rtol: 0 });
    expect(lrAt({ name: "cosine", args: { t_max: 10 } }, 0.2, 10)).toBeCloseTo(0, 15); // lower-case spelling, eta_min 0
  });

  it("cosine_restarts with T_mult = 1: the same cosine every T_0 epochs", () => {
    const s: LrSchedule = { name: "cosine_restarts", args: { T_0: 3 } };
    const period = rates(s, 0.3, 3);
    expectAllClose(period, [0.3, 0.3 * 0.75, 0.3 * 0.25], { atol: 5e-13, rtol: 0 });
    expectAllClose(rates(s, 0.3, 9), [...period, ...period, ...period], { atol: 5e-13, rtol: 0 });
  });

  it("cosine_restarts with T_mult = 2: periods 2, 4, 8, …", () => {
    const s: LrSchedule = { name: "cosine_restarts", args: { T_0: 2, T_mult: 2, eta_min: 0 } };
    const c = (tCur: number, ti: number) => (1 + Math.cos((Math.PI * tCur) / ti)) / 2;
    const expected = [c(0, 2), c(1, 2), c(0, 4), c(1, 4), c(2, 4), c(3, 4), c(0, 8), c(1, 8), c(7, 8)];
    const epochs = [0, 1, 2, 3, 4, 5, 6, 7, 13];
    expectAllClose(epochs.map((e) => lrAt(s, 1, e)), expected, { atol: 5e-13, rtol: 0 });
    expect(lrAt(s, 1, 14)).toBe(1); // the next restart
  });

  it("cosine_restarts agrees with PyTorch's logarithmic form of the period", () => {
    const t0 = 3;
    const mult = 3;
    for (let e = 0; e < 200; e++) {
      let tCur = e;
      let ti = t0;
      if (e >= t0) {
        const n = Math.floor(Math.log((e / t0) * (mult - 1) + 1) / Math.log(mult));
        tCur = e - (t0 * (mult ** n - 1)) / (mult - 1);
        ti = t0 * mult ** n;
      }
      const torch = 0.001 + (0.1 - 0.001) * (1 + Math.cos((Math.PI * tCur) / ti)) / 2;
      expect(lrAt({ name: "cosine_restarts", args: { T_0: t0, T_mult: mult, eta_min: 0.001 } }, 0.1, e)).toBeCloseTo(torch, 12);
    }
  });
});

describe("schedule arguments", () => {
  it("reports every problem", () => {
    expect(lrScheduleProblems({ name: "step", args: { gamma: 0.5 } })).toEqual(["`step` needs `step_size`"]);
    expect(lrScheduleProblems({ name: "cosine", args: { T_max: 2.5, warmup: 3 } })).toEqual([
      "`cosine` has no option `warmup`; it takes T_max, eta_min",
      "`T_max` must be an integer ≥ 1, got 2.5",
    ]);
    expect(lrScheduleProblems({ name: "cosine_restarts", args: { T_0: 2, t_0: 2, T_mult: 0 } })).toEqual([
      "`T_0` is given twice (as T_0 and t_0)",
      "`T_mult` must be an integer ≥ 1, got 0",
    ]);
    expect(lrScheduleProblems({ name: "step", args: { step_size: "three" } })).toEqual(["`step_size` must be an integer ≥ 1, got three"]);
    expect(lrScheduleProblems({ name: "step", args: { step_size: 2 } })).toEqual([]);
  });

  it("makes lrAt throw on a bad schedule or epoch", () => {
    expect(() => lrAt({ name: "step", args: {} }, 0.1, 0)).toThrow("learning-rate schedule `step`: `step` needs `step_size`");
    expect(() => lrAt(undefined, 0.1, -1)).toThrow(/epoch must be an integer ≥ 0/);
  });
});
