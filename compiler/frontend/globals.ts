import type { DatasetDecl, ModuleDecl, TrainDecl } from "../../grammar/ast.js";
import type { Span } from "../../grammar/span.js";
import { functionNames } from "./functions.js";
import { getLayer } from "./layers/index.js";
import type { Reporter } from "./report.js";
import type { SourceSet } from "./sources.js";

/** The file-level declarations visible everywhere: blocks, models and datasets of every loaded file. */
export interface Globals {
  templates: ReadonlyMap<string, ModuleDecl>;
  datasets: ReadonlyMap<string, DatasetDecl>;
  /** Train blocks of the main file (imported files are libraries). */
  trains: readonly TrainDecl[];
  /** Models declared in the main file, in order. */
  mainModels: readonly ModuleDecl[];
}

/** Names that built-ins already use; a declaration may not take them. */
const RESERVED_FUNCTIONS = new Set(functionNames());

export function collectGlobals(sources: SourceSet, reporter: Reporter): Globals {
  const templates = new Map<string, ModuleDecl>();
  const datasets = new Map<string, DatasetDecl>();
  const declared = new Map<string, Span>();
  const trainNames = new Map<string, Span>();
  const trains: TrainDecl[] = [];
  const mainModels: ModuleDecl[] = [];

  const claim = (name: string, span: Span): boolean => {
    if (getLayer(name) || RESERVED_FUNCTIONS.has(name)) {
      reporter.error("E203", `\`${name}\` is a built-in ${getLayer(name) ? "layer" : "function"}; choose another name`, span);
      return false;
    }
    const first = declared.get(name);
    if (first) {
      reporter.error("E203", `\`${name}\` is declared twice`, span, {
        labels: [{ span: first, message: "first declared here" }],
        help: "blocks, models and datasets share one namespace across a file and its imports",
      });
      return false;
    }
    declared.set(name, span);
    return true;
  };

  // Imported files first, so that a duplicate is reported in the file that imports.
  for (const program of [...sources.imported, sources.main]) {
    const isMain = program === sources.main;
    for (const item of program.items) {
      if (item.kind === "Block" || item.kind === "Model") {
        if (claim(item.name.name, item.name.span)) templates.set(item.name.name, item);
        if (isMain && item.kind === "Model") mainModels.push(item);
      } else if (item.kind === "Dataset") {
        if (claim(item.name.name, item.name.span)) datasets.set(item.name.name, item);
      } else if (item.kind === "Train" && isMain) {
        const first = trainNames.get(item.name.name);
        if (first) {
          reporter.error("E203", `train block \`${item.name.name}\` is declared twice`, item.name.span, {
            labels: [{ span: first, message: "first declared here" }],
          });
          continue;
        }
        trainNames.set(item.name.name, item.name.span);
        trains.push(item);
      }
    }
  }
  return { templates, datasets, trains, mainModels };
}
