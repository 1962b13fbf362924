import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { revgnnSource } from "../train/sources.js";
import { runCli } from "./harness.js";

const dir = mkdtempSync(join(tmpdir(), "gnnc-compile-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const revgnn = (blocks: number) => revgnnSource(blocks, 150);

describe("gnnc compile", () => {
  it("writes the IR, one WGSL file per distinct kernel and the memory plan", async () => {
    const out = join(dir, "rev3");
    const r = await runCli(["compile", "rev.gnn", "--out", out], { "rev.gnn": revgnn(3) });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^rev: wrote module\.ir, kernels\/ \(\d+ kernels\), plan\.json/);
    expect(readFileSync(join(out, "module.ir"), "utf8")).toContain("func train_step");
    const kernels = readdirSync(join(out, "kernels"));
    expect(kernels.every((k) => k.endsWith(".wgsl"))).toBe(true);
    expect(readFileSync(join(out, "kernels", kernels[0]), "utf8")).toContain("@compute");
    const plan = JSON.parse(readFileSync(join(out, "plan.json"), "utf8"));
    expect(plan.kernels).toBe(kernels.length);
    expect(plan.parameter_bytes).toBeGreaterThan(0);
    expect(plan.state_bytes).toBe(2 * plan.parameter_bytes); // Adam: m and v per parameter
    expect(plan.functions.map((f: { name: string }) => f.name)).toEqual(["train_step", "predict", "predict_and_step"]);
  });

  it("a deeper reversible stack needs no more kernels and no more activation memory", async () => {
    const plans = [];
    for (const blocks of [3, 40]) {
      const out = join(dir, `rev${blocks}-plan`);
      const r = await runCli(["compile", "rev.gnn", "--out", out, "--emit", "plan"], { "rev.gnn": revgnn(blocks) });
      expect(r.code).toBe(0);
      expect(existsSync(join(out, "kernels"))).toBe(false);
      plans.push(JSON.parse(readFileSync(join(out, "plan.json"), "utf8")));
    }
    expect(plans[1].kernels).toBe(plans[0].kernels);
    expect(plans[1].functions[0].activation_bytes).toBe(plans[0].functions[0].activation_bytes);
    expect(plans[1].functions[0].launches).toBeGreaterThan(plans[0].functions[0].launches);
    expect(plans[1].functions[0].flops).toBeGreaterThan(plans[0].functions[0].flops); // every block counts
  });

  it("rejects an unknown --emit and a missing --out as usage errors", async () => {
    expect((await runCli(["compile", "rev.gnn", "--out", dir, "--emit", "ptx"], { "rev.gnn": revgnn(2) })).code).toBe(2);
    expect((await runCli(["compile", "rev.gnn"], { "rev.gnn": revgnn(2) })).code).toBe(2);
  });
});
