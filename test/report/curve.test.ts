import { describe, expect, it } from "vitest";
import { trainingCurveSvg } from "../../runtime/report/index.js";
import type { EpochRecord } from "../../runtime/train/trainer.js";
import { elements, xmlProblems } from "./xml.js";

/** 10 epochs, metrics every 2nd epoch, one NaN validation value. */
const HISTORY: EpochRecord[] = Array.from({ length: 10 }, (_, k) => {
  const epoch = k + 1;
  const r: EpochRecord = { epoch, loss: 1.4 / epoch };
  if (epoch % 2 === 0) {
    r.val_accuracy = epoch === 6 ? NaN : 0.5 + epoch * 0.03;
    r.test_accuracy = 0.45 + epoch * 0.03;
  }
  return r;
});

/** The polylines' points of one series as numbers. */
function seriesPoints(svg: string, name: string): number[][][] {
  const group = new RegExp(`<g class="series" data-series="${name}">([\\s\\S]*?)</g>|<g class="series" data-series="${name}"/>`).exec(svg);
  if (!group) throw new Error(`no series ${name}`);
  return elements(group[1] ?? "", "polyline").map((p) => p.points.split(" ").map((xy) => xy.split(",").map(Number)));
}

describe("the training curve", () => {
  const svg = trainingCurveSvg(HISTORY, { title: "small on syn", selectedEpoch: 8 });

  it("is a well-formed SVG document with a title", () => {
    expect(xmlProblems(svg)).toEqual([]);
    expect(svg).toContain(">small on syn</text>");
  });

  it("has two panels, loss above and accuracy below, each with axis labels, ticks and a legend", () => {
    const panels = elements(svg, "g").filter((g) => g.class === "panel");
    expect(panels.map((p) => p["data-y"])).toEqual(["loss", "accuracy"]);
    const labels = [...svg.matchAll(/<text class="axis-label"[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
    expect(labels).toEqual(["loss", "epoch", "accuracy", "epoch"]);
    const tickLabels = [...svg.matchAll(/<g class="tick">\s*<line[^>]*\/>\s*<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
    expect(tickLabels).toEqual(expect.arrayContaining(["0.0", "0.5", "1.0", "1.5", "0", "2", "4", "6", "8", "10"]));
    const legend = [...svg.matchAll(/<g class="legend-entry">[\s\S]*?<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
    expect(legend).toEqual(["train loss", "val_accuracy", "test_accuracy"]);
  });

  it("draws every epoch's loss and the evaluated metrics, breaking the line at a NaN", () => {
    const loss = seriesPoints(svg, "train loss");
    expect(loss).toHaveLength(1);
    expect(loss[0]).toHaveLength(10);
    const xs = loss[0].map((p) => p[0]);
    expect(xs).toEqual([...xs].sort((a, b) => a - b));
    const ys = loss[0].map((p) => p[1]);
    expect(ys).toEqual([...ys].sort((a, b) => a - b)); // a falling loss moves down the panel: y grows
    expect(seriesPoints(svg, "test_accuracy")[0]).toHaveLength(5);
    // val: epochs 2, 4 | NaN at 6 | 8, 10
    expect(seriesPoints(svg, "val_accuracy").map((s) => s.length)).toEqual([2, 2]);
    // Points stay inside the drawing.
    for (const [x, y] of [...loss[0], ...seriesPoints(svg, "test_accuracy")[0]]) {
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThanOrEqual(760);
      expect(y).toBeGreaterThanOrEqual(0);
      expect(y).toBeLessThanOrEqual(520);
    }
  });

  it("marks the selected epoch on both panels, at the epoch's x", () => {
    const marks = elements(svg, "line").filter((l) => l.class === "selected");
    expect(marks).toHaveLength(2);
    const x8 = seriesPoints(svg, "train loss")[0][7][0];
    for (const m of marks) expect(Number(m.x1)).toBeCloseTo(x8, 1);
    expect(svg).toContain("selected: epoch 8");
    expect(trainingCurveSvg(HISTORY, { title: "t" })).not.toContain('class="selected"');
  });

  it("copes with an empty history and a single epoch", () => {
    expect(xmlProblems(trainingCurveSvg([], { title: "empty" }))).toEqual([]);
    const one = trainingCurveSvg([{ epoch: 1, loss: 0.7, val_accuracy: 0.5 }], { title: "one", selectedEpoch: 1 });
    expect(xmlProblems(one)).toEqual([]);
    expect(elements(one, "circle")).toHaveLength(2);
  });
});
