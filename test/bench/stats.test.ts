import { describe, expect, it } from "vitest";
import { median, quantile, ratio } from "../../bench/stats.js";

describe("bench statistics", () => {
  it("takes the middle value, or the mean of the middle two", () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 100])).toBe(3.5);
    expect(median([])).toBeNaN();
  });
  it("interpolates quantiles between order statistics", () => {
    expect(quantile([10, 0, 20, 30], 0)).toBe(0);
    expect(quantile([10, 0, 20, 30], 1)).toBe(30);
    expect(quantile([10, 0, 20, 30], 0.5)).toBe(15);
    expect(quantile([0, 10], 0.25)).toBe(2.5);
    expect(() => quantile([1], 2)).toThrow(RangeError);
  });
  it("divides only measured, positive denominators", () => {
    expect(ratio(3, 2)).toBe(1.5);
    expect(ratio(undefined, 2)).toBeUndefined();
    expect(ratio(3, 0)).toBeUndefined();
    expect(ratio(NaN, 2)).toBeUndefined();
  });
});
