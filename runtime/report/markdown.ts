import type { EpochRecord, TrainResult } from "../train/trainer.js";
import type { PipelineSummary } from "./pipeline-summary.js";

/** Everything a run report shows; `result` is what `--json` writes. */
export interface RunReport {
  result: TrainResult;
  /** The selection metric (`val_accuracy`); absent with `select = last`. */
  select?: string;
  pipeline?: PipelineSummary;
  /** Wall-clock milliseconds of training, data loading included. */
  trainMs: number;
  /** The process's peak resident memory in bytes, when known. */
  maxRssBytes?: number;
  /** The checkpoint the run resumed from and the one it saved, when any. */
  resumedFrom?: string;
  savedTo?: string;
  /** File name of the curve beside the report, linked from it. */
  curveFile?: string;
  /**
   * A schedule's run (its `epochs` count phases): the phases' table, shown after the metrics,
   * and what the curve shows.
   */
  schedule?: { phases: string; curve: string };
}

function num(x: number | undefined, digits = 4): string {
  return x === undefined ? "–" : Number.isFinite(x) ? x.toFixed(digits) : String(x);
}

function ms(x: number): string {
  return x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${x.toFixed(1)} ms`;
}

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

function table(head: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  return [line(head), line(head.map(() => "---")), ...rows.map(line)].join("\n");
}

/** The last history record with evaluated metrics (a key besides epoch and loss). */
function lastEvaluated(history: readonly EpochRecord[]): EpochRecord | undefined {
  for (let k = history.length - 1; k >= 0; k--) if (Object.keys(history[k]).length > 2) return history[k];
  return undefined;
}

function metricsSection(r: RunReport): string {
  const { result } = r;
  const last = lastEvaluated(result.history);
  const showLast = last !== undefined && last.epoch !== result.selected_epoch;
  const unit = r.schedule ? "phase" : "epoch";
  const head = ["metric", `selected (${unit} ${result.selected_epoch})`, ...(showLast ? [`last evaluated (${unit} ${last.epoch})`] : [])];
  const rows = Object.entries(result.metrics).map(([name, v]) => {
    const lastValue = name === "train_loss" ? last?.loss : last?.[name];
    return [`\`${name}\``, num(v), ...(showLast ? [num(lastValue)] : [])];
  });
  const how = r.select ? `the ${unit} with the best \`${r.select}\`` : `the last ${unit} evaluated (\`select = last\`)`;
  return `## Metrics\n\nSelected: ${how}.\n\n${table(head, rows)}`;
}

function timingSection(r: RunReport): string {
  const { result } = r;
  const unit = r.schedule ? "phase" : "epoch";
  const rows = [
    ["compile (frontend and lowering)", ms(result.compile_ms)],
    [`median ${unit}`, ms(result.epoch_ms_median)],
    [`training, ${result.epochs - result.start_epoch} ${unit}s (data loading included)`, ms(r.trainMs)],
  ];
  return `## Timings\n\n${table(["", "time"], rows)}`;
}

function memorySection(r: RunReport): string {
  const rows = [
    ["peak bytes of the run, measured (data, parameters, optimizer state, values held at once)", mib(r.result.peak_bytes)],
    ["the same, predicted by the memory plan before running", mib(r.result.peak_bytes_predicted)],
  ];
  if (r.maxRssBytes !== undefined) rows.push(["peak resident memory of the gnnc process", mib(r.maxRssBytes)]);
  return `## Memory\n\n${table(["", "bytes"], rows)}`;
}

function pipelineSection(p: PipelineSummary): string {
  const passes = table(
    ["pass", "time", "changed"],
    p.passes.map((s) => [`\`${s.name}\``, ms(s.ms), s.changed ? "yes" : "no"]),
  );
  const funcs = table(
    ["function", "nodes after lowering", "nodes after passes"],
    p.functions.map((f) => [`\`${f.name}\``, String(f.nodesBefore), String(f.nodesAfter)]),
  );
  const params = `Parameters: ${p.params.trainable} trainable tensors, ${p.params.buffers} buffers, ${p.params.optimizerStates} optimizer-state tensors.`;
  return `## Compiled pipeline\n\nPasses run on the lowered module (\`${p.passes.map((s) => s.name).join(",")}\`):\n\n${passes}\n\n${funcs}\n\n${params}`;
}

/** The report as Markdown: what ran, its metrics, timings, memory and compiled pipeline, and the curve. */
export function runReportMarkdown(r: RunReport): string {
  const { result } = r;
  const unit = r.schedule ? "phase" : "epoch";
  const ran = result.start_epoch > 0 ? `${unit}s ${result.start_epoch + 1}–${result.epochs} (resumed after ${unit} ${result.start_epoch})` : `${result.epochs} ${unit}s`;
  const lines = [
    `# Run \`${result.run}\``,
    "",
    `Dataset \`${result.dataset}\`, device ${result.device}, seed ${result.seed}: trained ${ran}; selected ${unit} ${result.selected_epoch}.`,
  ];
  if (r.resumedFrom) lines.push(`Resumed from \`${r.resumedFrom}\`.`);
  if (r.savedTo) lines.push(`The selected ${unit}'s state is saved in \`${r.savedTo}\`.`);
  const sections = [lines.join("\n"), metricsSection(r), ...(r.schedule ? [r.schedule.phases] : []), timingSection(r), memorySection(r)];
  if (r.pipeline) sections.push(pipelineSection(r.pipeline));
  if (r.curveFile) sections.push(`## Training curve\n\n![${r.schedule ? "metrics by pass" : "loss and metrics by epoch"}](${r.curveFile})`);
  return sections.join("\n\n") + "\n";
}
