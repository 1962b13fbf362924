import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gcnSource } from "../train/helpers.js";
import { runCli } from "./harness.js";

const dir = mkdtempSync(join(tmpdir(), "gnnc-cli-predict-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const FILE = "small.gnn";
const files = { [FILE]: gcnSource({ epochs: 5 }) };
const ckpt = join(dir, "small.safetensors");
let result: { metrics: Record<string, number>; selected_epoch: number };

beforeAll(async () => {
  const json = join(dir, "result.json");
  const r = await runCli(["train", FILE, "--quiet", "--save", ckpt, "--json", json], files);
  if (r.code !== 0) throw new Error(r.stderr);
  result = JSON.parse(readFileSync(json, "utf8"));
});

describe("gnnc predict", () => {
  it("writes node, prediction and class probabilities for every node", async () => {
    const out = join(dir, "preds.csv");
    const r = await runCli(["predict", FILE, "--params", ckpt, "--out", out], files);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`  wrote ${out}\n`);
    const [header, ...rows] = readFileSync(out, "utf8").trimEnd().split("\n");
    expect(header).toBe("node,prediction,p_0,p_1,p_2");
    expect(rows).toHaveLength(300);
    rows.forEach((row, k) => {
      const [node, prediction, ...p] = row.split(",").map(Number);
      expect(node).toBe(k);
      expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
      expect(p[prediction]).toBe(Math.max(...p));
      for (const text of row.split(",").slice(2)) expect(text.replace(/^0\.|e.*$|\./g, "").replace(/^0+/, "").length).toBeLessThanOrEqual(6);
    });
  });

  it("summarises on stdout: the selected epoch's accuracies, and the class counts", async () => {
    const r = await runCli(["predict", FILE, "--params", ckpt], files);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`small: predicted 300 nodes, 3 classes, with ${ckpt} (epoch ${result.selected_epoch})\n`);
    expect(r.stdout).toContain(`val ${result.metrics.val_accuracy.toFixed(4)}, test ${result.metrics.test_accuracy.toFixed(4)}`);
    const counts = /nodes per predicted class: 0: (\d+), 1: (\d+), 2: (\d+)/.exec(r.stdout)!;
    expect(counts.slice(1).map(Number).reduce((a, b) => a + b)).toBe(300);
    expect(r.stdout).toContain("--out PATH");
  });

  it("reads a plain safetensors state dict without gnnc metadata", async () => {
    // Strip the checkpoint down to the model's tensors and no metadata, as a converted PyG state dict would be.
    const bytes = readFileSync(ckpt);
    const n = Number(bytes.readBigUInt64LE(0));
    const header = JSON.parse(bytes.subarray(8, 8 + n).toString("utf8"));
    delete header.__metadata__;
    const plain = join(dir, "plain.safetensors");
    const text = Buffer.from(JSON.stringify(header));
    const prefix = Buffer.alloc(8);
    prefix.writeBigUInt64LE(BigInt(text.length));
    writeFileSync(plain, Buffer.concat([prefix, text, bytes.subarray(8 + n)]));
    const r = await runCli(["predict", FILE, "--params", plain], files);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`with ${plain}\n`);
    expect(r.stdout).toContain(`test ${result.metrics.test_accuracy.toFixed(4)}`);
  });

  it("rejects a checkpoint of another model with the tensor and both shapes", async () => {
    const other = { "other.gnn": gcnSource({ epochs: 5 }).replace("hidden: int = 16", "hidden: int = 32") };
    const r = await runCli(["predict", "other.gnn", "--params", ckpt], other);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`error[E708]: ${ckpt}: tensor \`conv1.lin.weight\` has shape [16, 24], but the model expects [32, 24]`);
    const corrupt = join(dir, "corrupt.safetensors");
    const whole = readFileSync(ckpt);
    writeFileSync(corrupt, whole.subarray(0, whole.length - 100)); // a download cut short
    const c = await runCli(["predict", FILE, "--params", corrupt], files);
    expect(c.code).toBe(1);
    expect(c.stderr).toMatch(/^error\[E708\]: .*corrupt\.safetensors: tensor `[^`]+`: data_offsets \[\d+, \d+\] run past the end of the data/);
  });

  it("has usage errors for a missing --params or FILE, and help", async () => {
    expect((await runCli(["predict", FILE], files)).stderr).toContain("--params PATH is required");
    expect((await runCli(["predict", FILE], files)).code).toBe(2);
    expect((await runCli(["predict", "--params", ckpt])).code).toBe(2);
    expect((await runCli(["help", "predict"])).stdout).toContain("gnnc predict FILE --params PATH");
    expect((await runCli(["--help"])).stdout).toContain("predict FILE");
  });
});
