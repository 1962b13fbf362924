import { describe, expect, it } from "vitest";
import { formatTick, niceAxis } from "../../runtime/report/index.js";

describe("nice axis ticks", () => {
  it("picks 1/2/5 steps that cover the data", () => {
    const a = niceAxis([0.31, 0.87]);
    expect(a.ticks).toEqual([0.2, 0.4, 0.6, 0.8, 1]);
    expect([a.min, a.max]).toEqual([0.2, 1]);
    expect(a.ticks.map((t) => formatTick(t, a))).toEqual(["0.2", "0.4", "0.6", "0.8", "1.0"]);
    expect(niceAxis([0, 1.386]).ticks).toEqual([0, 0.5, 1, 1.5]);
    expect(niceAxis([3, 1234]).ticks).toEqual([0, 500, 1000, 1500]);
  });

  it("keeps epochs whole and handles one value, no values and non-finite ones", () => {
    expect(niceAxis([1, 2, 3], { integer: true }).ticks.every(Number.isInteger)).toBe(true);
    const one = niceAxis([5], { integer: true });
    expect(one.ticks).toContain(5);
    expect(one.min).toBeLessThan(5);
    expect(niceAxis([]).ticks).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceAxis([NaN, 0.5, Infinity, 0.7]).ticks).toEqual([0.5, 0.55, 0.6, 0.65, 0.7]);
    const small = niceAxis([0.5, 0.7]);
    expect(small.ticks.map((t) => formatTick(t, small))).toEqual(["0.50", "0.55", "0.60", "0.65", "0.70"]);
  });
});
