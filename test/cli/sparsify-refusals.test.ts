import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { gcnSource } from "../train/helpers.js";
import { runCli } from "./harness.js";

/** `sparsify` with bad options, or where nothing can be sparsified: `gnnc check` refuses, located, with a hint. */

const withPasses = (passes: string, source = gcnSource({ epochs: 4 })) => ({ "f.gnn": source.replace("report    = [accuracy(val), accuracy(test)]", `report    = [accuracy(val), accuracy(test)]\n  passes    = [${passes}]`) });

/** The line of `f.gnn` that holds `text`, 1-based. */
const lineOf = (files: Record<string, string>, text: string) => files["f.gnn"].split("\n").findIndex((l) => l.includes(text)) + 1;

describe("gnnc check refuses a sparsify it cannot run", () => {
  for (const [density, why] of [
    ["0", "must be > 0 and ≤ 1, found `0`"],
    ["-0.5", "must be > 0 and ≤ 1, found `-0.5`"],
    ["1.5", "must be > 0 and ≤ 1, found `1.5`"],
  ]) {
    it(`density = ${density}`, async () => {
      const files = withPasses(`sparsify(density = ${density})`);
      const check = await runCli(["check", "f.gnn"], files);
      expect(check.code).toBe(1);
      expect(check.stderr).toContain(`error[E405]: option \`density\` of pass \`sparsify\` ${why}`);
      expect(check.stderr).toContain(`--> f.gnn:${lineOf(files, "sparsify(")}:`);
    });
  }

  it("an unknown method, with the name meant", async () => {
    const check = await runCli(["check", "f.gnn"], withPasses("sparsify(density = 0.1, method = rigel)"));
    expect(check.code).toBe(1);
    expect(check.stderr).toContain("error[E405]: option `method` of pass `sparsify` must be one of `rigl`, `set`, `gmp`, `prune_admm`, `prune_slr`, found `rigel`");
    expect(check.stderr).toContain("help: did you mean `rigl`?");
  });

  it("every bad option at once", async () => {
    const check = await runCli(["check", "f.gnn"], withPasses("sparsify(density = 2, method = rigel, every = 0)"));
    expect(check.stderr.match(/error\[E405\]/g)).toHaveLength(3);
    expect(check.stderr).toContain("f.gnn: 3 errors");
  });

  it("every = 0", async () => {
    const check = await runCli(["check", "f.gnn"], withPasses("sparsify(density = 0.1, every = 0)"));
    expect(check.code).toBe(1);
    expect(check.stderr).toContain("error[E405]: option `every` of pass `sparsify` must be ≥ 1, found `0`");
  });

  it("a dataset not found without a data directory (check keeps its sizes symbolic): the masks' sizes are unknown, and the hint says where data comes from", async () => {
    const source = gcnSource({ epochs: 4 }).replace(/dataset syn = synthetic\.csbm\([^)]*\)/s, 'dataset syn = load("no_such_set")');
    const check = await runCli(["check", "f.gnn"], withPasses("sparsify(density = 0.1)", source), { GNNC_DEVICE: "reference" });
    expect(check.code).toBe(1);
    expect(check.stderr).toContain("error[E643]: `sparsify`: the size of `conv1.lin.weight` is not known when compiling");
    expect(check.stderr).toContain("help: the masks are sized when compiling, from the dataset's sizes (`num_features`, …): is the dataset found? (--data-dir DIR or GNNC_DATA_DIR)");
  });

  it("no density", async () => {
    const check = await runCli(["check", "f.gnn"], withPasses("sparsify(method = rigl)"));
    expect(check.code).toBe(1);
    expect(check.stderr).toContain("error[E605]: pass `sparsify` needs option `density`");
  });

  it("train-and-prune phases out of order", async () => {
    const files = withPasses("sparsify(density = 0.1, method = prune_admm, dense = 0.7, penalty = 0.5)");
    const check = await runCli(["check", "f.gnn"], files);
    expect(check.code).toBe(1);
    expect(check.stderr).toContain("error[E642]: the penalty phase must end after dense training: dense = 0.7 ≥ penalty = 0.5");
    expect(check.stderr).toContain(`--> f.gnn:${lineOf(files, "sparsify(")}:`);
  });

  it("a model with no weight matrix: no matmul reads a trainable matrix", async () => {
    // A model whose only parameter is a bias-like vector scaling the features.
    const source = gcnSource({ epochs: 4 })
      .replace(/model GCN[\s\S]*?\n}\n/, `model GCN(in_channels: int, out_channels: int) {
  scale = LayerNorm(in_channels)
  forward(x: f32[N, in_channels], g: graph[N]) -> f32[N, out_channels] {
    return scale(x)
  }
}
`)
      .replace("GCN(syn.num_features, syn.num_classes)", "GCN(syn.num_features, syn.num_features)");
    const files = withPasses("sparsify(density = 0.1)", source);
    const check = await runCli(["check", "f.gnn"], files);
    expect(check.stderr).toContain("error[E640]: `sparsify`: model `small` has no weight matrix to sparsify");
    expect(check.stderr).toContain("help: it masks trainable matrices that a matmul reads");
    expect(check.code).toBe(1);
  });

  it("a good one checks clean, and `gnnc passes` lists it", async () => {
    const check = await runCli(["check", "f.gnn"], withPasses("sparsify(density = 0.1, method = rigl, distribution = erk, every = 50, drop = 0.5)"));
    expect([check.code, check.stderr]).toEqual([0, ""]);
    const passes = await runCli(["passes"], {});
    expect(passes.stdout).toContain("sparsify");
  });
});

describe("gnnc ir --train and gnnc flops", () => {
  it("print the step plan with the lowered functions, and count the run's FLOPs per function and per op", async () => {
    const files = withPasses("sparsify(density = 0.2, method = rigl, every = 2)");
    const ir = await runCli(["ir", "f.gnn", "--train"], files);
    expect(ir.code).toBe(0);
    expect(ir.stdout).toContain("step init sparse_init");
    expect(ir.stdout).toContain("step sparse_update{every=2, from=2, until_fraction=0.75}");
    expect(ir.stdout).toMatch(/func sparse_update \{/);
    const dir = mkdtempSync(join(tmpdir(), "gnnc-flops-"));
    const json = join(dir, "flops.json");
    const flops = await runCli(["flops", "f.gnn", "--json", json], files);
    expect(flops.code).toBe(0);
    const written = JSON.parse(readFileSync(json, "utf8")) as { steps: number; functions: { name: string; calls: number }[] };
    rmSync(dir, { recursive: true });
    expect(written.steps).toBe(4);
    expect(written.functions.find((f) => f.name === "sparse_update")?.calls).toBe(1);
    expect(flops.stdout).toMatch(/^small: training FLOPs from the IR cost model, 4 steps — the run costs 0\.\d+× the dense run/);
    expect(flops.stdout).toMatch(/sparse_update\s+1\s/);
    expect(flops.stdout).toContain("train_step, per op");
    expect(flops.stdout).toMatch(/sp\.sddmm\s+1\s/);
  });
});
