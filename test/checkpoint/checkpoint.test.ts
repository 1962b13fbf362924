import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { TensorValue } from "../../compiler/ir/values.js";
import { CHECKPOINT_FORMAT, loadCheckpoint, saveCheckpoint, writeSafetensors, type CheckpointInfo } from "../../runtime/checkpoint/index.js";
import { headerOf } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "gnnc-ckpt-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const tensor = (dtype: TensorValue["dtype"], shape: number[], data: TensorValue["data"]): TensorValue => ({ kind: "tensor", dtype, shape, data });

const INFO: CheckpointInfo = { run: "small", module: "small", dataset: "syn", epoch: 7, seed: 3, select: "val_accuracy", metrics: { train_loss: 0.25, val_accuracy: NaN } };

describe("gnnc checkpoints", () => {
  it("save the state under its IR names with the run's metadata, and load both back", () => {
    const path = join(dir, "state.safetensors");
    const state = {
      "conv1.lin.weight": tensor("f32", [2, 3], new Float32Array([1, 2, 3, 4, 5, 6])),
      "bn.num_batches": tensor("i32", [1], new Int32Array([12])),
      "opt.m.conv1.lin.weight": tensor("f32", [2, 3], new Float32Array(6).fill(0.125)),
      flags: tensor("bool", [2], new Uint8Array([1, 0])),
    };
    saveCheckpoint(path, state, INFO);
    const { json } = headerOf(readFileSync(path));
    expect(json.__metadata__).toEqual({
      format: CHECKPOINT_FORMAT,
      version: "1",
      run: "small",
      module: "small",
      dataset: "syn",
      epoch: "7",
      seed: "3",
      select: "val_accuracy",
      metrics: '{"train_loss":0.25,"val_accuracy":null}',
    });
    expect(Object.keys(json).filter((k) => k !== "__metadata__")).toEqual(Object.keys(state));
    expect(json["bn.num_batches"].dtype).toBe("I32");
    expect(json.flags.dtype).toBe("BOOL");

    const back = loadCheckpoint(path);
    expect(back.info).toEqual(INFO); // NaN metrics come back as NaN
    expect(back.tensors["conv1.lin.weight"]).toEqual({ dtype: "F32", shape: [2, 3], data: state["conv1.lin.weight"].data });
    expect(back.tensors["bn.num_batches"].data).toEqual(new Int32Array([12]));
  });

  it("load a plain safetensors file (a converted state dict) without run info", () => {
    const path = join(dir, "plain.safetensors");
    writeSafetensors(path, { w: { dtype: "F32", shape: [1], data: new Float32Array([1]) } }, { format: "pt" });
    const back = loadCheckpoint(path);
    expect(back.info).toBeUndefined();
    expect(Object.keys(back.tensors)).toEqual(["w"]);
  });

  it("reject gnnc metadata that is missing or malformed, naming the field", () => {
    const meta = { format: CHECKPOINT_FORMAT, version: "1", run: "r", module: "m", dataset: "d", epoch: "1", seed: "0", metrics: "{}" };
    const cases: [Record<string, string>, string][] = [
      [{ ...meta, version: "2" }, "__metadata__.version is 2, newer than this gnnc reads (1)"],
      [{ ...meta, epoch: "-1" }, '__metadata__.epoch must be a non-negative integer, got "-1"'],
      [{ ...meta, metrics: "{" }, "__metadata__.metrics is not valid JSON"],
      [{ ...meta, metrics: '{"a":"b"}' }, '__metadata__.metrics has a non-number a: "b"'],
      [Object.fromEntries(Object.entries(meta).filter(([k]) => k !== "run")), "__metadata__.run is missing"],
    ];
    for (const [metadata, message] of cases) {
      const path = join(dir, "bad.safetensors");
      writeSafetensors(path, {}, metadata);
      expect(() => loadCheckpoint(path)).toThrow(`${path}: ${message}`);
    }
    expect(() => loadCheckpoint(join(dir, "nothing-here"))).toThrow(`${join(dir, "nothing-here")}: no such file`);
  });
});
