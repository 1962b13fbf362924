import { parseArgs, type ParseArgsConfig } from "node:util";
import { UsageError } from "./io.js";

type Options = NonNullable<ParseArgsConfig["options"]>;

/** node:util parseArgs with gnnc's conventions: strict, and a UsageError (exit 2) instead of a stack trace. */
export function parseCommandArgs(command: string, argv: string[], options: Options) {
  try {
    return parseArgs({ args: withNegativeValues(argv, options), options, allowPositionals: true, strict: true });
  } catch (e) {
    const msg = e instanceof Error ? e.message.replace(/\. To specify.*$/s, "") : String(e);
    throw new UsageError(`gnnc ${command}: ${msg}`);
  }
}

/**
 * `--epochs -1` as `--epochs=-1`: parseArgs takes a value starting with `-` for another option and
 * calls it ambiguous; a negative number is a value, which the command then range-checks.
 */
function withNegativeValues(argv: readonly string[], options: Options): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--") return [...out, ...argv.slice(i)]; // the rest are positionals
    const name = argv[i].startsWith("--") ? argv[i].slice(2) : undefined;
    const next = argv[i + 1];
    if (name !== undefined && options[name]?.type === "string" && next !== undefined && /^-\.?\d/.test(next)) {
      out.push(`${argv[i]}=${next}`);
      i++;
    } else out.push(argv[i]);
  }
  return out;
}
