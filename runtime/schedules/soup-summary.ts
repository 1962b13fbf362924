import type { SoupMethod } from "../../compiler/schedules/soup-names.js";
import type { PartitionQuality } from "../partition/quality.js";
import type { Metrics } from "../train/metrics-keys.js";

/** What a soup run reports beside its phases: the comparison of the ingredients and the soups. */
export interface SoupSummary {
  ingredients: number;
  /** How the ingredients trained (absent when they were loaded). */
  trained?: { sideBySide: boolean; ms: number; peakBytes: number; note: string };
  loadedFrom?: string;
  /** The soup the run keeps. */
  kept: SoupMethod;
  rows: SoupRow[];
  /** Partition souping's partition. */
  partition?: Omit<PartitionQuality, "sizes"> & { sizes: number[]; parts: number; path: string; cached: boolean };
}

export interface SoupRow {
  /** `best ingredient`, `mean ingredient`, `uniform`, `greedy (GIS)`, … */
  name: string;
  method?: SoupMethod;
  metrics: Metrics;
  /** Wall time of the mixing step (its runner opened to the soup on the host). */
  mixMs?: number;
  /** Peak bytes of the mixing step's runner. */
  peakBytes?: number;
  detail?: string;
}

function fmt(x: number | undefined, digits = 4): string {
  return x === undefined ? "–" : Number.isFinite(x) ? x.toFixed(digits) : String(x);
}

const mib = (b: number | undefined) => (b === undefined ? "–" : (b / 2 ** 20).toFixed(b < 2 ** 20 ? 3 : 1));

/** The metric columns, in the block's report order. */
function metricNames(s: SoupSummary): string[] {
  return Object.keys(s.rows[0]?.metrics ?? {});
}

/** The comparison as rows of cells: soup, metrics, mixing time, peak MiB. */
function cells(s: SoupSummary): string[][] {
  const metrics = metricNames(s);
  const head = ["soup", ...metrics, "mix s", "peak MiB"];
  const rows = s.rows.map((r) => [r.name + (r.method === s.kept ? " *" : ""), ...metrics.map((m) => fmt(r.metrics[m])), r.mixMs === undefined ? "–" : (r.mixMs / 1000).toFixed(2), mib(r.peakBytes)]);
  return [head, ...rows];
}

/** The table for a terminal: aligned columns, the kept soup marked with *. */
export function soupTableText(s: SoupSummary): string {
  const table = cells(s);
  const widths = table[0].map((_, j) => Math.max(...table.map((r) => r[j].length)));
  const line = (r: string[]) => "  " + r.map((c, j) => (j === 0 ? c.padEnd(widths[j]) : c.padStart(widths[j]))).join("  ");
  const details = s.rows.filter((r) => r.detail).map((r) => `    ${r.name}: ${r.detail}`);
  return [...table.map(line), ...details].join("\n") + "\n";
}

/** The same as Markdown, for `--report`. */
export function soupTableMarkdown(s: SoupSummary): string {
  const table = cells(s);
  const line = (r: string[]) => `| ${r.join(" | ")} |`;
  const how = s.trained
    ? `${s.ingredients} ingredients trained ${s.trained.sideBySide ? "side by side" : "one after another"} in ${(s.trained.ms / 1000).toFixed(2)} s (${s.trained.note}).`
    : `${s.ingredients} ingredients loaded from \`${s.loadedFrom}\`.`;
  const details = s.rows.filter((r) => r.detail).map((r) => `- ${r.name}: ${r.detail}`);
  return `## Soups\n\n${how} The kept soup is marked *.\n\n${[line(table[0]), line(table[0].map(() => "---")), ...table.slice(1).map(line)].join("\n")}\n\n${details.join("\n")}`;
}
