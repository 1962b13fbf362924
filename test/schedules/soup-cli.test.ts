import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compile } from "../../compiler/index.js";
import { runCli } from "../cli/harness.js";
import { soupSource } from "./soup-sources.js";

/**
 * `soup(…)` as the user meets it: options refused where written (R > K, K > nodes), `gnnc ir`
 * printing the plan, `gnnc train` printing the comparison table, writing --json, --report,
 * --save (a plain checkpoint `gnnc predict` takes) and the ingredients, mixing saved ones again;
 * and clear errors — nothing written — for flags without a soup and a missing gpmetis.
 */

const errors = (source: string) => compile(source, { file: "s.gnn" }).diagnostics.filter((d) => d.severity === "error");

describe("soup options", () => {
  it("refuse more parts per step than parts, and more parts than nodes, at the option", () => {
    const r = errors(soupSource({ soup: "ingredients = 3, parts = 4, parts_per_step = 5" }));
    expect(r.map((e) => [e.code, e.message])).toEqual([["E552", "`parts_per_step` (R = 5) must not exceed `parts` (K = 4)"]]);
    expect(r[0].span.start.line).toBe(soupSource().split("\n").findIndex((l) => l.includes("schedule")) + 1);
    const k = errors(soupSource({ nodes: 100, soup: "ingredients = 3, parts = 101, parts_per_step = 2" }));
    expect(k.map((e) => e.message)).toEqual(["`parts` (K = 101) exceeds the 100 nodes of `syn`"]);
    expect(errors(soupSource({ soup: "ingredients = 3, ingredient_lr = [0.1, 0.2]" })).map((e) => [e.code, e.message])).toEqual([["E553", "`ingredient_lr` has 2 values, but there are 3 ingredients"]]);
    expect(errors(soupSource({ soup: "ingredients = 1" }))[0].message).toBe("`ingredients` of `soup` must be a whole number in [2, 256], found `1`");
    expect(errors(soupSource({ soup: "ingredients = 3, method = average" }))[0].message).toMatch(/^`method` of `soup` must be one of `uniform`, `greedy`, `learned`, `partition`/);
    const warm = errors(soupSource({ soup: "ingredients = 3, same_init = false, warmup = 5" }));
    expect(warm.map((e) => [e.code, e.message])).toEqual([["E557", "`warmup = 5` starts every ingredient from one trained model, but `same_init = false` starts each from its own initialisation"]]);
    expect(errors(soupSource({ soup: "ingredients = 3, warmup = -1" }))[0].message).toBe("`warmup` of `soup` must be a whole number in [0, 1000000], found `-1`");
  });

  it("gnnc check refuses them too, and gnnc ir prints the plan with its notes", async () => {
    const bad = await runCli(["check", "s.gnn"], { "s.gnn": soupSource({ soup: "ingredients = 3, parts = 4, parts_per_step = 5" }) });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/error\[E552\]: `parts_per_step` \(R = 5\) must not exceed `parts` \(K = 4\)/);
    const ir = await runCli(["ir", "s.gnn"], { "s.gnn": soupSource() });
    expect(ir.stdout).toMatch(/^schedule soup: 3 ingredients, uniform, greedy, learned, partition; keeps the learned soup\n/);
    expect(ir.stdout).toContain('phase ingredients "3 ingredients side by side"\n  run ingredients.step ×12(rng = key(), t = step(ingredients), lr = 0.02) log loss\n');
    expect(ir.stdout).toContain("func ingredients.step {");
    expect(ir.stdout).toContain("t.group_matmul{groups=3");
    const warm = await runCli(["ir", "s.gnn"], { "s.gnn": soupSource({ soup: "ingredients = 3, warmup = 4" }) });
    expect(warm.stdout).toContain('phase ingredients "3 ingredients side by side after 4 warm-up epochs"\n  run train_step ×4 log loss\n  run ingredients.step ×12(');
  });
});

