import { describe, expect, it } from "vitest";
import { checkOp, useGpu } from "./helpers.js";
import { random, randomTensor } from "../support/tensors.js";

// t.softmax / t.log_softmax, nn.layer_norm (node and graph modes) and nn.batch_norm (training and
// eval) against the interpreter: short lines (a team of one), long ones (teams of 256), strided
// axes, optional affine operands, symbolic sizes.
const gpu = useGpu();

describe("t.softmax, t.log_softmax", () => {
  for (const op of ["t.softmax", "t.log_softmax"]) {
    it(`${op} along every axis of a [5,6,7] tensor`, async (ctx) => {
      const x = randomTensor([5, 6, 7], random(1), { lo: -4, hi: 4 });
      for (const axis of [0, 1, -1]) await checkOp(gpu(ctx), { op, inputs: [x], attrs: { axis } });
    });

    it(`${op} over rows of 3 classes and of 5,000, and down a column of 20,000`, async (ctx) => {
      await checkOp(gpu(ctx), { op, inputs: [randomTensor([1001, 3], random(2), { lo: -6, hi: 6 })], attrs: { axis: -1 } });
      await checkOp(gpu(ctx), { op, inputs: [randomTensor([4, 5000], random(3), { lo: -6, hi: 6 })], attrs: { axis: 1 } });
      await checkOp(gpu(ctx), { op, inputs: [randomTensor([20_000, 2], random(4), { lo: -6, hi: 6 })], attrs: { axis: 0 } });
    });
  }

  it("sizes rows by the uniform when N is symbolic", async (ctx) => {
    const x = randomTensor([333, 7], random(5));
    const r = await checkOp(gpu(ctx), {
      op: "t.log_softmax",
      inputs: [x],
      attrs: { axis: -1 },
      types: [{ kind: "tensor", dtype: "f32", shape: ["N", 7] }],
      symbols: { N: 333 },
    });
    expect(r.kernel.uniforms).toEqual(["d0", "lines"]);
  });
});

describe("nn.layer_norm", () => {
  for (const mode of ["node", "graph"]) {
    it(`${mode} mode over rows of 1, 5 and 300 with weight and bias, and of 16 with neither or a weight`, async (ctx) => {
      for (const c of [1, 5, 300, 16]) {
        const x = randomTensor([97, c], random(c), { lo: -3, hi: 5 });
        const w = randomTensor([c], random(c + 1));
        const b = randomTensor([c], random(c + 2));
        for (const inputs of c === 16 ? [[x], [x, w]] : [[x, w, b]]) {
          await checkOp(gpu(ctx), { op: "nn.layer_norm", inputs, attrs: { mode, eps: 1e-5 } });
        }
      }
    });
  }

  it("graph mode over 1M elements, and node mode with symbolic rows and a non-default eps", async (ctx) => {
    const big = randomTensor([62_500, 16], random(7), { lo: -1, hi: 3 });
    await checkOp(gpu(ctx), { op: "nn.layer_norm", inputs: [big], attrs: { mode: "graph" } });
    const x = randomTensor([50, 3, 8], random(8));
    await checkOp(gpu(ctx), {
      op: "nn.layer_norm",
      inputs: [x],
      attrs: { eps: 0.5 },
      types: [{ kind: "tensor", dtype: "f32", shape: ["N", 3, 8] }],
      symbols: { N: 50 },
    });
  });
});

describe("nn.batch_norm", () => {
  for (const training of [true, false]) {
    it(`${training ? "training (batch statistics)" : "eval (running statistics)"} on [N,C] for C = 1, 6 and 40`, async (ctx) => {
      for (const c of [1, 6, 40]) {
        const x = randomTensor([3001, c], random(c), { lo: -2, hi: 6 });
        const stats = [randomTensor([c], random(1)), randomTensor([c], random(2)), randomTensor([c], random(3)), randomTensor([c], random(4), { lo: 0.1, hi: 2 })];
        const r = await checkOp(gpu(ctx), { op: "nn.batch_norm", inputs: [x, ...stats], attrs: { training, eps: 1e-5 } });
        expect(r.kernel.name.endsWith("_vec4")).toBe(c % 4 === 0); // four channels per team
      }
    });
  }
});
