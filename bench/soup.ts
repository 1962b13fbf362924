// Model souping (techniques.md §3) on the GPU: for each dataset and model, G ingredients trained
// side by side, then the best and mean ingredient, the uniform, greedy (GIS), learned (LS) and
// partition learned (PLS) soups — test accuracy, wall time of the mixing step, peak bytes — and
// the time of training the ingredients side by side against one after another. Writes
// bench/results/soup.{json,md}; progress goes to stderr.
//
//   npm run build && node dist/bench/soup.js [--datasets coauthor_cs,amazon_computers] [--models gcn,sage]
//     [--ingredients 10] [--eval-every 5] [--hidden 16] [--ls-epochs 40] [--ls-lr LR, default per dataset] [--concurrency-epochs 10] [--concurrency-rounds 5]
//     [--no-widths] [--widths-only] [--concurrency-only] [--out bench/results]
//
// Needs GNNC_DATA_DIR, a WebGPU adapter and gpmetis (npm run setup). Settings are the paper's
// where it gives them (K = 32, R = 8, G = 20) and are chosen on validation only: the ingredients'
// training per dataset and model in INGREDIENTS below.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { compile } from "../compiler/index.js";
import { describeDataset, openDataset } from "../runtime/data/index.js";
import { openDevice, type GpuDevice } from "../runtime/gpu/index.js";
import { runScheduledTraining } from "../runtime/schedules/run.js";
import type { ScheduleResult } from "../runtime/schedules/result.js";
import { findTrain } from "../runtime/train/run.js";
import { soupBenchMarkdown, soupTargets, type SoupCase, type SoupWidths } from "./soup-report.js";
import { measureWidths } from "./soup-widths.js";
import { adaptExample, loadDeclaration } from "./sources.js";
import { benchArgs } from "./args.js";

const values = benchArgs(import.meta.url, {
  datasets: { type: "string", default: "coauthor_cs,amazon_computers" },
  models: { type: "string", default: "gcn,sage" },
  ingredients: { type: "string", default: "10" },
  "eval-every": { type: "string", default: "5" },
  hidden: { type: "string", default: "16" },
  "ls-epochs": { type: "string", default: "40" },
  "ls-lr": { type: "string" },
  "concurrency-epochs": { type: "string", default: "10" },
  "concurrency-rounds": { type: "string", default: "5" },
  // Side by side kernel by kernel (soup-widths.ts): each dataset's products G·h wide against G launches h wide.
  "no-widths": { type: "boolean", default: false },
  "widths-only": { type: "boolean", default: false },
  // Only the ingredients' training side by side against one after another (no soups, so no METIS): what a lent GPU runs (bench/gpu).
  "concurrency-only": { type: "boolean", default: false },
  out: { type: "string", default: "bench/results" },
});

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const EXAMPLES: Record<string, { name: string; file: string }> = { gcn: { name: "GCN", file: "examples/cora-gcn.gnn" }, sage: { name: "SAGE", file: "examples/cora-sage.gnn" } };
const LABELS: Record<string, string> = { cora: "Cora", coauthor_cs: "Coauthor CS", amazon_computers: "Amazon Computers" };
const dataDir = process.env.GNNC_DATA_DIR ? resolve(process.env.GNNC_DATA_DIR) : undefined;
const log = (line: string) => process.stderr.write(`[soup] ${line}\n`);
const G = Number(values.ingredients);

/** How a case's ingredients train: Adam's lr, warm-up epochs of one model, then epochs of each ingredient. */
interface IngredientSettings {
  lr: number;
  warmup: number;
  epochs: number;
  /** Why: the validation figures that chose these settings. */
  chosen: string;
}

/**
 * The ingredients' training, chosen on validation accuracy only (val figures of 10 ingredients,
 * seed 0, unless noted). Coauthor CS trains well with the examples' settings. On Amazon
 * Computers (200 training nodes) those leave GCN far from trained, and ingredients trained from
 * one random initialisation at a rate that trains them drift into different basins, so that their
 * mean is far worse than the average ingredient; ingredients fine-tuned from one warm model stay together.
 */
const INGREDIENTS: Record<string, Record<string, IngredientSettings>> = {
  coauthor_cs: {
    gcn: { lr: 0.01, warmup: 0, epochs: 100, chosen: "the example's settings" },
    sage: { lr: 0.01, warmup: 0, epochs: 100, chosen: "the example's settings" },
  },
  amazon_computers: {
    gcn: { lr: 0.05, warmup: 150, epochs: 50, chosen: "uniform soup's val against the mean ingredient's: 0.457 vs 0.789 from one initialisation (200 epochs, 4 ingredients), 0.740 vs 0.782 after a 50-epoch warm-up, 0.777 vs 0.774 after 150" },
    sage: { lr: 0.05, warmup: 150, epochs: 50, chosen: "uniform soup's val against the mean ingredient's: 0.813 vs 0.824 after a 50-epoch warm-up (then 150 epochs), 0.827 vs 0.822 after 150 (then 50)" },
  },
};

