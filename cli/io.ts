import { readFileSync } from "node:fs";

/** Everything a command touches outside itself, so tests can run the CLI in-process. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** Undefined when the file cannot be read. */
  readFile(path: string): string | undefined;
  env: Readonly<Record<string, string | undefined>>;
  /** Colour diagnostics (a TTY without NO_COLOR). */
  color: boolean;
  /** stderr is a terminal: progress may redraw one line there. Absent means no. */
  stderrIsTTY?: boolean;
}

export function processIo(): Io {
  return {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    readFile: (path) => {
      try {
        return readFileSync(path, "utf8");
      } catch {
        return undefined;
      }
    },
    env: process.env,
    color: Boolean(process.stderr.isTTY) && process.env.NO_COLOR === undefined,
    stderrIsTTY: Boolean(process.stderr.isTTY),
  };
}

/** Exit codes: 0 clean, 1 the input has errors, 2 the command line is wrong. */
export const EXIT_OK = 0;
export const EXIT_ERRORS = 1;
export const EXIT_USAGE = 2;

export class UsageError extends Error {}
