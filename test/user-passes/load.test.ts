import { copyFileSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadUserPass } from "../../compiler/user-passes/load.js";
import { runCli } from "../cli/harness.js";
import { gcnSource } from "../train/helpers.js";

const EXAMPLES = resolve("examples/passes");
const dir = mkdtempSync(join(tmpdir(), "gnnc-user-pass-"));
process.env.GNNC_CACHE_DIR = join(dir, "default-cache");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("loading a user pass", () => {
  it("type-checks it once: the transpiled pass is cached by content, whatever the file is called", () => {
    const cacheDir = join(dir, "cache");
    const first = loadUserPass(join(EXAMPLES, "count-ops.ts"), { cacheDir });
    expect(first.diagnostics).toEqual([]);
    expect(first.cached).toBe(false);
    expect(readdirSync(cacheDir).filter((f) => f.endsWith(".json"))).toHaveLength(1);
    const copy = join(dir, "renamed.ts");
    copyFileSync(join(EXAMPLES, "count-ops.ts"), copy);
    const again = loadUserPass(copy, { cacheDir });
    expect(again.cached).toBe(true);
    expect(again.pass?.name).toBe("count-ops");
  });

  it("describes each example pass with `gnnc passes FILE.ts`", async () => {
    const r = await runCli(["passes", ...["count-ops", "drop-edge", "fake-quant"].map((p) => join(EXAMPLES, `${p}.ts`))]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("count-ops  (");
    expect(r.stdout).toMatch(/drop-edge {2}\(.*stage forward\)/);
    expect(r.stdout).toContain("p: float (default 0.2)");
    expect(r.stdout).toContain("bits: int (default 8)");
  });

  it("runs the example passes from a train block and from `gnnc ir --passes`, count-ops printing its table", async () => {
    const passes = `passes = [pass("${EXAMPLES}/count-ops.ts"), pass("${EXAMPLES}/drop-edge.ts", p = 0.3), pass("${EXAMPLES}/fake-quant.ts", bits = 4)]`;
    const r = await runCli(["train", "f.gnn", "--quiet"], { "f.gnn": gcnSource({ epochs: 3, extra: passes }) });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/count-ops: small\nop +forward +predict +loss +train_step\n/);
    expect(r.stderr).toMatch(/\nt\.round +2 +2 +2 +2\n/); // fake-quant's rounding, in every function
    expect(r.stderr).toMatch(/\nnn\.dropout_mask +2 +0 +2 +2\n/); // drop-edge's masks: training only
    const ir = await runCli(["ir", "f.gnn", "--passes", `${EXAMPLES}/drop-edge.ts{p=0.5},dce`], { "f.gnn": gcnSource() });
    expect(ir.code).toBe(0);
    expect(ir.stderr).toContain("drop-edge: small: 2 aggregation(s) read a graph thinned with p = 0.5");
    expect(ir.stdout).toMatch(/nn\.dropout_mask\{p=0\.5\}/);
  });

  it("refuses an option value its own code refuses, as a diagnostic at the train block", async () => {
    const r = await runCli(["check", "f.gnn"], { "f.gnn": gcnSource({ extra: `passes = [pass("${EXAMPLES}/drop-edge.ts", p = 1.5)]` }) });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("error[P001]: drop-edge: p must lie in [0, 1), got 1.5");
  });
});
