import type { SoupSummary } from "../runtime/schedules/soup-summary.js";
import type { WidthRow } from "./soup-widths.js";
import { median } from "./stats.js";

/** The soup benchmark's cases, the acceptance targets checked on them, and the Markdown report. */

export interface SoupCase {
  model: string;
  dataset: string;
  /** Absent when the run measured the concurrency only (soup.ts --concurrency-only). */
  soup?: SoupSummary;
  /** How the ingredients trained: Adam's lr, warm-up epochs of one model, epochs of each; and why. */
  training: { lr: number; warmup: number; epochs: number; chosen: string };
  /** LS's (and PLS's) learning rate. */
  lsLr: number;
  /** The warm-up run before it (the same soup, 2 epochs, same device): every kernel launched once, its compile out of the timed run. */
  warmMs?: number;
  /** A few epochs of the same ingredients, side by side and one after another, alternating: each round's times. */
  concurrency: { epochs: number; sideBySideMs: number[]; oneAfterAnotherMs: number[] };
}

/** A dataset's products side by side against one model's, kernel by kernel (soup-widths.ts). */
export interface SoupWidths {
  dataset: string;
  rows: WidthRow[];
}

export interface SoupTarget {
  case: string;
  target: string;
  measured: string;
  met: boolean;
}

export interface SoupBenchResults {
  date: string;
  machine: { cpu: string; cores: number; load: { start: number; end: number } };
  settings: Record<string, number>;
  cases: SoupCase[];
  /** Absent in results written before the kernel-by-kernel comparison. */
  widths?: SoupWidths[];
  targets: SoupTarget[];
  seconds: number;
}

/** 0.2 and 1 accuracy points, as fractions. */
const POINT = 0.01;

export function soupTargets(cases: readonly SoupCase[]): SoupTarget[] {
  const out: SoupTarget[] = [];
  for (const c of cases) {
    const name = `${c.model} on ${c.dataset}`;
    const row = (n: string) => c.soup?.rows.find((r) => r.name === n);
    const [best, gis, ls, pls] = [row("best ingredient"), row("greedy (GIS)"), row("learned (LS)"), row("partition (PLS)")];
    const test = (r: typeof best) => r?.metrics.test_accuracy ?? NaN;
    const pts = (x: number) => `${(100 * x).toFixed(2)}`;
    if (ls && gis) {
      out.push({ case: name, target: "LS test accuracy ≥ GIS − 0.2 points", measured: `${pts(test(ls))} vs ${pts(test(gis))}`, met: test(ls) >= test(gis) - 0.2 * POINT });
      out.push({ case: name, target: "LS mixing time < GIS's", measured: `${(ls.mixMs! / 1000).toFixed(2)} s vs ${(gis.mixMs! / 1000).toFixed(2)} s`, met: ls.mixMs! < gis.mixMs! });
    }
    if (ls && best) out.push({ case: name, target: "LS test accuracy ≥ best ingredient − 0.2 points", measured: `${pts(test(ls))} vs ${pts(test(best))}`, met: test(ls) >= test(best) - 0.2 * POINT });
    if (ls && pls) {
      const ratio = pls.peakBytes! / ls.peakBytes!;
      out.push({ case: name, target: "PLS peak bytes ≤ 40% of LS's", measured: `${(100 * ratio).toFixed(0)}% (${(pls.peakBytes! / 2 ** 20).toFixed(1)} of ${(ls.peakBytes! / 2 ** 20).toFixed(1)} MiB)`, met: ratio <= 0.4 });
      out.push({ case: name, target: "PLS test accuracy within 1 point of LS", measured: `${pts(test(pls))} vs ${pts(test(ls))}`, met: Math.abs(test(pls) - test(ls)) <= POINT });
    }
    // The median of the rounds' ratios: a round's two runs are neighbours in time, so a slow spell of the machine scales both.
    const { sideBySideMs: together, oneAfterAnotherMs: apart, epochs } = c.concurrency;
    const r = median(together.map((t, k) => t / apart[k]));
    const rounds = together.length === 1 ? "" : `, median of ${together.length} alternating rounds`;
    out.push({ case: name, target: "ingredients side by side ≤ 0.5× one after another", measured: `${r.toFixed(2)}× (${(median(together) / 1000).toFixed(1)} s vs ${(median(apart) / 1000).toFixed(1)} s, ${epochs} epochs${rounds})`, met: r <= 0.5 });
  }
  return out;
}

