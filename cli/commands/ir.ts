import { printModule } from "../../compiler/ir/print.js";
import type { Diagnostic } from "../../grammar/diagnostics.js";
import type { Module } from "../../compiler/ir/types.js";
import { compileTraining } from "../../compiler/pipeline.js";
import type { CompiledProgram } from "../../compiler/train/program.js";
import { lowerSchedule } from "../../compiler/schedules/kinds.js";
import { printScheduleProgram } from "../../compiler/schedules/print.js";
import type { ScheduleProgram } from "../../compiler/schedules/program.js";
import { resolve } from "node:path";
import { parsePipeline, runPipeline, type PipelineStep } from "../../compiler/passes/index.js";
import { pipelineRegistry } from "../../compiler/user-passes/pipeline.js";
import { EXIT_ERRORS, EXIT_OK, UsageError, type Io } from "../io.js";
import { compileFile, dataDirs, datasetResolver } from "../load.js";
import { reportDiagnostics } from "../report.js";
import { parseCommandArgs } from "../args.js";

/** What `gnnc ir` runs when asked to show the IR after passes. */
export const DEFAULT_PIPELINE = "shape-inference,cse,dce";
/** Where diagnostics about the --passes text point. */
const PIPELINE_FILE = "<--passes>";

export const irHelp = `gnnc ir FILE [--after PASS] [--passes LIST] [--print-ir-after PASS|all] [--train] [--module NAME] [--data-dir DIR]

Print the typed IR of each module in FILE (one per train block), with .gnn locations. A train
block with \`schedule = …\` prints its schedule program: the host plan, phase by phase, then
the functions it lowers to.

  --after PASS            run the pipeline up to and including PASS, then print
  --passes LIST           the pipeline, e.g. "shape-inference,cse,dce" (default: ${DEFAULT_PIPELINE});
                          a user pass is named by its path: "cse,./passes/count-ops.ts"
  --print-ir-after PASS   print the IR after every run of PASS ("all": after every pass);
                          the pipeline runs in full
  --train                 print each train block's module as training compiles it (reference
                          device): train_step, loss, predict, predict_and_step, the train
                          block's passes applied, and the step plan that says which function
                          trains each step
  --timing                print how long each pass took (to stderr)
  --verbose               also print what built-in passes log (user passes' logs are always printed)
  --module NAME           only the module of that train block / model
  --data-dir DIR          where load("name") finds dataset sizes (default: $GNNC_DATA_DIR)

Without --after, --passes or --print-ir-after, prints the IR as the frontend lowered it.`;

