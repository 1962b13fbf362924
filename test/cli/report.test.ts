import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { gcnSource } from "../train/helpers.js";
import { xmlProblems } from "../report/xml.js";
import { runCli } from "./harness.js";

const dir = mkdtempSync(join(tmpdir(), "gnnc-cli-report-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("gnnc train --report", () => {
  it("creates the folder and writes result.json (as --json), curve.svg and report.md", async () => {
    const report = join(dir, "runs", "small");
    const json = join(dir, "result.json");
    const r = await runCli(["train", "small.gnn", "--quiet", "--report", report, "--json", json], { "small.gnn": gcnSource({ epochs: 4 }) });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`  report in ${report}\n`);
    expect(readdirSync(report).sort()).toEqual(["curve.svg", "report.md", "result.json"]);
    expect(readFileSync(join(report, "result.json"), "utf8")).toBe(readFileSync(json, "utf8"));
    const result = JSON.parse(readFileSync(json, "utf8"));

    const svg = readFileSync(join(report, "curve.svg"), "utf8");
    expect(xmlProblems(svg)).toEqual([]);
    expect(svg).toContain('data-series="train loss"');
    expect(svg).toContain('data-series="val_accuracy"');
    expect(svg).toContain('data-series="test_accuracy"');

    const md = readFileSync(join(report, "report.md"), "utf8");
    expect(md).toContain("# Run `small`");
    expect(md).toContain(`| \`test_accuracy\` | ${result.metrics.test_accuracy.toFixed(4)} |`);
    for (const section of ["## Metrics", "## Timings", "## Memory", "## Compiled pipeline", "## Training curve"]) expect(md).toContain(section);
    expect(md).toContain("| `cse` |");
    expect(md).toMatch(/\| `train_step` \| \d+ \| \d+ \|/);
    expect(md).toMatch(/peak resident memory of the gnnc process \| \d+\.\d MiB/);
  });

  it("says before training when the report folder cannot be made", async () => {
    const file = join(dir, "a-file");
    writeFileSync(file, "");
    const r = await runCli(["train", "small.gnn", "--report", join(file, "sub")], { "small.gnn": gcnSource({ epochs: 4 }) });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: cannot write `.*a-file\/sub`: ENOTDIR/);
    expect(r.stderr).not.toContain("epoch");
  });
});
