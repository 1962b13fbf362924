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

export function phasesMarkdown(r: ScheduleResult): string {
  const metrics = metricNames(r);
  const head = ["phase", "done", "time", "last loss per part", ...metrics.map((m) => `\`${m}\``)];
  const rows = r.schedule.phases.map((p) => [
    p.label + (p.done === r.selected_epoch ? " (selected)" : ""),
    String(p.done),
    `${(p.ms / 1000).toFixed(2)} s`,
    p.visits.map((v) => `${v.part}: ${num(v.losses[v.losses.length - 1])}`).join(", "),
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
