import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { gcnSource } from "../train/helpers.js";
import { runCli } from "./harness.js";

const dir = mkdtempSync(join(tmpdir(), "gnnc-train-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const FILE = "small.gnn";
const files = { [FILE]: gcnSource({ epochs: 12 }) };

describe("gnnc train", () => {
  it("trains, prints progress every 10 epochs and a summary, and writes the result as JSON", async () => {
    const json = join(dir, "result.json");
    const r = await runCli(["train", FILE, "--seed", "2", "--json", json], files);
    expect(r.stderr).toMatch(/^epoch 10\/12 {2}loss \d\.\d{4} {2}val_accuracy \d\.\d{4} .* ms\/epoch {2}ETA \d+s\nepoch 12\/12 /);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^small: selected epoch \d+ of 12 \(train_loss .*, val_accuracy .*, test_accuracy .*\)\n/);
    const result = JSON.parse(readFileSync(json, "utf8"));
    expect(result).toMatchObject({ run: "small", dataset: "syn", device: "reference", seed: 2, epochs: 12, start_epoch: 0 });
    expect(Object.keys(result).sort()).toEqual(
      ["compile_ms", "dataset", "device", "epoch_ms_median", "epochs", "graph", "history", "load_ms", "metrics", "peak_bytes", "peak_bytes_predicted", "run", "seed", "selected_epoch", "start_epoch", "training_flops"].sort(),
    );
    expect(Object.keys(result.metrics)).toEqual(["train_loss", "val_accuracy", "test_accuracy"]);
    expect(result.history).toHaveLength(12);
    expect(result.history[0]).toEqual({ epoch: 1, loss: expect.any(Number), val_accuracy: expect.any(Number), test_accuracy: expect.any(Number) });
    expect(readdirSync(dir)).toEqual(["result.json"]); // no temporary file left behind
  });

  it("prints only the summary with --quiet, and --epochs overrides the block", async () => {
    const r = await runCli(["train", FILE, "--quiet", "--epochs", "2"], files);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain("of 2 (");
  });

  it("rejects an unknown --device as a usage error", async () => {
    const r = await runCli(["train", FILE, "--device", "tpu"], files);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--device must be one of auto, reference, gpu");
  });

  it("names the places searched when a dataset is missing", async () => {
    const source = gcnSource().replace(/dataset syn = synthetic\.csbm\([^)]*\)/s, 'dataset syn = load("no_such_dataset")');
    const empty = mkdtempSync(join(dir, "data-"));
    const r = await runCli(["train", "missing.gnn", "--data-dir", empty], { "missing.gnn": source });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("no_such_dataset");
    expect(r.stderr).toContain(empty);
    expect(r.stderr).not.toContain("internal compiler error");
  });

  it("reports what cannot be trained yet as a diagnostic", async () => {
    const r = await runCli(["train", "mse.gnn"], { "mse.gnn": gcnSource().replace("cross_entropy(mask = train)", "mse(mask = train)") });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("error[E541]");
  });

  it("rejects bad flags and unknown train blocks with usage errors", async () => {
    expect((await runCli(["train", FILE, "--seed", "-1"], files)).code).toBe(2);
    expect((await runCli(["train", FILE, "--epochs", "0"], files)).code).toBe(2);
    const r = await runCli(["train", FILE, "--run", "big"], files);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("train blocks: `small`");
    expect((await runCli(["help", "train"])).stdout).toContain("gnnc train FILE");
  });
});
