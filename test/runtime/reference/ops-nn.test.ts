import { describe, it, expect } from "vitest";
import { FuncBuilder } from "../../../compiler/ir/builder.js";
import { uniform } from "../../../compiler/ir/rng.js";
import type { RngValue, TensorValue } from "../../../compiler/ir/values.js";
import { runFunc } from "../../../runtime/reference/index.js";
import { tensor } from "./helpers.js";
import { random, randomTensor, UNIFORM } from "../../support/tensors.js";
import { runOneOp, runTensorOp } from "../../support/one-op.js";
import { expectAllClose, ROUNDING } from "../../support/allclose.js";

const rng: RngValue = { kind: "rng", key: [0x1234, 0xabcd] };

describe("nn.dropout", () => {
  const n = 20000;
  const x = tensor([100, 200], Array.from({ length: n }, (_, k) => 1 + (k % 7)));

  it("keeps element k iff uniform(rng, k) ≥ p and scales kept ones by 1/(1−p)", () => {
    const p = 0.3;
    const out = runTensorOp("nn.dropout", [x, rng], { p });
    let kept = 0;
    let sum = 0;
    let wrong = 0;
    for (let k = 0; k < n; k++) {
      const keep = uniform(rng.key, k) >= p;
      const expected = keep ? Math.fround(x.data[k] * Math.fround(1 / (1 - p))) : 0;
      if (out.data[k] !== expected) wrong++;
      if (keep) kept++;
      sum += out.data[k];
    }
    expect(wrong).toBe(0);
    // Binomial(n, 0.7): sd ≈ 65, so ±4 sd is about 260.
    expect(Math.abs(kept - 0.7 * n)).toBeLessThan(260);
    let xSum = 0;
    for (const v of x.data) xSum += v;
    expect(Math.abs(sum / xSum - 1)).toBeLessThan(0.02); // unbiased in expectation
  });

  it("x * dropout_mask(x) equals dropout(x) bit for bit", () => {
    const b = new FuncBuilder("mask");
    const xi = b.leaf("s.input", { kind: "tensor", dtype: "f32", shape: ["N", "F"] }, { name: "x" });
    const r = b.leaf("s.input", { kind: "rng" }, { name: "rng" });
    const mask = b.emit("nn.dropout_mask", [xi, r], { p: 0.5 });
    const viaMask = b.emit("t.mul", [xi, mask]);
    const direct = b.emit("nn.dropout", [xi, r], { p: 0.5 });
    const xr = randomTensor([50, 40], random(3), UNIFORM);
    const [m, a, d] = runFunc(b.finish([mask, viaMask, direct], ["mask", "a", "d"]), {
      inputs: { x: xr, rng },
      params: {},
    }) as TensorValue[];
    expect(new Set(m.data)).toEqual(new Set([0, 2]));
    expect(Array.from(a.data)).toEqual(Array.from(d.data));
  });

  it("keeps an element whose draw equals p exactly (the test is u ≥ p)", () => {
    const p = uniform(rng.key, 0); // a multiple of 2^-24, so representable exactly
    const mask = runTensorOp("nn.dropout_mask", [tensor([2], [1, 1]), rng], { p });
    expect(mask.data[0]).toBe(Math.fround(1 / (1 - p)));
  });

  it("p = 0 is the identity and p = 1 drops everything (no NaN)", () => {
    expect(Array.from(runTensorOp("nn.dropout", [x, rng], { p: 0 }).data)).toEqual(Array.from(x.data));
    expect(runTensorOp("nn.dropout", [x, rng], { p: 1 }).data.every((v) => v === 0)).toBe(true);
  });

  it("different keys give different masks", () => {
    const other: RngValue = { kind: "rng", key: [1, 2] };
    const a = runTensorOp("nn.dropout_mask", [x, rng], { p: 0.5 });
    const b = runTensorOp("nn.dropout_mask", [x, other], { p: 0.5 });
    expect(Array.from(a.data)).not.toEqual(Array.from(b.data));
  });
});

describe("s.rng_fold", () => {
  it("derives a deterministic key that differs per salt", () => {
    const a = runOneOp("s.rng_fold", [rng], { salt: 1 }) as RngValue;
    const again = runOneOp("s.rng_fold", [rng], { salt: 1 }) as RngValue;
    const b = runOneOp("s.rng_fold", [rng], { salt: 2 }) as RngValue;
    expect(a.key).toEqual(again.key);
    expect(a.key).not.toEqual(b.key);
    expect(a.key).not.toEqual(rng.key);
  });
});

describe("nn.layer_norm", () => {
  const x = tensor([2, 4], [1, 2, 3, 4, -1, 0, 0, 1]);

  it("node mode normalises each row with its biased variance", () => {
    const out = runTensorOp("nn.layer_norm", [x]);
    const row = (vals: number[]) => {
      const m = vals.reduce((a, b) => a + b) / vals.length;
      const v = vals.reduce((a, b) => a + (b - m) ** 2, 0) / vals.length;
      return vals.map((t) => (t - m) / Math.sqrt(v + 1e-5));
    };
    expectAllClose(out.data, [...row([1, 2, 3, 4]), ...row([-1, 0, 0, 1])], ROUNDING);
  });

  it("applies weight and bias per channel", () => {
    const w = tensor([4], [1, 2, 0, -1]);
    const b = tensor([4], [0, 0, 5, 1]);
    const plain = runTensorOp("nn.layer_norm", [x]);
    const out = runTensorOp("nn.layer_norm", [x, w, b]);
    const expected = Array.from(plain.data, (v, k) => v * w.data[k % 4] + b.data[k % 4]);
    expectAllClose(out.data, expected, ROUNDING);
  });

  it("graph mode uses every element: (x − μ)/(σ + eps) as PyG does without a batch vector", () => {
    const out = runTensorOp("nn.layer_norm", [x], { mode: "graph", eps: 0.1 });
    const all = Array.from(x.data);
    const m = all.reduce((a, b) => a + b) / all.length;
    const sd = Math.sqrt(all.reduce((a, b) => a + (b - m) ** 2, 0) / all.length);
    expectAllClose(out.data, all.map((v) => (v - m) / (sd + 0.1)), ROUNDING);
  });
});

describe("nn.batch_norm", () => {
  const x = tensor([3, 2], [1, 10, 2, 20, 3, 60]);
  const w = tensor([2], [2, 1]);
  const b = tensor([2], [0, 1]);
  const rm = tensor([2], [2, 0]);
  const rv = tensor([2], [4, 1]);

  it("training uses batch statistics over nodes (biased variance)", () => {
    const out = runTensorOp("nn.batch_norm", [x, w, b, rm, rv], { eps: 0 });
    const s0 = Math.sqrt(2 / 3);
    const m1 = 30;
    const s1 = Math.sqrt((400 + 100 + 900) / 3);
    const expected = [1, 2, 3].flatMap((_, i) => [2 * ((x.data[2 * i] - 2) / s0), (x.data[2 * i + 1] - m1) / s1 + 1]);
    expectAllClose(out.data, expected, ROUNDING);
  });

  it("eval uses the running statistics", () => {
    const out = runTensorOp("nn.batch_norm", [x, w, b, rm, rv], { eps: 0, training: false });
    expectAllClose(out.data, [-1, 11, 0, 21, 1, 61], ROUNDING);
  });
});
