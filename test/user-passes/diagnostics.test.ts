import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../cli/harness.js";
import { gcnSource } from "../train/helpers.js";

/**
 * A broken user pass is a located, named error from `gnnc check` (and so from train), never a
 * stack trace: each way a pass can be broken, with the formatted diagnostics as a snapshot.
 */

const cache = mkdtempSync(join(tmpdir(), "gnnc-pass-cache-"));
process.env.GNNC_CACHE_DIR = cache;
process.env.GNNC_PASS_TIMEOUT_MS = "300";
afterAll(() => rmSync(cache, { recursive: true, force: true }));

const HEADER = `import type { Pass } from "gnnc/passes";\n`;
const pass = (body: string, options = "{}") =>
  `${HEADER}const pass: Pass = {\n  name: "p",\n  description: "a test pass",\n  options: ${options},\n  run(module, ctx) {\n${body}\n  },\n};\nexport default pass;\n`;

const CASES: Record<string, { pass: string; args?: string }> = {
  "a type error": { pass: pass(`    return { module, changed: "no", diagnostics: [] };`) },
  "a syntax error": { pass: pass(`    return { module, changed: false diagnostics: [] };`) },
  "no default export": { pass: `${HEADER}export const pass: Pass = { name: "p", description: "d", options: {}, run: (m) => ({ module: m, changed: false, diagnostics: [] }) };\n` },
  "an option of the wrong type": { pass: pass(`    return { module, changed: false, diagnostics: [] };`, `{ level: { kind: "int", default: 1, doc: "how much" } }`), args: ", level = 0.5" },
  "a thrown exception": { pass: pass(`    const f = module.funcs[0];\n    if (f) throw new Error("no support for " + f.name);\n    return { module, changed: false, diagnostics: [] };`) },
  "an infinite loop": { pass: pass(`    for (let i = 0; ; i++) ctx.log(String(i % 2));`) },
  "invalid IR output": {
    pass: pass(`    const [f, ...rest] = module.funcs;\n    const broken = { ...f, body: f.body.map((n) => (n.op === "t.relu" ? { ...n, inputs: [12345] } : n)) };\n    return { module: { ...module, funcs: [broken, ...rest] }, changed: true, diagnostics: [] };`),
  },
  "a mutation of its input": { pass: pass(`    (module.funcs as unknown as unknown[]).pop();\n    return { module, changed: true, diagnostics: [] };`) },
  "a forbidden import": { pass: `// @ts-nocheck\nconst fs = require("node:fs");\nexport default { name: "p", description: "d", options: {}, run: (m) => ({ module: m, changed: false, diagnostics: [] }) };\n` },
};

describe("a broken user pass", () => {
  for (const [what, c] of Object.entries(CASES)) {
    it(`with ${what} is a located error naming it`, async () => {
      const files = { "f.gnn": gcnSource({ epochs: 2, extra: `passes = [pass("./p.ts"${c.args ?? ""})]` }), [resolve("p.ts")]: c.pass };
      const r = await runCli(["check", "f.gnn"], files);
      expect(r.code).toBe(1);
      expect(r.stderr).not.toMatch(/\n\s+at |internal compiler error/);
      expect(r.stderr).toMatch(/error\[E6\d\d\]/);
      expect(r.stderr.replaceAll(resolve("."), "<cwd>")).toMatchSnapshot();
    });
  }
});
