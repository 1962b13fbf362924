import { didYouMean } from "../grammar/suggest.js";
import { GNNC_VERSION } from "../compiler/api/version.js";
import { check } from "./commands/check.js";
import { compile } from "./commands/compile.js";
import { flops } from "./commands/flops.js";
import { data } from "./commands/data.js";
import { commandHelp, help, mainHelp } from "./commands/help.js";
import { info } from "./commands/info.js";
import { ir } from "./commands/ir.js";
import { passes } from "./commands/passes.js";
import { predict } from "./commands/predict.js";
import { profile } from "./commands/profile.js";
import { train } from "./commands/train.js";
import { EXIT_ERRORS, EXIT_USAGE, UsageError, type Io } from "./io.js";

/** Commands that wait on the GPU are async; their exit code comes as a promise. */
type Command = (io: Io, argv: string[]) => number | Promise<number>;
const commands: Record<string, Command> = { check, ir, passes, train, compile, flops, profile, predict, info, data, help };

/** Run one gnnc invocation; returns the exit code. Never throws: internal errors are reported as such. */
export function run(io: Io, argv: string[]): number | Promise<number> {
  const [name, ...rest] = argv;
  try {
    if (name === undefined || name === "--help" || name === "-h") {
      io.out(mainHelp + "\n");
      return name === undefined ? EXIT_USAGE : 0;
    }
    if (name === "--version" || name === "-V") {
      io.out(`gnnc ${GNNC_VERSION}\n`);
      return 0;
    }
    const command = commands[name];
    if (!command) {
      const guess = didYouMean(name, Object.keys(commands));
      throw new UsageError(`unknown command \`${name}\`${guess ? ` (did you mean \`${guess}\`?)` : ""}; run 'gnnc --help'`);
    }
    if (rest.includes("--help") || rest.includes("-h")) {
      io.out(commandHelp[name] + "\n");
      return 0;
    }
    const code = command(io, rest);
    return typeof code === "number" ? code : code.catch((e: unknown) => failure(io, e));
  } catch (e) {
    return failure(io, e);
  }
}

/** The exit code of a command that threw, after saying why. */
function failure(io: Io, e: unknown): number {
  if (e instanceof UsageError) {
    io.err(`error: ${e.message}\n`);
    return EXIT_USAGE;
  }
  // A bug in gnnc, not in the user's input: say so plainly, keep the detail for the report.
  const detail = e instanceof Error ? (e.stack ?? e.message) : String(e);
  io.err(`error: internal compiler error — this is a bug in gnnc, please report it.\n`);
  if (io.env.GNNC_DEBUG) io.err(detail + "\n");
  else io.err(`  ${e instanceof Error ? e.message : String(e)}\n  (set GNNC_DEBUG=1 for the stack trace)\n`);
  return EXIT_ERRORS;
}
