import { describe, expect, it } from "vitest";
import type { TensorValue } from "../../compiler/ir/values.js";
import { emitLaunches } from "../../compiler/codegen/emit.js";
import { checkOp, randomInts, tensor, useGpu } from "./helpers.js";
import { checkCase } from "./shape-graph-helpers.js";
import { random, randomTensor } from "../support/tensors.js";

// The losses and their gradients against the interpreter: no mask, bool masks (selecting) and
// float masks (weighing), per row and per element; ignored labels (−1); nothing selected (0);
// gradients spread over several workgroups that each fold the mean's denominator (emitKernel's
// one kernel) or read it from a first launch that folds it once (the plan's launches).
const gpu = useGpu();

/** A bool tensor as the interpreter holds it (0/1 bytes; the GPU gets u32 words). */
function boolTensor(shape: number[], rand: () => number, share: number): TensorValue {
  const n = shape.reduce((a, b) => a * b, 1);
  return { kind: "tensor", dtype: "bool", shape, data: Uint8Array.from({ length: n }, () => (rand() < share ? 1 : 0)) };
}

const cot = tensor("f32", [], [0.75]);

describe("nn.cross_entropy, nn.nll and their gradients", () => {
  const n = 1000;
  const c = 7;
  const x = randomTensor([n, c], random(1), { lo: -5, hi: 5 });
  const labels = randomInts("i32", [n], random(2), -1, c); // about one row in eight ignored
  const masks: [string, TensorValue[]][] = [
    ["no mask", []],
    ["a bool mask", [boolTensor([n], random(3), 0.3)]],
    ["a float mask", [randomTensor([n], random(4), { lo: 0, hi: 2 })]],
  ];

  for (const loss of ["nn.cross_entropy", "nn.nll"]) {
    for (const [what, mask] of masks) {
      it(`${loss} and its gradient with ${what}`, async (ctx) => {
        await checkOp(gpu(ctx), { op: loss, inputs: [x, labels, ...mask] });
        await checkOp(gpu(ctx), { op: `${loss}_grad`, inputs: [cot, x, labels, ...mask] });
        // A cotangent of the denominator's size, so that an error in the denominator shows above atol.
        const planned = await checkCase(gpu(ctx), { op: `${loss}_grad`, inputs: [tensor("f32", [], [500]), x, labels, ...mask], launches: emitLaunches });
        expect(planned.kernels.map((k) => k.name)).toEqual([`${loss.replace(".", "_")}_grad_denominator`, `${loss.replace(".", "_")}_grad${mask.length > 0 ? "_masked" : ""}`]);
        expect(planned.kernels[1].dispatch({ n, c }).x).toBe(Math.ceil(n / planned.kernels[1].workgroupSize[0]));
      });
    }

    it(`${loss} is 0, and so is its gradient, when every row is ignored or masked out`, async (ctx) => {
      const ignored = tensor("i32", [n], new Array(n).fill(-1));
      const none = boolTensor([n], random(5), 0);
      for (const inputs of [[x, ignored], [x, labels, none]]) {
        const loss0 = await checkOp(gpu(ctx), { op: loss, inputs });
        expect(Array.from(loss0.actual.data)).toEqual([0]);
        const grad = await checkOp(gpu(ctx), { op: `${loss}_grad`, inputs: [cot, ...inputs] });
        expect(grad.actual.data.every((v) => v === 0)).toBe(true);
        const planned = await checkCase(gpu(ctx), { op: `${loss}_grad`, inputs: [cot, ...inputs], launches: emitLaunches });
        expect(planned.actual.data.every((v) => v === 0)).toBe(true);
      }
    });
  }

  it("spreads the gradient of 60,000 rows of 40 classes over many workgroups", async (ctx) => {
    const big = randomTensor([60_000, 40], random(6), { lo: -5, hi: 5 });
    const bigLabels = randomInts("i32", [60_000], random(7), -1, 40);
    const mask = boolTensor([60_000], random(8), 0.5);
    await checkOp(gpu(ctx), { op: "nn.cross_entropy", inputs: [big, bigLabels, mask] });
    const r = await checkOp(gpu(ctx), { op: "nn.cross_entropy_grad", inputs: [cot, big, bigLabels, mask] });
    expect(r.kernel.dispatch({ n: 60_000, c: 40 }).x).toBeGreaterThan(16);
  });
});

describe("nn.bce_with_logits, nn.mse and their gradients", () => {
  const x = randomTensor([300, 5], random(11), { lo: -8, hi: 8 });
  const y = randomTensor([300, 5], random(12), { lo: 0, hi: 1 });
  // bool and float masks differ only in how a value is read; rows and elements in how it is indexed.
  const masks: [string, TensorValue[]][] = [
    ["no mask", []],
    ["a bool mask per row", [boolTensor([300], random(13), 0.4)]],
    ["a float mask per element", [randomTensor([300, 5], random(16), { lo: -1, hi: 1 })]],
  ];

  for (const loss of ["nn.bce_with_logits", "nn.mse"]) {
    for (const [what, mask] of masks) {
      it(`${loss} and its gradient with ${what}`, async (ctx) => {
        await checkOp(gpu(ctx), { op: loss, inputs: [x, y, ...mask] });
        await checkOp(gpu(ctx), { op: `${loss}_grad`, inputs: [cot, x, y, ...mask] });
      });
    }
  }

  it("gives 0 and a zero gradient when the mask selects nothing; reads 1-D operands per element", async (ctx) => {
    const none = boolTensor([300], random(17), 0);
    const loss = await checkOp(gpu(ctx), { op: "nn.mse", inputs: [x, y, none] });
    expect(Array.from(loss.actual.data)).toEqual([0]);
    const grad = await checkOp(gpu(ctx), { op: "nn.mse_grad", inputs: [cot, x, y, none] });
    expect(grad.actual.data.every((v) => v === 0)).toBe(true);
    const flat = [randomTensor([1001], random(18), { lo: -3, hi: 3 }), randomTensor([1001], random(19), { lo: 0, hi: 1 }), boolTensor([1001], random(20), 0.5)];
    await checkOp(gpu(ctx), { op: "nn.bce_with_logits", inputs: flat });
    await checkOp(gpu(ctx), { op: "nn.bce_with_logits_grad", inputs: [cot, ...flat] });
  });

  it("keeps bce accurate for logits far from 0 (log1p of tiny terms)", async (ctx) => {
    const far = tensor("f32", [4], [-30, -17, 17, 30]);
    const targets = tensor("f32", [4], [0, 0, 1, 1]);
    const r = await checkOp(gpu(ctx), { op: "nn.bce_with_logits", inputs: [far, targets] });
    expect(r.actual.data[0]).toBeGreaterThan(0); // e^-17 terms survive instead of rounding to 0
  });

  it("gradient without a mask over 300,000 elements, with a symbolic N", async (ctx) => {
    const a = randomTensor([100_000, 3], random(21));
    const b = randomTensor([100_000, 3], random(22));
    const type = { kind: "tensor" as const, dtype: "f32" as const, shape: ["N", 3] };
    const r = await checkOp(gpu(ctx), {
      op: "nn.mse_grad",
      inputs: [cot, a, b],
      types: [{ kind: "tensor", dtype: "f32", shape: [] }, type, type],
      symbols: { N: 100_000 },
    });
    expect(r.kernel.uniforms).toEqual(["n"]);
  });
});
