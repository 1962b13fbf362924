import { readFileSync } from "node:fs";
import type { Io } from "../../cli/io.js";
import { run } from "../../cli/run.js";

/**
 * Run the CLI in-process with captured output; files come from `files` first, then the disk.
 * Training defaults to the reference device here (GNNC_DEVICE); the GPU path has its own tests.
 */
export async function runCli(argv: string[], files: Record<string, string> = {}, env: Record<string, string> = { GNNC_DEVICE: "reference" }) {
  let stdout = "";
  let stderr = "";
  const io: Io = {
    out: (t) => void (stdout += t),
    err: (t) => void (stderr += t),
    readFile: (p) => {
      if (p in files) return files[p];
      try {
        return readFileSync(p, "utf8");
      } catch {
        return undefined;
      }
    },
    env,
    color: false,
  };
  const code = await run(io, argv);
  return { code, stdout, stderr };
}
