import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { checkWritable, createFolder, WriteFileError } from "../../runtime/checkpoint/index.js";
import { gcnSource } from "../train/helpers.js";
import { runCli } from "./harness.js";

/** Where results go is checked before the first epoch: a bad path costs no training run. */

const dir = mkdtempSync(join(tmpdir(), "gnnc-cli-outputs-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const files = { "f.gnn": gcnSource({ epochs: 3 }) };
const aFile = join(dir, "a-file");
writeFileSync(aFile, "x");

describe("outputs are checked before training", () => {
  const cases: [string, string[], RegExp][] = [
    ["--json into a missing folder", ["--json", join(dir, "missing", "out.json")], /^error: cannot write `.*missing\/out\.json`: ENOENT/],
    ["--save below a file", ["--save", join(aFile, "x.safetensors")], /^error: cannot write `.*a-file\/x\.safetensors`: ENOTDIR/],
    ["--json onto a folder", ["--json", dir], /^error: cannot write `.*`: it is a folder/],
    ["--report below a file", ["--report", join(aFile, "report")], /^error: cannot write `.*a-file\/report`: ENOTDIR/],
  ];
  for (const [what, flags, message] of cases) {
    it(`${what}: exit 1 before the first epoch, nothing left behind`, async () => {
      const r = await runCli(["train", "f.gnn", ...flags], files);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toContain("epoch"); // no progress line: training never started
      expect(r.stdout).toBe("");
      expect(readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
    });
  }

  it("--out of predict is checked before predicting", async () => {
    const r = await runCli(["predict", "f.gnn", "--params", join(dir, "none.safetensors"), "--out", join(dir, "missing", "p.csv")], files);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: cannot write `.*missing\/p\.csv`: ENOENT/);
  });

  it("a writable --json and --save inside --report pass the check (the folder is made first)", async () => {
    const report = join(dir, "run", "deep");
    const r = await runCli(["train", "f.gnn", "--quiet", "--report", report, "--json", join(report, "r.json"), "--save", join(report, "c.safetensors")], files);
    expect(r.code).toBe(0);
    expect(existsSync(join(report, "r.json")) && existsSync(join(report, "c.safetensors"))).toBe(true);
  });
});

describe("createFolder and checkWritable", () => {
  it("make missing parents, and leave nothing behind when checking", () => {
    const deep = join(dir, "x", "y", "z");
    createFolder(deep);
    expect(existsSync(deep)).toBe(true);
    checkWritable(join(deep, "f.json"));
    expect(readdirSync(deep)).toEqual([]);
  });

  it.runIf(process.platform === "linux")("fail quickly below /proc, where Node's recursive mkdir never returns", () => {
    const start = performance.now();
    expect(() => createFolder("/proc/gnnc-test/x")).toThrow(WriteFileError);
    expect(() => checkWritable("/proc/gnnc-test.json")).toThrow(WriteFileError);
    expect(performance.now() - start).toBeLessThan(1_000);
  });

  it("refuse a path whose parent is a file", () => {
    expect(() => createFolder(join(aFile, "sub"))).toThrow(/cannot write `.*a-file\/sub`: ENOTDIR/);
  });
});
