import { builtinPasses } from "../../compiler/passes/index.js";
import { EXIT_OK, type Io } from "../io.js";
import { parseCommandArgs } from "../args.js";

export const passesHelp = `gnnc passes

List the built-in IR passes with their descriptions and options.`;

export function passes(io: Io, argv: string[]): number {
  parseCommandArgs("passes", argv, {});
  for (const p of builtinPasses()) {
    io.out(`${p.name}\n  ${p.description}\n`);
    for (const [name, o] of Object.entries(p.options)) {
      const dflt = o.default === undefined ? "" : ` (default ${JSON.stringify(o.default)})`;
      io.out(`    ${name}: ${o.kind}${dflt}${o.doc ? ` — ${o.doc}` : ""}\n`);
    }
  }
  return EXIT_OK;
}