function table(head: string[], rows: string[][]): string {
  const line = (r: string[]) => `| ${r.join(" | ")} |`;
  return [line(head), line(head.map(() => "---")), ...rows.map(line)].join("\n");
}

export function soupBenchMarkdown(r: SoupBenchResults): string {
  const s = r.settings;
  const parts = [
    `# gnnc soup benchmark — ${r.date}`,
    `Machine: ${r.machine.cores} × ${r.machine.cpu}; load average (1 min) ${r.machine.load.start.toFixed(1)} at the start, ${r.machine.load.end.toFixed(1)} at the end. The run took ${r.seconds.toFixed(0)} s.`,
    `Settings: ${s.ingredients} ingredients of the examples' models (hidden ${s.hidden}), trained as each case says, evaluated every ${s.evalEvery}, each kept at its best validation epoch; GIS over a grid of ${s.grid} ratios; LS ${s.lsEpochs} SGD steps on the validation nodes at each dataset's lr (chosen on its validation split), cosine restarts every ${Math.floor(s.lsEpochs / 2)}; PLS K = ${s.parts}, R = ${s.partsPerStep}, its ingredients streamed from the host (offload = partition, the default; LS keeps them on the device). Mixing time: from opening the mix's runner to the soup on the host, each case after a warm-up run of the same soup for 2 epochs on the same device (lavapipe compiles a kernel at its first launch: without it the mixes whose kernels no earlier phase ran, LS's and PLS's, held their compiles — seconds on a cold shader cache — and GIS's, which evaluates with the ingredients' predict, did not). Peak: the bytes the mix's runner allocated (GPU).`,
    "## Targets",
    table(["case", "target", "measured", "verdict"], r.targets.map((t) => [t.case, t.target, t.measured, t.met ? "**met**" : "not met"])),
  ];
  for (const c of r.cases) {
    if (!c.soup) continue; // the concurrency alone: its target row says it all
    const metrics = Object.keys(c.soup.rows[0]?.metrics ?? {});
    parts.push(`## ${c.model} on ${c.dataset}`);
    const t = c.training;
    parts.push(`Ingredients: Adam lr ${t.lr}, ${t.warmup ? `${t.warmup} warm-up epochs of one model, then ` : ""}${t.epochs} epochs each (chosen on validation: ${t.chosen}). LS and PLS at lr ${c.lsLr}.${c.warmMs !== undefined ? ` Warm-up run (kernels launched once): ${(c.warmMs / 1000).toFixed(1)} s.` : ""}`);
    if (c.soup.trained) parts.push(`Ingredients trained ${c.soup.trained.sideBySide ? "side by side" : "one after another"} in ${(c.soup.trained.ms / 1000).toFixed(1)} s, peak ${(c.soup.trained.peakBytes / 2 ** 20).toFixed(1)} MiB.`);
    parts.push(
      table(
        ["soup", ...metrics, "mix s", "peak MiB", "detail"],
        c.soup.rows.map((x) => [x.name, ...metrics.map((m) => x.metrics[m].toFixed(4)), x.mixMs === undefined ? "–" : (x.mixMs / 1000).toFixed(2), x.peakBytes === undefined ? "–" : (x.peakBytes / 2 ** 20).toFixed(2), x.detail ?? ""]),
      ),
    );
  }
  if (r.widths?.length) {
    parts.push("## Side by side, kernel by kernel");
    parts.push(
      `Each product of the batched step once, ${s.ingredients} models wide, against one model's product launched ${s.ingredients} times, isolated (operands resident, the two alternating, medians of 15 trials of about 100 ms; the features' products walk all their nonzeros, where training walks dropout's kept half). Below 1×, side by side saves time on that kernel; on lavapipe a patterned product gathers a row of the other operand per nonzero whatever the width.`,
    );
    for (const w of r.widths) {
      parts.push(`### ${w.dataset}`);
      parts.push(table(["kernel", "problem", "wide ms", "narrow ms", `wide ÷ ${s.ingredients} narrow`], w.rows.map((x) => [x.kernel, x.problem, x.wideMs.toFixed(2), x.narrowMs.toFixed(2), `${x.ratio.toFixed(2)}×`])));
    }
  }
  return parts.join("\n\n") + "\n";
}
