import type { TrainDecl } from "../../grammar/ast.js";
import type { Diagnostic } from "../../grammar/diagnostics.js";
import type { Module } from "../ir/types.js";
import { buildModule } from "./build-module.js";
import type { DatasetResolver } from "../train/dataset.js";
import { DatasetTable } from "./datasets.js";
import { collectGlobals, type Globals } from "./globals.js";
import { Instantiator } from "./instantiate.js";
import { Abort, Reporter } from "./report.js";
import { loadSources, resolveImport } from "./sources.js";
import { checkTensorSizes } from "./tensor-sizes.js";
import { checkTrain } from "./train-check.js";
import type { CompiledProgram } from "../train/program.js";
import type { TrainSpec } from "../train/spec.js";

export type { CompiledProgram };

export interface CompileOptions {
  /** The source's file name, for spans and relative imports. */
  file: string;
  /** Reads imported files; undefined (or a missing reader) reports "cannot read import". */
  readFile?: (path: string) => string | undefined;
  /** Dataset sizes for `load(name)`; without it they stay symbolic. */
  datasets?: DatasetResolver;
  /**
   * The path an `import "spec"` in file `from` names (what `readFile` receives and what spans of
   * that file show). Default: `spec` relative to `from`'s folder, POSIX-style.
   */
  resolveImport?: (from: string, spec: string) => string;
}

export interface CompileResult {
  /** Present iff no error was reported. */
  program?: CompiledProgram;
  diagnostics: Diagnostic[];
}

/**
 * Compile a .gnn source: parse it and its imports, check names, instantiate models, elaborate
 * them to IR. One module per train block; without train blocks, one per model that can be
 * instantiated from defaults (int parameters without a value become symbolic sizes).
 * `program` is present iff no error was reported.
 */
export function compile(source: string, options: CompileOptions): CompileResult {
  const reporter = new Reporter();
  const sources = loadSources(source, options.file, { readFile: options.readFile, resolveImport: options.resolveImport }, reporter);
  if (!sources) return { diagnostics: reporter.diagnostics };
  const globals = collectGlobals(sources, reporter);
  const datasets = new DatasetTable(globals.datasets, options.datasets, reporter);
  for (const name of datasets.names()) datasets.get(name); // report errors of unused datasets too
  const instantiator = new Instantiator(globals.templates, datasets, reporter);
  const modules: Module[] = [];
  const trains: TrainSpec[] = [];
  if (globals.trains.length > 0) {
    for (const decl of globals.trains) {
      const env = { reporter, datasets, instantiator, file: options.file, resolvePath: options.resolveImport ?? resolveImport, readFile: options.readFile };
      const { spec, module } = checkTrain(decl, env);
      if (spec && module) {
        trains.push(spec);
        modules.push(module);
      }
    }
    // Models no train block uses are still checked, so that every error of the file is reported.
    const used = new Set(globals.trains.map(trainedModelName));
    standaloneModels({ ...globals, mainModels: globals.mainModels.filter((m) => !used.has(m.name.name)) }, instantiator, reporter);
  } else {
    modules.push(...standaloneModels(globals, instantiator, reporter));
  }
  for (const m of modules) checkTensorSizes(m, reporter);
  if (reporter.errors > 0) return { diagnostics: reporter.diagnostics };
  return { program: { file: options.file, modules, trains }, diagnostics: reporter.diagnostics };
}

/** The model a train block's `model = Name(…)` instantiates, if it names one. */
function trainedModelName(decl: TrainDecl): string | undefined {
  const value = decl.entries.find((e) => e.key.name === "model")?.value;
  return value?.kind === "Call" && value.callee.kind === "Name" ? value.callee.name : undefined;
}

/** Models of a file without train blocks, instantiated with defaults and symbolic int sizes. */
function standaloneModels(globals: Globals, instantiator: Instantiator, reporter: Reporter): Module[] {
  const out: Module[] = [];
  for (const decl of globals.mainModels) {
    if (globals.templates.get(decl.name.name) !== decl) continue; // a duplicate, already reported
    const instantiable = decl.params.every((p) => p.default !== undefined || p.type?.name.name === "int");
    if (!instantiable) continue;
    try {
      const model = instantiator.instantiateTemplate(decl, [], decl.name.span, true);
      out.push(buildModule({ name: decl.name.name, span: decl.span, model, symbols: {} }, instantiator, reporter));
    } catch (e) {
      if (!(e instanceof Abort)) throw e;
    }
  }
  return out;
}
