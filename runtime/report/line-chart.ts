import { el, svgDocument, type SvgElement } from "./svg.js";
import { formatTick, niceAxis } from "./ticks.js";

/** A plain line chart (one panel, a legend), for benchmarks: memory vs depth, time vs graph size. */

export interface ChartSeries {
  name: string;
  points: readonly { x: number; y: number }[];
}

export interface LineChart {
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly ChartSeries[];
  /** Place x on a log10 scale, ticked at the data's x values (depths 3, 10, 100, 1001). */
  logX?: boolean;
}

const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e"];
const [WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM] = [720, 400, 80, 540, 50, 330];

export function lineChartSvg(chart: LineChart): string {
  const fx = (v: number) => (chart.logX ? Math.log10(v) : v);
  const xs = chart.series.flatMap((s) => s.points.map((p) => p.x));
  const xAxis = niceAxis(xs.map(fx));
  const yAxis = niceAxis([0, ...chart.series.flatMap((s) => s.points.map((p) => p.y))]);
  const x = (v: number) => LEFT + ((fx(v) - xAxis.min) / (xAxis.max - xAxis.min)) * (RIGHT - LEFT);
  const y = (v: number) => BOTTOM - ((v - yAxis.min) / (yAxis.max - yAxis.min)) * (BOTTOM - TOP);
  const xTicks = chart.logX ? [...new Set(xs)].sort((a, b) => a - b) : xAxis.ticks;
  const parts: SvgElement[] = [
    el("text", { x: WIDTH / 2, y: 24, "text-anchor": "middle", "font-weight": "bold" }, chart.title),
    ...yAxis.ticks.map((t) =>
      el("g", { class: "tick" }, el("line", { x1: LEFT, y1: y(t), x2: RIGHT, y2: y(t), stroke: "#e0e0e0" }), el("text", { x: LEFT - 6, y: y(t) + 4, "text-anchor": "end" }, formatTick(t, yAxis))),
    ),
    ...xTicks.map((t) =>
      el("g", { class: "tick" }, el("line", { x1: x(t), y1: BOTTOM, x2: x(t), y2: BOTTOM + 5, stroke: "black" }), el("text", { x: x(t), y: BOTTOM + 18, "text-anchor": "middle" }, chart.logX ? String(t) : formatTick(t, xAxis))),
    ),
    el("line", { class: "axis", x1: LEFT, y1: BOTTOM, x2: RIGHT, y2: BOTTOM, stroke: "black" }),
    el("line", { class: "axis", x1: LEFT, y1: TOP, x2: LEFT, y2: BOTTOM, stroke: "black" }),
    el("text", { class: "axis-label", x: (LEFT + RIGHT) / 2, y: BOTTOM + 40, "text-anchor": "middle" }, chart.xLabel + (chart.logX ? " (log scale)" : "")),
    el("text", { class: "axis-label", x: 20, y: (TOP + BOTTOM) / 2, transform: `rotate(-90 20 ${(TOP + BOTTOM) / 2})`, "text-anchor": "middle" }, chart.yLabel),
  ];
  chart.series.forEach((s, k) => {
    const color = COLORS[k % COLORS.length];
    const points = s.points.map((p) => `${x(p.x).toFixed(2)},${y(p.y).toFixed(2)}`).join(" ");
    parts.push(el("g", { class: "series", "data-series": s.name }, el("polyline", { points, fill: "none", stroke: color, "stroke-width": 2 }), ...s.points.map((p) => el("circle", { cx: x(p.x), cy: y(p.y), r: 3, fill: color }))));
    const ly = TOP + 10 + k * 20;
    parts.push(el("g", { class: "legend-entry" }, el("line", { x1: RIGHT + 16, y1: ly, x2: RIGHT + 36, y2: ly, stroke: color, "stroke-width": 2 }), el("text", { x: RIGHT + 42, y: ly + 4 }, s.name)));
  });
  return svgDocument(WIDTH, HEIGHT, parts);
}
