import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { compile } from "../../compiler/index.js";
import { saveBinaryDataset } from "../../runtime/data/index.js";
import { prepareTraining } from "../../runtime/train/run.js";
import { tempDir, tinyDataset } from "../runtime/data/helpers.js";
import { gcnSource } from "../train/helpers.js";
import { runCli } from "./harness.js";

/** Whatever `gnnc train` refuses before its first step, `gnnc check` refuses: located, with a hint. */

const withOutput = (width: string) => ({ "f.gnn": gcnSource({ epochs: 2 }).replace("GCN(syn.num_features, syn.num_classes)", `GCN(syn.num_features, ${width})`) });

describe("gnnc check refuses what gnnc train would", () => {
  it("a model with fewer outputs than the dataset's classes: an error at check, and train refuses before its first epoch", async () => {
    const files = withOutput("2"); // the csbm has 3 classes
    const check = await runCli(["check", "f.gnn"], files);
    expect(check.code).toBe(1);
    expect(check.stderr).toContain("error[E517]: the model outputs 2 class scores per node, but dataset `syn` has 3 classes: label 2 has no score");
    expect(check.stderr).toMatch(/--> f\.gnn:\d+:\d+/);
    expect(check.stderr).toContain("= help: make the model's last layer 3 wide, e.g. `GCN(…, syn.num_classes)`");
    const train = await runCli(["train", "f.gnn"], files);
    expect(train.code).toBe(1);
    expect(train.stderr).toContain("error[E517]");
    expect(train.stderr).not.toContain("training failed");
    expect(train.stdout).toBe("");
  });

  it("more outputs than classes: a warning (it trains, but the extra scores are never a label)", async () => {
    const check = await runCli(["check", "f.gnn"], withOutput("10"));
    expect(check.code).toBe(0);
    expect(check.stderr).toContain("warning[W204]: the model outputs 10 class scores per node, but dataset `syn` has 3 classes: 7 of the scores are never a label");
    expect(check.stdout).toContain("1 warning");
  });

  it("a schedule training cannot apply and a user pass that cannot be read: both errors, each at its key", async () => {
    const files = { "f.gnn": gcnSource({ epochs: 2, extra: 'schedule = admm(layers = 3)\n  passes = [pass("./my-pass.ts", level = 2)]' }) };
    const check = await runCli(["check", "f.gnn"], files);
    expect(check.code).toBe(1);
    expect(check.stderr).toContain("error[E542]: training schedule `admm` is not supported by `gnnc train` yet");
    expect(check.stderr).toMatch(/error\[E610\]: cannot read user pass `.*my-pass\.ts`/);
    expect(check.stderr).toContain("f.gnn: 2 errors");
    const train = await runCli(["train", "f.gnn"], files);
    expect(train.code).toBe(1);
    expect(train.stderr).toContain("error[E542]");
  });

  it("an unusable learning-rate schedule", async () => {
    const check = await runCli(["check", "f.gnn"], { "f.gnn": gcnSource({ epochs: 2, extra: "lr_schedule = step(gamma = 0.5)" }) });
    expect(check.code).toBe(1);
    expect(check.stderr).toContain("error[E548]: `step` needs `step_size`");
  });

  it("a clean file still checks clean", async () => {
    const check = await runCli(["check", "f.gnn"], { "f.gnn": gcnSource({ epochs: 2 }) });
    expect([check.code, check.stderr]).toEqual([0, ""]);
  });
});

describe("the class count when the dataset is only known once loaded", () => {
  const tmp = tempDir();
  afterAll(tmp.cleanup);

  it("is refused by training before its first step, located at the model", () => {
    saveBinaryDataset(join(tmp.dir, "tiny"), tinyDataset()); // 2 classes
    const text = gcnSource().replace(/dataset syn = synthetic\.csbm\([^)]*\)/s, 'dataset syn = load("tiny")').replace("GCN(syn.num_features, syn.num_classes)", "GCN(syn.num_features, 1)");
    const { program, diagnostics } = compile(text, { file: "f.gnn" }); // no data directory: sizes stay symbolic
    expect(diagnostics).toEqual([]);
    const prepared = prepareTraining(program!.trains[0], program!.modules[0], { data: { dataDir: tmp.dir, env: {} } });
    const modelLine = text.split("\n").findIndex((l) => l.includes("model     = GCN")) + 1;
    expect("diagnostics" in prepared && prepared.diagnostics.map((d) => [d.code, d.message, d.span.start.line])).toEqual([
      ["E517", "the model outputs 1 class score per node, but dataset `syn` has 2 classes: label 1 has no score", modelLine],
    ]);
  });
});