/**
 * LS's (and PLS's) learning rate per dataset, chosen on validation accuracy with saved ingredients
 * mixed again (`--ingredients`), 40 steps, restarts every 20. Coauthor CS: lr 40 / 20 / 10 / 5 gave
 * GCN val 0.871 / 0.878 / 0.887 / 0.878 and SAGE 0.887 / 0.887 / 0.887 / 0.889. Amazon Computers
 * (the ingredients above): lr 3 / 10 / 30 gave GCN 0.777 / 0.777 / 0.777 and SAGE 0.830 / 0.827 / 0.837.
 */
const LS_LR: Record<string, number> = { coauthor_cs: 10, amazon_computers: 30 };

/** An example's model on `dataset` with the soup schedule, its ingredients trained as `t` says, evaluated every `eval-every` epochs. */
function soupSource(model: string, dataset: string, t: Pick<IngredientSettings, "lr" | "epochs">, schedule: string): string {
  const text = adaptExample(readFileSync(join(REPO, EXAMPLES[model].file), "utf8"), { key: "d", declaration: loadDeclaration(dataset) });
  return text
    .replace(/model {5}= (\w+)\(d\.num_features, d\.num_classes\)/, `model     = $1(d.num_features, d.num_classes, hidden = ${values.hidden})`)
    .replace(/adam\(lr = [\d.e-]+/, `adam(lr = ${t.lr}`)
    .replace(/ {2}epochs {4}= \d+\n/, `  epochs    = ${t.epochs}\n  eval_every = ${values["eval-every"]}\n  schedule  = soup(${schedule})\n`);
}

/** LS's learning rate on `dataset`: --ls-lr, else the one chosen for it, else Coauthor CS's. */
function lsLr(dataset: string): number {
  return values["ls-lr"] !== undefined ? Number(values["ls-lr"]) : (LS_LR[dataset] ?? LS_LR.coauthor_cs);
}

async function run(source: string, file: string, gpu: GpuDevice, progress: boolean): Promise<ScheduleResult> {
  const dirs = dataDir ? [dataDir] : [];
  const compiled = compile(source, { file, datasets: { describe: (name) => describeDataset(name, dirs) } });
  const target = compiled.program && findTrain(compiled.program);
  if (!target) throw new Error(`${file}: ${compiled.diagnostics.map((d) => d.message).join("; ")}`);
  const out = await runScheduledTraining(target.spec, target.module, {
    gpu,
    data: { dataDir: dirs },
    soup: { env: { ...process.env, GNNC_CACHE_DIR: process.env.GNNC_CACHE_DIR ?? mkdtempSync(join(tmpdir(), "gnnc-soup-bench-")) } },
    onProgress: (p) => progress && p.phaseMs !== undefined && log(`  ${p.label}: ${(p.phaseMs / 1000).toFixed(1)} s${p.metric ? `, ${p.metric.name} ${p.metric.value.toFixed(4)}` : ""}`),
  });
  if (out.diagnostics) throw new Error(`${file}: ${out.diagnostics.map((d) => d.message).join("; ")}`);
  return out.result;
}

async function main(): Promise<void> {
  if (!dataDir) throw new Error("the soup benchmark needs GNNC_DATA_DIR (Coauthor CS, Amazon Computers)");
  const started = performance.now();
  const loadStart = loadavg()[0];
  const gpu = await openDevice();
  const cases: SoupCase[] = [];
  const widths: SoupWidths[] = [];
  // The results so far, written after every dataset's kernels and every case: a run cut short
  // (a lent GPU's time limit) leaves what it measured.
  const write = () => {
    const results = {
      date: new Date().toISOString().slice(0, 10),
      machine: { cpu: cpus()[0]?.model.trim() ?? "unknown", cores: cpus().length, load: { start: loadStart, end: loadavg()[0] } },
      settings: { ingredients: G, evalEvery: Number(values["eval-every"]), hidden: Number(values.hidden), lsEpochs: Number(values["ls-epochs"]), concurrencyEpochs: Number(values["concurrency-epochs"]), concurrencyRounds: Number(values["concurrency-rounds"]), parts: 32, partsPerStep: 8, grid: 20 },
      cases,
      widths,
      targets: soupTargets(cases),
      seconds: (performance.now() - started) / 1000,
    };
    mkdirSync(values.out, { recursive: true });
    writeFileSync(join(values.out, "soup.json"), JSON.stringify(results, null, 2) + "\n");
    writeFileSync(join(values.out, "soup.md"), soupBenchMarkdown(results));
    return results;
  };
  const mixes = (dataset: string, epochs = Number(values["ls-epochs"])) =>
    `ingredients = ${G}, method = learned, epochs = ${epochs}, restart = ${Math.max(1, Math.floor(epochs / 2))}, lr = ${lsLr(dataset)}, parts = 32, parts_per_step = 8`;
  try {
    for (const dataset of values.datasets.split(",")) {
      if (!values["no-widths"]) {
        const ds = openDataset(dataset, { dataDir: [dataDir] }).dataset;
        const rows = await measureWidths(gpu, ds, { models: G, hidden: Number(values.hidden), trials: 15, trialMs: 100 });
        for (const r of rows) log(`${LABELS[dataset] ?? dataset}: ${r.kernel}: ${r.wideMs.toFixed(2)} ms wide, ${G} × ${r.narrowMs.toFixed(2)} ms narrow: ${r.ratio.toFixed(2)}×`);
        widths.push({ dataset: LABELS[dataset] ?? dataset, rows });
        write();
      }
      if (values["widths-only"]) continue;
      for (const model of values.models.split(",")) {
        const label = `${EXAMPLES[model].name} on ${LABELS[dataset] ?? dataset}`;
        const t = INGREDIENTS[dataset]?.[model] ?? INGREDIENTS.coauthor_cs[model];
        // Concurrency: the same ingredients for a few epochs, side by side and one after another.
        const few = Number(values["concurrency-epochs"]);
        const timed = async (sideBySide: boolean, epochs = few) => {
          const r = await run(soupSource(model, dataset, { lr: t.lr, epochs }, `ingredients = ${G}, method = uniform, compare = false, side_by_side = ${sideBySide}`), `${model}-${dataset}-c.gnn`, gpu, false);
          return r.soup!.trained!.ms;
        };
        // Every kernel a timed run launches is launched once before it — lavapipe compiles a
        // kernel (LLVM) at its first launch, and a mix whose kernels no earlier phase ran (LS's,
        // not GIS's predict) took seconds more on a cold shader cache: the same soup for two
        // epochs first, on the same device; for the concurrency alone, each side for two epochs.
        const warmStart = performance.now();
        let warmMs: number;
        let soup: ScheduleResult | undefined;
        if (values["concurrency-only"]) {
          await timed(true, 2);
          await timed(false, 2);
          warmMs = performance.now() - warmStart;
          log(`${label}: each side trained once for 2 epochs first (${(warmMs / 1000).toFixed(1)} s)`);
        } else {
          await run(soupSource(model, dataset, { lr: t.lr, epochs: 2 }, `${mixes(dataset, 2)}${t.warmup ? ", warmup = 2" : ""}`), `${model}-${dataset}-warm.gnn`, gpu, false);
          warmMs = performance.now() - warmStart;
          log(`${label}: kernels launched once in a warm-up run of 2 epochs (${(warmMs / 1000).toFixed(1)} s); ${G} ingredients × ${t.epochs} epochs side by side${t.warmup ? ` after ${t.warmup} warm-up epochs` : ""} (Adam lr ${t.lr}), then the mixes…`);
          soup = await run(soupSource(model, dataset, t, `${mixes(dataset)}${t.warmup ? `, warmup = ${t.warmup}` : ""}`), `${model}-${dataset}.gnn`, gpu, true);
        }
        const together: number[] = [];
        const apart: number[] = [];
        for (let round = 0; round < Number(values["concurrency-rounds"]); round++) {
          together.push(await timed(true));
          apart.push(await timed(false));
          log(`${label}: ${few} epochs of ${G} ingredients, round ${round + 1}: side by side ${(together[round] / 1000).toFixed(1)} s, one after another ${(apart[round] / 1000).toFixed(1)} s`);
        }
        cases.push({ model: EXAMPLES[model].name, dataset: LABELS[dataset] ?? dataset, training: t, lsLr: lsLr(dataset), warmMs, ...(soup ? { soup: soup.soup! } : {}), concurrency: { epochs: few, sideBySideMs: together, oneAfterAnotherMs: apart } });
        write();
      }
    }
  } finally {
    gpu.destroy();
  }
  const results = write();
  log(`wrote ${join(values.out, "soup.md")} in ${results.seconds.toFixed(0)} s`);
}

main().catch((e) => {
  process.stderr.write(`[soup] failed: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
