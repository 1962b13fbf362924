import type { Diagnostic } from "../../grammar/diagnostics.js";
import type { CompiledProgram } from "../../compiler/train/program.js";
import { compileChecked } from "../../runtime/train/compile-checked.js";
import { EXIT_ERRORS, EXIT_OK, UsageError, type Io } from "../io.js";
import { compileFile, dataDirs, datasetResolver } from "../load.js";
import { plural, reportDiagnostics } from "../report.js";
import { parseCommandArgs } from "../args.js";

export const checkHelp = `gnnc check FILE... [--data-dir DIR]

Parse and type-check .gnn files without running anything: whatever \`gnnc train\` would refuse
before its first step (ranges, unsupported schedules or passes, a model whose output width
does not match the dataset's classes, a dataset's unreadable metadata) is an error here too.
Prints every diagnostic (code, file:line:col, source frame, hint); exits 0 when all files
are clean, 1 when any has errors, 2 on a usage error.

  --data-dir DIR   where load("name") finds datasets (default: $GNNC_DATA_DIR); without
                   one, datasets in ./data or the download cache are read and any other
                   keeps symbolic sizes (cora.num_features) and still checks`;

export function check(io: Io, argv: string[]): number {
  const { values, positionals } = parseCommandArgs("check", argv, { "data-dir": { type: "string" } });
  if (positionals.length === 0) throw new UsageError("gnnc check: expected at least one FILE");
  const datasets = datasetResolver(io, dataDirs(io, values["data-dir"] as string | undefined));
  let failed = 0;
  for (const file of positionals) {
    const loaded = compileFile(io, file, datasets);
    if (!loaded) {
      failed++;
      continue;
    }
    const diagnostics = [...loaded.result.diagnostics, ...(loaded.result.program ? trainingRefusals(loaded.result.program) : [])];
    const errors = reportDiagnostics(io, diagnostics, loaded.sources);
    const warnings = diagnostics.length - errors;
    if (errors > 0) {
      failed++;
      io.err(`error: ${file}: ${plural(errors, "error")}${warnings ? `, ${plural(warnings, "warning")}` : ""}\n`);
    } else {
      const modules = loaded.result.program!.modules.length;
      io.out(`ok  ${file}  (${plural(modules, "module")}${warnings ? `, ${plural(warnings, "warning")}` : ""})\n`);
    }
  }
  return failed > 0 ? EXIT_ERRORS : EXIT_OK;
}

/** What `gnnc train` would refuse in each train block before loading its data (compileChecked). */
function trainingRefusals(program: CompiledProgram): Diagnostic[] {
  return program.trains.flatMap((spec) => {
    const module = program.modules.find((m) => m.name === spec.module)!;
    const checked = compileChecked(spec, module, { target: "reference" });
    return "diagnostics" in checked ? checked.diagnostics : [];
  });
}
