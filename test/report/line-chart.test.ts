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