export function ir(io: Io, argv: string[]): number {
  const { values, positionals } = parseCommandArgs("ir", argv, {
    after: { type: "string" },
    passes: { type: "string" },
    "print-ir-after": { type: "string" },
    timing: { type: "boolean" },
    verbose: { type: "boolean" },
    train: { type: "boolean" },
    module: { type: "string" },
    "data-dir": { type: "string" },
  });
  if (positionals.length !== 1) throw new UsageError("gnnc ir: expected exactly one FILE");
  const file = positionals[0];
  const loaded = compileFile(io, file, datasetResolver(io, dataDirs(io, values["data-dir"] as string | undefined)));
  if (!loaded) return EXIT_ERRORS;
  if (reportDiagnostics(io, loaded.result.diagnostics, loaded.sources) > 0 || !loaded.result.program) return EXIT_ERRORS;

  let modules = loaded.result.program.modules;
  const wanted = values.module as string | undefined;
  if (wanted !== undefined) {
    modules = modules.filter((m) => m.name === wanted);
    if (modules.length === 0) {
      const names = loaded.result.program.modules.map((m) => m.name).join(", ") || "none";
      throw new UsageError(`gnnc ir: no module \`${wanted}\` in ${file} (modules: ${names})`);
    }
  }

  if (values.train) return printTraining(io, loaded.result.program, modules, loaded.sources);

  const after = values.after as string | undefined;
  const printAfter = values["print-ir-after"] as string | undefined;
  const pipelineText = (values.passes as string | undefined) ?? DEFAULT_PIPELINE;
  const runsPasses = after !== undefined || printAfter !== undefined || values.passes !== undefined;

  let steps: PipelineStep[] = [];
  let users = { userPassNames: new Set<string>() };
  if (runsPasses) {
    loaded.sources.set(PIPELINE_FILE, pipelineText);
    // User passes are paths relative to the working directory, as a shell user expects.
    const readFile = (path: string) => {
      const text = io.readFile(path);
      if (text !== undefined) loaded.sources.set(path, text);
      return text;
    };
    const loadedPasses = pipelineRegistry(pipelineText, PIPELINE_FILE, resolve("."), { readFile });
    if (reportDiagnostics(io, loadedPasses.diagnostics, loaded.sources) > 0) return EXIT_ERRORS;
    users = loadedPasses;
    const parsed = parsePipeline(pipelineText, { file: PIPELINE_FILE, registry: loadedPasses.registry });
    if (reportDiagnostics(io, parsed.diagnostics, loaded.sources) > 0 || !parsed.passes) return EXIT_ERRORS;
    steps = parsed.passes;
    if (after !== undefined) {
      const stop = steps.findIndex((s) => s.pass.name === after);
      if (stop < 0) throw new UsageError(`gnnc ir: --after ${after}: no such pass in the pipeline "${pipelineText}"`);
      steps = steps.slice(0, stop + 1);
    }
  }

  for (const frontendModule of modules) {
    // A train block with a schedule shows its schedule program: the plan and the functions it lowers to.
    const scheduled = scheduleOf(loaded.result.program, frontendModule);
    if (scheduled && "diagnostics" in scheduled) {
      reportDiagnostics(io, scheduled.diagnostics, loaded.sources);
      return EXIT_ERRORS;
    }
    const module = scheduled ? scheduled.module : frontendModule;
    const print = (m: typeof module) => (scheduled ? printScheduleProgram(scheduled.program, m) : printModule(m));
    if (!runsPasses) {
      io.out(print(module) + "\n");
      continue;
    }
    const result = runPipeline(module, steps, {
      verify: true,
      // What a user pass logs is what it is for (an op histogram); built-in passes' logs are debug output.
      log: (msg, pass) => {
        if (values.verbose || users.userPassNames.has(pass)) io.err(`${msg}\n`);
      },
      printIrAfter: printAfter === undefined ? [] : printAfter === "all" ? "all" : [printAfter],
      onPrint: (pass, text) => io.out(`// ----- IR after ${pass} (${module.name})\n${text}\n`),
    });
    if (reportDiagnostics(io, result.diagnostics, loaded.sources) > 0) return EXIT_ERRORS;
    if (values.timing)
      for (const t of result.timings) io.err(`${t.pass.padEnd(20)} ${t.ms.toFixed(2)} ms${t.changed ? "" : "  (no change)"}\n`);
    if (printAfter === undefined) io.out(print(result.module) + "\n");
  }
  return EXIT_OK;
}

/** `--train`: each train block of `modules` compiled as training compiles it, printed. */
function printTraining(io: Io, program: CompiledProgram, modules: readonly Module[], sources: Map<string, string>): number {
  for (const spec of program.trains) {
    const module = modules.find((m) => m.name === spec.module);
    if (!module) continue;
    const { training, diagnostics } = compileTraining(module, spec, { target: "reference" });
    if (reportDiagnostics(io, diagnostics, sources) > 0 || !training) return EXIT_ERRORS;
    io.out((training.schedule ? printScheduleProgram(training.schedule, training.module) : printModule(training.module)) + "\n");
  }
  return EXIT_OK;
}

/** The schedule program of the train block compiled to `module`, when the block has a schedule. */
function scheduleOf(program: CompiledProgram, module: Module): { module: Module; program: ScheduleProgram } | { diagnostics: Diagnostic[] } | undefined {
  const spec = program.trains.find((t) => t.module === module.name && t.schedule);
  if (!spec) return undefined;
  const lowered = lowerSchedule(module, spec);
  return Array.isArray(lowered) ? { diagnostics: lowered } : lowered;
}
