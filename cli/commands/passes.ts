import { resolve } from "node:path";
import { builtinPasses, type AnyPass } from "../../compiler/passes/index.js";
import { loadUserPass } from "../../compiler/user-passes/load.js";
import { EXIT_ERRORS, EXIT_OK, type Io } from "../io.js";
import { parseCommandArgs } from "../args.js";
import { reportDiagnostics } from "../report.js";

export const passesHelp = `gnnc passes [FILE.ts...]

Without FILE: list the built-in IR passes with their descriptions and options.
With FILE.ts: type-check and load each user pass (as a train block or --passes would) and
describe it: name, stage, description, options.`;

function describe(io: Io, p: AnyPass, from?: string): void {
  const stage = p.stage ?? "forward";
  io.out(`${p.name}${from ? `  (${from}, stage ${stage})` : ""}\n  ${p.description}\n`);
  for (const [name, o] of Object.entries(p.options)) {
    const dflt = o.default === undefined ? (o.optional ? " (optional)" : " (required)") : ` (default ${JSON.stringify(o.default)})`;
    const kind = o.kind === "enum" ? (o.values ?? []).join(" | ") : o.kind;
    io.out(`    ${name}: ${kind}${dflt}${o.doc ? ` — ${o.doc}` : ""}\n`);
  }
}

export function passes(io: Io, argv: string[]): number {
  const { positionals } = parseCommandArgs("passes", argv, {});
  if (positionals.length === 0) {
    for (const p of builtinPasses()) describe(io, p);
    return EXIT_OK;
  }
  const sources = new Map<string, string>();
  const readFile = (path: string) => {
    const text = io.readFile(path);
    if (text !== undefined) sources.set(path, text);
    return text;
  };
  let failed = 0;
  for (const file of positionals) {
    const r = loadUserPass(resolve(file), { readFile });
    if (reportDiagnostics(io, r.diagnostics, sources) > 0 || !r.pass) failed++;
    else describe(io, r.pass, file);
  }
  return failed ? EXIT_ERRORS : EXIT_OK;
}
