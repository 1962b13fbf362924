import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { strictChecker } from "../support/strict-typecheck.js";
import { afterAll, describe, expect, it } from "vitest";
import { loadUserPass } from "../../compiler/user-passes/load.js";
import { runPipeline } from "../../compiler/passes/index.js";
import { compileTrain, gcnSource } from "../train/helpers.js";

/** The code in docs/writing-passes.md and the API's @example blocks compiles, and the documented passes run. */

const dir = mkdtempSync(join(tmpdir(), "gnnc-docs-"));
process.env.GNNC_CACHE_DIR = join(dir, "cache");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const DOC = readFileSync("docs/writing-passes.md", "utf8");
const tsBlocks = [...DOC.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);

/** `@example` blocks of a source file's doc comments, with their comment markers removed. */
function examples(path: string): string[] {
  const text = readFileSync(path, "utf8");
  return [...text.matchAll(/@example\n([\s\S]*?)\*\//g)].map((m) => m[1].split("\n").map((l) => l.replace(/^\s*\* ?/, "")).join("\n"));
}

const check = strictChecker();

/** Type errors of the named files, written into the test's folder (an ES module project, as a user's is). */
function strictErrors(files: Record<string, string>): string[] {
  writeFileSync(join(dir, "package.json"), '{ "type": "module" }\n');
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return check(Object.keys(files).map((name) => join(dir, name)));
}

describe("docs/writing-passes.md and the API's examples", () => {
  it("has code that type-checks under --strict against the published API", () => {
    expect(tsBlocks.length).toBeGreaterThanOrEqual(2);
    const files: Record<string, string> = {};
    tsBlocks.forEach((code, k) => (files[`doc-${k}.ts`] = code));
    for (const path of ["api/index.ts", "compiler/ir/rewrite.ts", "compiler/api/ir.ts", "compiler/api/passes.ts"]) {
      examples(path).forEach((code, k) => (files[`${path.replace(/[/.]/g, "_")}-${k}.ts`] = `${code}\nexport {};\n`));
    }
    expect(Object.keys(files).length).toBeGreaterThanOrEqual(4);
    expect(strictErrors(files)).toEqual([]);
  });

  it("has passes that load and do what the text says", () => {
    const [sizes, leaky] = tsBlocks.map((code, k) => {
      const path = join(dir, `pass-${k}.ts`);
      writeFileSync(path, code);
      const r = loadUserPass(path);
      expect(r.diagnostics).toEqual([]);
      return r.pass!;
    });
    const { module } = compileTrain(gcnSource());
    const logs: string[] = [];
    const run = runPipeline(module, [{ pass: sizes }, { pass: leaky, options: { slope: 0.2 } }], { log: (m) => logs.push(m) });
    expect(run.diagnostics).toEqual([]);
    expect(logs[0]).toMatch(/^forward: \d+ nodes$/);
    expect(logs.at(-1)).toBe("leaky: 2 relu(s) replaced");
    expect(run.module.funcs.every((f) => f.body.every((n) => n.op !== "t.relu"))).toBe(true);
    const bad = runPipeline(module, [{ pass: leaky, options: { slope: 1.5 } }]);
    expect(bad.diagnostics.map((d) => d.message)).toEqual(["leaky: slope must lie in [0, 1), got 1.5"]);
  });
});
