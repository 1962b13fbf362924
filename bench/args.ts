// The benches' command lines: node's parseArgs, with --help and, for a mistyped option, a usage
// line built from the options themselves (not a stack trace).
import { basename } from "node:path";
import { parseArgs, type ParseArgsConfig } from "node:util";

type Options = NonNullable<ParseArgsConfig["options"]>;

/** One line per option: `--name VALUE (default …)` or `--flag`. */
export function usage(script: string, options: Options): string {
  const lines = Object.entries(options).map(([name, o]) => {
    const value = o.type === "string" ? ` ${name.toUpperCase().replace(/-/g, "_")}` : "";
    const fallback = o.default !== undefined && o.type === "string" ? ` (default ${String(o.default)})` : "";
    return `  [--${name}${value}]${fallback}`;
  });
  return [`usage: node dist/bench/${basename(script).replace(/\.ts$/, ".js")} [options]`, ...lines].join("\n");
}

/** `process.argv`'s options for the bench `script` (its file name); --help prints usage and exits 0, a bad option exits 2. */
export function benchArgs<O extends Options>(script: string, options: O, args = process.argv.slice(2)): ReturnType<typeof parseArgs<{ options: O }>>["values"] {
  if (args.includes("--help")) {
    process.stdout.write(`${usage(script, options)}\n`);
    process.exit(0);
  }
  try {
    return parseArgs({ args, options }).values;
  } catch (e) {
    process.stderr.write(`error: ${(e as Error).message}\n${usage(script, options)}\n`);
    process.exit(2);
  }
}