describe("gnnc train with a soup", () => {
  const files = { "s.gnn": soupSource({ soup: "ingredients = 3, epochs = 8, lr = 5, parts = 4, parts_per_step = 2" }) };

  it("prints the table, writes --json, --report, --save and the ingredients; predict takes the soup; --ingredients mixes them again", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gnnc-soup-cli-"));
    const env = { GNNC_DEVICE: "reference", GNNC_CACHE_DIR: join(dir, "cache") };
    const out = (f: string) => join(dir, f);
    const r = await runCli(["train", "s.gnn", "--save", out("soup.safetensors"), "--save-ingredients", out("ing"), "--json", out("r.json"), "--report", out("report")], files, env);
    expect(r.stderr).toMatch(/phase 5\/5 {2}partition learned soup \(PLS\)/);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^soup: selected learned soup \(LS\) \(phase 4 of 5; val_accuracy \d\.\d{4}, test_accuracy \d\.\d{4}\)\n {2}3 ingredients side by side \(\d+\.\d\d s\)\n/);
    expect(r.stdout).toMatch(/ {2}soup +val_accuracy +test_accuracy +mix s +peak MiB\n {2}best ingredient +\d\.\d{4} +\d\.\d{4} +– +–\n/);
    expect(r.stdout).toMatch(/ {2}learned \(LS\) \* +\d\.\d{4}/);
    expect(r.stdout).toMatch(/partition \(PLS\): K = 4 parts \(edge cut \d+\.\d%/);
    const json = JSON.parse(readFileSync(out("r.json"), "utf8"));
    expect(json.soup.rows.map((x: { name: string }) => x.name)).toEqual(["best ingredient", "mean ingredient", "uniform", "greedy (GIS)", "learned (LS)", "partition (PLS)"]);
    expect(readFileSync(join(out("report"), "report.md"), "utf8")).toMatch(/## Soups\n\n3 ingredients trained side by side/);
    const predicted = await runCli(["predict", "s.gnn", "--params", out("soup.safetensors")], files, env);
    expect(predicted.code).toBe(0);
    const test = json.metrics.test_accuracy.toFixed(4);
    expect(predicted.stdout).toContain(`test ${test}`);
    const again = await runCli(["train", "s.gnn", "--ingredients", out("ing"), "--quiet"], files, env);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("3 ingredients loaded from");
    const metricsOf = (text: string) => text.split("\n").filter((l) => /^ {2}(best|mean|uniform|greedy|learned|partition)/.test(l)).map((l) => l.trim().split(/ {2,}/).slice(0, 3));
    expect(metricsOf(again.stdout)).toHaveLength(6);
    expect(metricsOf(again.stdout)).toEqual(metricsOf(r.stdout));
  }, 300_000);

  it("refuses soup flags on a block without a soup, and both at once", async () => {
    const plain = await runCli(["train", "s.gnn", "--ingredients", "x"], { "s.gnn": soupSource().replace(/ {2}schedule .*\n/, "") });
    expect(plain.code).toBe(2);
    expect(plain.stderr).toMatch(/--ingredients applies to a block with `schedule = soup\(…\)`, and `soup` has none/);
    const both = await runCli(["train", "s.gnn", "--ingredients", "a", "--save-ingredients", "b"], files);
    expect(both.stderr).toMatch(/give one of them/);
  });

  it("a missing gpmetis is a clear error that says how to install it, and --save is not written", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gnnc-soup-cli-"));
    const env = { GNNC_DEVICE: "reference", GNNC_CACHE_DIR: join(dir, "cache"), GNNC_GPMETIS: join(dir, "no-gpmetis") };
    const r = await runCli(["train", "s.gnn", "--save", join(dir, "soup.safetensors"), "--quiet"], files, env);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`error: partition souping cuts the graph with METIS, but \`${join(dir, "no-gpmetis")}\` was not found\n  help: install METIS: \`apt-get install -y metis\` on Debian/Ubuntu (\`npm run setup\` does it), or put a \`gpmetis\` on the PATH\n`);
    expect(existsSync(join(dir, "soup.safetensors"))).toBe(false);
  }, 300_000);
});
