import { describe, expect, it } from "vitest";
import { soupBenchMarkdown, soupTargets, type SoupCase } from "../../bench/soup-report.js";
import type { SoupRow } from "../../runtime/schedules/soup-summary.js";

/** The soup benchmark's verdicts (0.2 and 1 accuracy points, 40% of LS's bytes, 0.5× the time) and its report. */

const row = (name: string, test: number, mixMs?: number, peakBytes?: number): SoupRow => ({ name, metrics: { val_accuracy: 0.8, test_accuracy: test }, ...(mixMs === undefined ? {} : { mixMs, peakBytes }) });

const soupCase = (ls: number, gis: number, best: number, pls: number): SoupCase => ({
  model: "GCN",
  dataset: "Amazon Computers",
  training: { lr: 0.05, warmup: 150, epochs: 50, chosen: "uniform's val against the mean's" },
  lsLr: 30,
  soup: {
    ingredients: 10,
    kept: "learned",
    rows: [row("best ingredient", best), row("mean ingredient", 0.7), row("greedy (GIS)", gis, 20_000, 50 * 2 ** 20), row("learned (LS)", ls, 7_000, 50 * 2 ** 20), row("partition (PLS)", pls, 5_000, 15 * 2 ** 20)],
  },
  concurrency: { epochs: 10, sideBySideMs: [6_000, 4_000, 9_000], oneAfterAnotherMs: [10_000, 10_000, 10_000] },
});

describe("soup benchmark targets", () => {
  it("meets LS ≥ GIS − 0.2 and ≥ best − 0.2 points at the edge, and misses just past it", () => {
    const verdict = (c: SoupCase, target: string) => soupTargets([c]).find((t) => t.target.startsWith(target))!.met;
    expect(verdict(soupCase(0.7881, 0.79, 0.79, 0.78), "LS test accuracy ≥ GIS")).toBe(true);
    expect(verdict(soupCase(0.7879, 0.79, 0.7, 0.78), "LS test accuracy ≥ GIS")).toBe(false);
    expect(verdict(soupCase(0.7879, 0.7, 0.79, 0.78), "LS test accuracy ≥ best")).toBe(false);
    expect(verdict(soupCase(0.79, 0.79, 0.79, 0.7799), "PLS test accuracy within 1 point")).toBe(false);
    expect(verdict(soupCase(0.79, 0.79, 0.79, 0.78), "PLS peak bytes")).toBe(true); // 30%
    expect(verdict(soupCase(0.79, 0.79, 0.79, 0.78), "ingredients side by side")).toBe(false); // rounds 0.6×, 0.4×, 0.9×: median 0.6×
  });

  it("takes the median of the alternating rounds' ratios for the concurrency target", () => {
    const c = soupCase(0.79, 0.79, 0.79, 0.78);
    const measured = (sideBySideMs: number[], oneAfterAnotherMs: number[]) =>
      soupTargets([{ ...c, concurrency: { epochs: 10, sideBySideMs, oneAfterAnotherMs } }]).find((t) => t.target.startsWith("ingredients side by side"))!;
    expect(measured([6_000, 4_000, 9_000], [10_000, 10_000, 10_000]).measured).toBe("0.60× (6.0 s vs 10.0 s, 10 epochs, median of 3 alternating rounds)");
    // A slow spell that doubles one round's two runs leaves its ratio, and so the median, alone.
    const slow = measured([4_000, 8_000, 4_500], [10_000, 20_000, 9_000]);
    expect(slow.measured.startsWith("0.40×")).toBe(true);
    expect(slow.met).toBe(true);
  });

  it("reports each case's ingredient settings, why they were chosen, and LS's rate", () => {
    const md = soupBenchMarkdown({ date: "2026-12-06", machine: { cpu: "cpu", cores: 2, load: { start: 1, end: 1 } }, settings: { ingredients: 10, evalEvery: 5, hidden: 16, lsEpochs: 40, concurrencyEpochs: 10, parts: 32, partsPerStep: 8, grid: 20 }, cases: [soupCase(0.79, 0.79, 0.79, 0.78)], targets: [], seconds: 1 });
    expect(md).toContain("Ingredients: Adam lr 0.05, 150 warm-up epochs of one model, then 50 epochs each (chosen on validation: uniform's val against the mean's). LS and PLS at lr 30.");
  });

  it("tabulates each dataset's products side by side against one model's, kernel by kernel", () => {
    const base = { date: "2026-12-07", machine: { cpu: "cpu", cores: 2, load: { start: 1, end: 1 } }, settings: { ingredients: 10, evalEvery: 5, hidden: 16, lsEpochs: 40, concurrencyEpochs: 10, parts: 32, partsPerStep: 8, grid: 20 }, cases: [], targets: [], seconds: 1 };
    const widths = [{ dataset: "Coauthor CS", rows: [{ kernel: "P·W", problem: "P [4, 3]", wideMs: 12, narrowMs: 2, ratio: 0.6 }] }];
    const md = soupBenchMarkdown({ ...base, widths });
    expect(md).toContain("## Side by side, kernel by kernel");
    expect(md).toContain("| P·W | P [4, 3] | 12.00 | 2.00 | 0.60× |");
    // Results written before the comparison have none, and their report has no such section.
    expect(soupBenchMarkdown(base)).not.toContain("kernel by kernel");
  });

  it("reports the concurrency alone when the run trained no soups (--concurrency-only)", () => {
    const { soup: _soup, ...concurrencyOnly } = soupCase(0.79, 0.79, 0.79, 0.78);
    const targets = soupTargets([concurrencyOnly]);
    expect(targets.map((t) => t.target)).toEqual(["ingredients side by side ≤ 0.5× one after another"]);
    const md = soupBenchMarkdown({ date: "2026-12-07", machine: { cpu: "cpu", cores: 2, load: { start: 1, end: 1 } }, settings: { ingredients: 10, evalEvery: 5, hidden: 16, lsEpochs: 40, concurrencyEpochs: 10, parts: 32, partsPerStep: 8, grid: 20 }, cases: [concurrencyOnly], targets, seconds: 1 });
    expect(md).toContain("| GCN on Amazon Computers | ingredients side by side ≤ 0.5× one after another | 0.60×");
    expect(md).not.toContain("## GCN on Amazon Computers");
  });
});
