import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadCheckpoint, writeSafetensors } from "../../runtime/checkpoint/index.js";
import { gcnSource } from "../train/helpers.js";
import { runCli } from "./harness.js";

const dir = mkdtempSync(join(tmpdir(), "gnnc-cli-ckpt-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const FILE = "small.gnn";
const files = { [FILE]: gcnSource({ epochs: 6 }) };

describe("gnnc train --save / --resume", () => {
  it("saves the selected epoch's parameters and optimizer state with the run's metadata", async () => {
    const ckpt = join(dir, "small.safetensors");
    const json = join(dir, "small.json");
    const r = await runCli(["train", FILE, "--quiet", "--seed", "3", "--save", ckpt, "--json", json], files);
    expect(r.code).toBe(0);
    const result = JSON.parse(readFileSync(json, "utf8"));
    expect(r.stdout).toContain(`  saved epoch ${result.selected_epoch} to ${ckpt}\n`);
    const saved = loadCheckpoint(ckpt);
    expect(saved.info).toEqual({
      run: "small",
      module: "small",
      dataset: "syn",
      epoch: result.selected_epoch,
      seed: 3,
      select: "val_accuracy",
      metrics: result.metrics,
    });
    expect(Object.keys(saved.tensors).sort()).toEqual(
      ["conv1.bias", "conv1.lin.weight", "conv2.bias", "conv2.lin.weight"].flatMap((p) => [p, `opt.m.${p}`, `opt.v.${p}`]).sort(),
    );
    expect(saved.tensors["conv1.lin.weight"]).toMatchObject({ dtype: "F32", shape: [16, 24] });
  });

  it("resumes after the checkpoint's epoch with its seed, and continues to the block's epochs", async () => {
    const ckpt = join(dir, "last.safetensors");
    const last = gcnSource({ epochs: 6 }).replace("select    = best(val.accuracy)", "select = last");
    const first = await runCli(["train", "last.gnn", "--quiet", "--seed", "5", "--epochs", "4", "--save", ckpt], { "last.gnn": last });
    expect(first.code).toBe(0);
    const json = join(dir, "resumed.json");
    const r = await runCli(["train", "last.gnn", "--resume", ckpt, "--json", json], { "last.gnn": last });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^epoch 6\/6 /);
    expect(r.stdout).toContain("small: selected epoch 6 of 6");
    expect(r.stdout).toContain("seed 5, resumed after epoch 4");
    const result = JSON.parse(readFileSync(json, "utf8"));
    expect(result).toMatchObject({ seed: 5, start_epoch: 4, epochs: 6, selected_epoch: 6 });
    expect(result.history.map((h: { epoch: number }) => h.epoch)).toEqual([5, 6]);
    // The same as training 6 epochs in one go.
    const straight = join(dir, "straight.json");
    expect((await runCli(["train", "last.gnn", "--quiet", "--seed", "5", "--json", straight], { "last.gnn": last })).code).toBe(0);
    expect(JSON.parse(readFileSync(straight, "utf8")).history.slice(4)).toEqual(result.history);
  });

  it("explains a checkpoint that cannot be resumed", async () => {
    const ckpt = join(dir, "done.safetensors");
    expect((await runCli(["train", FILE, "--quiet", "--epochs", "2", "--save", ckpt], files)).code).toBe(0);
    const epoch = loadCheckpoint(ckpt).info!.epoch;
    const done = await runCli(["train", FILE, "--resume", ckpt, "--epochs", String(epoch)], files);
    expect(done.code).toBe(1);
    expect(done.stderr).toContain(`${ckpt} is at epoch ${epoch}, and the run ends at epoch ${epoch}: nothing left to train`);

    const narrow = { "narrow.gnn": gcnSource({ epochs: 6 }).replace("hidden: int = 16", "hidden: int = 8") };
    const wrong = await runCli(["train", "narrow.gnn", "--resume", ckpt], narrow);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/^error\[E708\]: .*done\.safetensors: tensor `conv1\.lin\.weight` has shape \[16, 24\], but the model expects \[8, 24\] \(and \d+ more mismatches\)\n  help: /);

    const sgd = { "sgd.gnn": gcnSource({ epochs: 6, optimizer: "sgd(lr = 0.1, momentum = 0.9)" }) };
    const opt = await runCli(["train", "sgd.gnn", "--resume", ckpt], sgd);
    expect(opt.code).toBe(1);
    expect(opt.stderr).toContain("no tensor `opt.buf.conv1.lin.weight`");

    const plain = join(dir, "plain.safetensors");
    writeSafetensors(plain, { w: { dtype: "F32", shape: [1], data: new Float32Array(1) } });
    const foreign = await runCli(["train", FILE, "--resume", plain], files);
    expect(foreign.code).toBe(1);
    expect(foreign.stderr).toContain(`${plain}: not a gnnc checkpoint`);
    expect(foreign.stderr).toContain("help: --resume takes a checkpoint written by `gnnc train --save`");

    const missing = await runCli(["train", FILE, "--resume", join(dir, "nope.safetensors")], files);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(new RegExp(`^error\\[E708\\]: ${join(dir, "nope.safetensors")}: no such file\n  help: `));
  });

  it("documents the flags", async () => {
    const help = (await runCli(["help", "train"])).stdout;
    for (const flag of ["--save PATH", "--resume PATH", "--report DIR", "--json PATH"]) expect(help).toContain(flag);
  });

  it("reports an unwritable --save path without a stack trace", async () => {
    const r = await runCli(["train", FILE, "--quiet", "--epochs", "1", "--save", join(dir, "no-dir", "x.safetensors")], files);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: cannot write `.*no-dir\/x\.safetensors`: ENOENT/);
    expect(r.stderr).not.toContain("internal compiler error");
    expect(readdirSync(dir).some((f) => f.endsWith(".tmp"))).toBe(false);
  });
});
