import { describe, expect, it } from "vitest";
import { readdirSync } from "node:fs";
import { runCli } from "./harness.js";

const examples = readdirSync("examples").filter((f) => f.endsWith(".gnn")).map((f) => `examples/${f}`);

describe("gnnc CLI", () => {
  it("prints help and exits 0 for --help, 2 with no command", async () => {
    const h = await runCli(["--help"]);
    expect(h.code).toBe(0);
    expect(h.stdout).toContain("Usage: gnnc COMMAND");
    expect((await runCli([])).code).toBe(2);
  });

  it("shows help for each command", async () => {
    for (const c of ["check", "ir", "passes", "help"]) {
      const r = await runCli(["help", c]);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`gnnc ${c}`);
    }
    expect((await runCli(["ir", "--help"])).stdout).toContain("--after PASS");
  });

  it("rejects unknown commands and flags with exit 2 and a hint", async () => {
    const r = await runCli(["chek", "x.gnn"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("did you mean `check`");
    const f = await runCli(["check", "--bogus", "x.gnn"]);
    expect(f.code).toBe(2);
    expect(f.stderr).toContain("--bogus");
    expect((await runCli(["help", "nope"])).code).toBe(2);
    expect((await runCli(["check"])).code).toBe(2);
  });

  it("checks every example cleanly", async () => {
    expect(examples.length).toBeGreaterThanOrEqual(8);
    const r = await runCli(["check", ...examples]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    for (const e of examples) expect(r.stdout).toContain(`ok  ${e}`);
  });

  it("exits 1 with formatted diagnostics for a bad file, and for a missing file", async () => {
    const bad = await runCli(["check", "bad.gnn"], { "bad.gnn": "model M { conv = GCNconv(1, 2) }\n" });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/error\[E\d+\]/);
    expect(bad.stderr).toContain("--> bad.gnn:1:18");
    expect(bad.stderr).toContain("did you mean `GCNConv`");
    expect(bad.stderr).not.toMatch(/\n\s+at .*\.ts:\d+/); // no stack traces
    const missing = await runCli(["check", "nope.gnn"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("cannot read `nope.gnn`");
  });

  it("prints typed IR with symbolic shapes and .gnn locations", async () => {
    const r = await runCli(["ir", "examples/cora-gcn.gnn"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("f32[N,16]");
    expect(r.stdout).toMatch(/# examples\/cora-gcn\.gnn:\d+:\d+/);
    expect(r.stdout).toContain("g.spmm");
  });

  it("uses dataset sizes from --data-dir when given and symbols otherwise", async () => {
    const symbolic = await runCli(["ir", "examples/cora-gcn.gnn"]);
    expect(symbolic.stdout).toContain("cora.num_features");
  });

  it("runs passes with --after and --print-ir-after", async () => {
    const after = await runCli(["ir", "examples/cora-gcn.gnn", "--after", "cse"]);
    expect(after.code).toBe(0);
    const each = await runCli(["ir", "examples/cora-gcn.gnn", "--print-ir-after", "all"]);
    expect(each.code).toBe(0);
    expect(each.stdout).toContain("IR after cse");
    expect(each.stdout).toContain("IR after dce");
    const unknown = await runCli(["ir", "examples/cora-gcn.gnn", "--after", "nosuch"]);
    expect(unknown.code).toBe(2);
  });

  it("lists passes", async () => {
    const r = await runCli(["passes"]);
    expect(r.code).toBe(0);
    for (const p of ["shape-inference", "cse", "dce"]) expect(r.stdout).toContain(p);
  });
});
