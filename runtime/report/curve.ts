import type { EpochRecord } from "../train/trainer.js";
import { el, svgDocument, type SvgElement } from "./svg.js";
import { formatTick, niceAxis, type Axis } from "./ticks.js";

/**
 * The training curve of a run as a standalone SVG: two panels sharing the epoch axis, the
 * training loss above and the evaluated metrics (val/test accuracy…) below, each with its ticks,
 * axis labels and legend, and the selected epoch marked across both.
 */

export interface CurveOptions {
  title: string;
  /** Marked with a dashed line; 0 or absent for none. */
  selectedEpoch?: number;
}

interface Series {
  name: string;
  color: string;
  points: { x: number; y: number }[];
}

interface Panel {
  top: number;
  yLabel: string;
  series: Series[];
}

const WIDTH = 760;
const HEIGHT = 520;
const LEFT = 70;
const RIGHT = WIDTH - 180; // the legends sit to the right of the plots
const PANEL_HEIGHT = 170;
const PANEL_TOPS = [50, 280];
const LOSS_COLOR = "#1f77b4";
const METRIC_COLORS = ["#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2"];
const GRID = "#e0e0e0";

function scale(axis: Axis, from: number, to: number): (v: number) => number {
  return (v) => from + ((v - axis.min) / (axis.max - axis.min)) * (to - from);
}

/** The metric series of a history: every key but `epoch` and `loss`, in order of first appearance. */
function metricSeries(history: readonly EpochRecord[]): Series[] {
  const names: string[] = [];
  for (const r of history) for (const k of Object.keys(r)) if (k !== "epoch" && k !== "loss" && !names.includes(k)) names.push(k);
  return names.map((name, k) => ({
    name,
    color: METRIC_COLORS[k % METRIC_COLORS.length],
    points: history.filter((r) => r[name] !== undefined).map((r) => ({ x: r.epoch, y: r[name] })),
  }));
}

/** Runs of consecutive finite points: a NaN (a diverged loss, a metric with nothing to measure) breaks the line. */
function segments(points: readonly { x: number; y: number }[]): { x: number; y: number }[][] {
  const out: { x: number; y: number }[][] = [[]];
  for (const p of points) {
    if (Number.isFinite(p.y)) out[out.length - 1].push(p);
    else if (out[out.length - 1].length) out.push([]);
  }
  return out.filter((s) => s.length);
}

function drawSeries(s: Series, x: (v: number) => number, y: (v: number) => number): SvgElement {
  const parts = segments(s.points).map((seg) =>
    seg.length === 1
      ? el("circle", { cx: x(seg[0].x), cy: y(seg[0].y), r: 2.5, fill: s.color })
      : el("polyline", { points: seg.map((p) => `${x(p.x).toFixed(2)},${y(p.y).toFixed(2)}`).join(" "), fill: "none", stroke: s.color, "stroke-width": 1.5 }),
  );
  return el("g", { class: "series", "data-series": s.name }, ...parts);
}

function legend(series: readonly Series[], top: number): SvgElement {
  const entries = series.map((s, k) => {
    const y = top + 10 + k * 18;
    return el(
      "g",
      { class: "legend-entry" },
      el("line", { x1: RIGHT + 16, y1: y, x2: RIGHT + 36, y2: y, stroke: s.color, "stroke-width": 2 }),
      el("text", { x: RIGHT + 42, y: y + 4 }, s.name),
    );
  });
  return el("g", { class: "legend" }, ...entries);
}

function drawPanel(panel: Panel, xAxis: Axis, x: (v: number) => number, selectedEpoch: number | undefined): SvgElement {
  const bottom = panel.top + PANEL_HEIGHT;
  const yAxis = niceAxis(panel.series.flatMap((s) => s.points.map((p) => p.y)));
  const y = scale(yAxis, bottom, panel.top);
  const yTicks = yAxis.ticks.map((t) =>
    el(
      "g",
      { class: "tick" },
      el("line", { x1: LEFT, y1: y(t), x2: RIGHT, y2: y(t), stroke: GRID }),
      el("text", { x: LEFT - 6, y: y(t) + 4, "text-anchor": "end" }, formatTick(t, yAxis)),
    ),
  );
  const xTicks = xAxis.ticks.map((t) =>
    el(
      "g",
      { class: "tick" },
      el("line", { x1: x(t), y1: bottom, x2: x(t), y2: bottom + 5, stroke: "black" }),
      el("text", { x: x(t), y: bottom + 18, "text-anchor": "middle" }, formatTick(t, xAxis)),
    ),
  );
  const midY = panel.top + PANEL_HEIGHT / 2;
  const marks: SvgElement[] = [];
  if (selectedEpoch) {
    marks.push(el("line", { class: "selected", x1: x(selectedEpoch), y1: panel.top, x2: x(selectedEpoch), y2: bottom, stroke: "#555", "stroke-dasharray": "4 3" }));
  }
  return el(
    "g",
    { class: "panel", "data-y": panel.yLabel },
    ...yTicks,
    el("line", { class: "axis", x1: LEFT, y1: bottom, x2: RIGHT, y2: bottom, stroke: "black" }),
    el("line", { class: "axis", x1: LEFT, y1: panel.top, x2: LEFT, y2: bottom, stroke: "black" }),
    ...xTicks,
    el("text", { class: "axis-label", x: 18, y: midY, transform: `rotate(-90 18 ${midY})`, "text-anchor": "middle" }, panel.yLabel),
    el("text", { class: "axis-label", x: (LEFT + RIGHT) / 2, y: bottom + 36, "text-anchor": "middle" }, "epoch"),
    ...marks,
    ...panel.series.map((s) => drawSeries(s, x, y)),
    legend(panel.series, panel.top),
  );
}

export function trainingCurveSvg(history: readonly EpochRecord[], options: CurveOptions): string {
  const metrics = metricSeries(history);
  const panels: Panel[] = [
    { top: PANEL_TOPS[0], yLabel: "loss", series: [{ name: "train loss", color: LOSS_COLOR, points: history.map((r) => ({ x: r.epoch, y: r.loss })) }] },
    { top: PANEL_TOPS[1], yLabel: metrics.length && metrics.every((m) => m.name.endsWith("accuracy")) ? "accuracy" : "metric", series: metrics },
  ];
  const xAxis = niceAxis(history.map((r) => r.epoch), { integer: true });
  const x = scale(xAxis, LEFT, RIGHT);
  // A resumed run that never beat its checkpoint selected an epoch before this history: nothing to mark.
  const marked = options.selectedEpoch;
  const selected = marked && marked >= xAxis.min && marked <= xAxis.max ? marked : undefined;
  const children = [
    el("rect", { x: 0, y: 0, width: WIDTH, height: HEIGHT, fill: "white" }),
    el("text", { class: "title", x: WIDTH / 2, y: 24, "text-anchor": "middle", "font-size": 15 }, options.title),
    ...panels.map((p) => drawPanel(p, xAxis, x, selected)),
  ];
  if (selected) children.push(el("text", { class: "selected-label", x: x(selected) + 4, y: PANEL_TOPS[0] - 6, fill: "#555" }, `selected: epoch ${selected}`));
  return svgDocument(WIDTH, HEIGHT, children);
}
