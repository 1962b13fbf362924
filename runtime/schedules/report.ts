import { lineChartSvg } from "../report/index.js";
import type { ScheduleResult } from "./result.js";

/** A schedule run in a report: its phases as a table, and its metrics by evaluated pass as a curve. */

function num(x: number | undefined): string {
  return x === undefined ? "–" : Number.isFinite(x) ? x.toFixed(4) : String(x);
}

/** The metric names evaluated in any phase, in order of first appearance (train_loss left out). */
function metricNames(r: ScheduleResult): string[] {
  const names: string[] = [];
  for (const p of r.schedule.phases) for (const k of Object.keys(p.metrics ?? {})) if (k !== "train_loss" && !names.includes(k)) names.push(k);
  return names;
}

/** The names of the kind's measures (ADMM: objective, residual, ρ, bytes), in order of first appearance. */
function measureNames(r: ScheduleResult): string[] {
  const names: string[] = [];
  for (const p of r.schedule.phases) for (const k of Object.keys(p.measures ?? {})) if (!names.includes(k)) names.push(k);
  return names;
}

/** A measure in a table cell: counts as integers, the rest with 4 significant digits. */
function measure(x: number | undefined): string {
  if (x === undefined) return "–";
  return Number.isInteger(x) ? String(x) : x.toPrecision(4);
}

export function phasesMarkdown(r: ScheduleResult): string {
  const metrics = metricNames(r);
  const measures = measureNames(r);
  const losses = r.schedule.phases.some((p) => p.visits.length > 0);
  const head = ["phase", "done", "time", ...(losses ? ["last loss per part"] : []), ...measures.map((m) => `\`${m}\``), ...metrics.map((m) => `\`${m}\``)];
  const rows = r.schedule.phases.map((p) => [
    p.label + (p.done === r.selected_epoch ? " (selected)" : ""),
    String(p.done),
    `${(p.ms / 1000).toFixed(2)} s`,
    ...(losses ? [p.visits.map((v) => `${v.part}: ${num(v.losses[v.losses.length - 1])}`).join(", ")] : []),
    ...measures.map((m) => measure(p.measures?.[m])),
    ...metrics.map((m) => num(p.metrics?.[m])),
  ]);
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  const table = [line(head), line(head.map(() => "---")), ...rows.map(line)].join("\n");
  return `## Phases\n\n${r.schedule.summary}.\n\n${table}`;
}

/** Every evaluated phase's metrics, by its pass number (FT pass 0, 1, …). */
export function passCurveSvg(r: ScheduleResult): string {
  const evaluated = r.schedule.phases.filter((p) => p.metrics);
  return lineChartSvg({
    title: `${r.run} on ${r.dataset}: metrics after each evaluated pass`,
    xLabel: "pass",
    yLabel: metricNames(r).every((m) => m.endsWith("accuracy")) ? "accuracy" : "metric",
    series: metricNames(r).map((name) => ({ name, points: evaluated.flatMap((p) => (p.metrics?.[name] !== undefined ? [{ x: p.pass, y: p.metrics[name] }] : [])) })),
  });
}

/** The objective and the primal residual after each pass (ADMM), on a log scale; undefined for a schedule without them. */
export function objectiveSvg(r: ScheduleResult): string | undefined {
  const phases = r.schedule.phases.filter((p) => p.measures?.objective !== undefined);
  if (phases.length === 0) return undefined;
  const series = (["objective", "residual"] as const).map((name) => ({ name, points: phases.flatMap((p) => (p.measures![name] > 0 ? [{ x: p.pass, y: p.measures![name] }] : [])) }));
  return lineChartSvg({ title: `${r.run} on ${r.dataset}: objective and primal residual Σ‖p_{l+1} − q_l‖² by iteration`, xLabel: "iteration", yLabel: "value", series, logY: true });
}
