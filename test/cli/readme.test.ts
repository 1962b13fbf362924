import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { commandHelp } from "../../cli/commands/help.js";
import { HAVE_SHARED_DATA, SHARED_DATA_DIR } from "../runtime/data/helpers.js";
import { runCli } from "./harness.js";

/** The README says what the CLI does: its synopsis, its commands' outputs and its figures stay true. */
const README = readFileSync("README.md", "utf8");
const CLI_BLOCK = /## The CLI\n\n```\n([\s\S]*?)```/.exec(README)![1];

/** The synopsis of a command's help: its text up to the first empty line. */
const synopsis = (name: string) => commandHelp[name].split("\n\n")[0];

describe("README", () => {
  it("lists every command with every flag of its synopsis", () => {
    for (const name of Object.keys(commandHelp)) {
      expect(CLI_BLOCK, `gnnc ${name}`).toContain(`gnnc ${name}`);
      for (const flag of synopsis(name).match(/--[a-z-]+/g) ?? []) {
        const line = CLI_BLOCK.split(/\n(?=gnnc )/).find((l) => l.startsWith(`gnnc ${name}`))!;
        expect(line, `gnnc ${name} ${flag}`).toContain(flag);
      }
    }
  });

  it("keeps what its commands write out of git (.gitignore)", () => {
    const commands = [...README.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((m) => m[1].split("\n"));
    const outputs = commands.flatMap((line) => [...line.matchAll(/--(?:json|save|report|out) (\S+)/g)].map((m) => m[1]));
    expect(outputs).toEqual(expect.arrayContaining(["out.json", "quick.safetensors", "runs/quick", "preds.csv", "build/"]));
    for (const path of outputs) {
      const file = path.endsWith(".json") || path.endsWith(".csv") || path.endsWith(".safetensors") ? path : join(path, "x");
      // git check-ignore exits 0 when the path is ignored, 1 (a thrown error here) when it is not.
      expect(() => execFileSync("git", ["check-ignore", "-q", file]), path).not.toThrow();
    }
  });

  it.skipIf(!HAVE_SHARED_DATA)("gives the RevGNN's distinct kernel count as `gnnc compile` measures it", async () => {
    const claimed = Number(/RevGNN\s+needs (\d+) distinct kernels/.exec(README)![1]);
    const out = mkdtempSync(join(tmpdir(), "gnnc-readme-"));
    try {
      const r = await runCli(["compile", "examples/cora-revgnn.gnn", "--out", out, "--emit", "wgsl"], {}, { GNNC_DATA_DIR: SHARED_DATA_DIR });
      expect(r.stderr).toBe("");
      expect(readdirSync(join(out, "kernels")).length).toBe(claimed);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 60_000);
});
