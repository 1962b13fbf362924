import { join } from "node:path";
import { createFolder, writeFileAtomic } from "../checkpoint/atomic-write.js";
import { trainingCurveSvg } from "./curve.js";
import { runReportMarkdown, type RunReport } from "./markdown.js";

export const REPORT_FILES = { result: "result.json", curve: "curve.svg", markdown: "report.md" } as const;

/** The `--json` content: the training result, pretty-printed. */
export function resultJson(result: RunReport["result"]): string {
  return JSON.stringify(result, null, 2) + "\n";
}

/**
 * Write a run report into `dir` (created when missing): result.json, curve.svg and report.md,
 * each atomically. Returns the paths written.
 */
export function writeRunReport(dir: string, report: Omit<RunReport, "curveFile">): string[] {
  createFolder(dir);
  const { result } = report;
  const files: [string, string][] = [
    [REPORT_FILES.result, resultJson(result)],
    [REPORT_FILES.curve, report.schedule?.curve ?? trainingCurveSvg(result.history, { title: `${result.run} on ${result.dataset}`, selectedEpoch: result.selected_epoch })],
    [REPORT_FILES.markdown, runReportMarkdown({ ...report, curveFile: REPORT_FILES.curve })],
  ];
  return files.map(([name, text]) => {
    const path = join(dir, name);
    writeFileAtomic(path, text);
    return path;
  });
}
