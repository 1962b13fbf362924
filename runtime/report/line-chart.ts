import { el, svgDocument, type SvgElement } from "./svg.js";
import { formatTick, niceAxis } from "./ticks.js";

/** A plain line chart (one panel, a legend), for benchmarks: memory vs depth, time vs graph size. */

export interface ChartSeries {
  name: string;
  points: readonly { x: number; y: number }[];
  /** Draw the line dashed (a prediction beside measurements). */
  dashed?: boolean;
}

export interface LineChart {
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly ChartSeries[];
  /** Place x on a log10 scale, ticked at the data's x values (depths 3, 10, 100, 1001). */
  logX?: boolean;
  /** Place y on a log10 scale, ticked at powers of ten (for values spanning decades; all must be positive). */
  logY?: boolean;
}

/** Whole decades (in log10 units) spanning the positive values, ticked at each power of ten. */
function decadeAxis(values: readonly number[]): { min: number; max: number; ticks: number[] } {
  const logs = values.filter((v) => v > 0 && Number.isFinite(v)).map(Math.log10);
  const min = logs.length ? Math.floor(Math.min(...logs)) : 0;
  const max = Math.max(min + 1, logs.length ? Math.ceil(Math.max(...logs)) : 1);
  return { min, max, ticks: Array.from({ length: max - min + 1 }, (_, k) => Number((10 ** (min + k)).toPrecision(12))) };
}

const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e"];
const [WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM] = [720, 400, 80, 540, 50, 330];

export function lineChartSvg(chart: LineChart): string {
  const fx = (v: number) => (chart.logX ? Math.log10(v) : v);
  const xs = chart.series.flatMap((s) => s.points.map((p) => p.x));
  const xAxis = niceAxis(xs.map(fx));
  const fy = (v: number) => (chart.logY ? Math.log10(v) : v);
  const ys = chart.series.flatMap((s) => s.points.map((p) => p.y));
  const yAxis = niceAxis([0, ...ys]);
  const yScale = chart.logY ? decadeAxis(ys) : yAxis;
  const x = (v: number) => LEFT + ((fx(v) - xAxis.min) / (xAxis.max - xAxis.min)) * (RIGHT - LEFT);
  const y = (v: number) => BOTTOM - ((fy(v) - yScale.min) / (yScale.max - yScale.min)) * (BOTTOM - TOP);
  const xTicks = chart.logX ? [...new Set(xs)].sort((a, b) => a - b) : xAxis.ticks;
  const parts: SvgElement[] = [
    el("text", { x: WIDTH / 2, y: 24, "text-anchor": "middle", "font-weight": "bold" }, chart.title),
    ...yScale.ticks.map((t) =>
      el("g", { class: "tick" }, el("line", { x1: LEFT, y1: y(t), x2: RIGHT, y2: y(t), stroke: "#e0e0e0" }), el("text", { x: LEFT - 6, y: y(t) + 4, "text-anchor": "end" }, chart.logY ? String(t) : formatTick(t, yAxis))),
    ),
    ...xTicks.map((t) =>
      el("g", { class: "tick" }, el("line", { x1: x(t), y1: BOTTOM, x2: x(t), y2: BOTTOM + 5, stroke: "black" }), el("text", { x: x(t), y: BOTTOM + 18, "text-anchor": "middle" }, chart.logX ? String(t) : formatTick(t, xAxis))),
    ),
    el("line", { class: "axis", x1: LEFT, y1: BOTTOM, x2: RIGHT, y2: BOTTOM, stroke: "black" }),
    el("line", { class: "axis", x1: LEFT, y1: TOP, x2: LEFT, y2: BOTTOM, stroke: "black" }),
    el("text", { class: "axis-label", x: (LEFT + RIGHT) / 2, y: BOTTOM + 40, "text-anchor": "middle" }, chart.xLabel + (chart.logX ? " (log scale)" : "")),
    el("text", { class: "axis-label", x: 20, y: (TOP + BOTTOM) / 2, transform: `rotate(-90 20 ${(TOP + BOTTOM) / 2})`, "text-anchor": "middle" }, chart.yLabel + (chart.logY ? " (log scale)" : "")),
  ];
  chart.series.forEach((s, k) => {
    const color = COLORS[k % COLORS.length];
    const dash = s.dashed ? "6 4" : undefined;
    const points = s.points.map((p) => `${x(p.x).toFixed(2)},${y(p.y).toFixed(2)}`).join(" ");
    parts.push(el("g", { class: "series", "data-series": s.name }, el("polyline", { points, fill: "none", stroke: color, "stroke-width": 2, "stroke-dasharray": dash }), ...s.points.map((p) => el("circle", { cx: x(p.x), cy: y(p.y), r: 3, fill: color }))));
    const ly = TOP + 10 + k * 20;
    parts.push(el("g", { class: "legend-entry" }, el("line", { x1: RIGHT + 16, y1: ly, x2: RIGHT + 36, y2: ly, stroke: color, "stroke-width": 2, "stroke-dasharray": dash }), el("text", { x: RIGHT + 42, y: ly + 4 }, s.name)));
  });
  return svgDocument(WIDTH, HEIGHT, parts);
}
