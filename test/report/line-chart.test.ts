import { describe, expect, it } from "vitest";
import { lineChartSvg } from "../../runtime/report/index.js";
import { xmlProblems } from "./xml.js";

describe("the line chart", () => {
  const chart = (dashed?: boolean) =>
    lineChartSvg({
      title: "memory",
      xLabel: "blocks",
      yLabel: "MiB",
      logX: true,
      series: [
        { name: "measured", points: [{ x: 3, y: 1 }, { x: 1001, y: 2 }] },
        { name: "planned", points: [{ x: 3, y: 1 }, { x: 1001, y: 3 }], dashed },
      ],
    });

  it("draws a dashed series' line and legend entry dashed, and only those", () => {
    const doc = chart(true);
    expect(xmlProblems(doc)).toEqual([]);
    expect(doc.match(/stroke-dasharray="6 4"/g)).toHaveLength(2);
    const planned = doc.slice(doc.indexOf('data-series="planned"'));
    expect(planned.slice(0, planned.indexOf("</g>"))).toContain("stroke-dasharray");
    expect(chart(undefined)).not.toContain("stroke-dasharray");
  });

  it("ticks a log x axis at the data's x values", () => {
    const doc = chart();
    expect(doc).toContain(">1001<");
    expect(doc).toContain("blocks (log scale)");
  });
});

describe("the line chart's log y axis", () => {
  it("ticks every power of ten spanning the values, and spaces decades equally", () => {
    const doc = lineChartSvg({ title: "t", xLabel: "x", yLabel: "MiB", logY: true, series: [{ name: "s", points: [{ x: 1, y: 8 }, { x: 2, y: 80 }, { x: 3, y: 1600 }] }] });
    expect(xmlProblems(doc)).toEqual([]);
    const ticks = [...doc.matchAll(/<text x="74" y="([\d.]+)" text-anchor="end">([^<]+)<\/text>/g)].map((m) => [Number(m[1]), m[2]] as const);
    expect(ticks.map(([, label]) => label)).toEqual(["1", "10", "100", "1000", "10000"]);
    const gaps = ticks.slice(1).map(([y], k) => ticks[k][0] - y);
    for (const g of gaps) expect(g).toBeCloseTo(gaps[0], 1);
    expect(doc).toContain("MiB (log scale)");
  });
});
