import { describe, expect, it } from "vitest";
import type { Attrs } from "../../compiler/ir/types.js";
import type { TensorValue } from "../../compiler/ir/values.js";
import { checkOp, runBoth, tensor, useGpu } from "./helpers.js";
import { random, randomTensor } from "../support/tensors.js";
import { expectAllClose } from "../support/allclose.js";

// The optimizer updates against the interpreter: every form and attribute branch, element counts
// that are not whole vec4s, a scalar parameter, many workgroups, symbolic shapes, and Adam's bias
// correction at the first step, later steps and beta1 = 0.
const gpu = useGpu();

/** Parameter shapes: a scalar, partial vec4s, whole vec4s, and enough for many workgroups. */
const SHAPES: number[][] = [[], [3], [5, 1], [4, 4], [37, 11], [300, 70]];

const scalar = (v: number): TensorValue => tensor("f32", [], [v]);

/** `count` random tensors of `shape`; the second-moment-like ones (`positive`) stay ≥ 0. */
function operands(shape: number[], seed: number, count: number, positive: number[] = []): TensorValue[] {
  return Array.from({ length: count }, (_, i) =>
    positive.includes(i) ? randomTensor(shape, random(seed * 10 + i), { lo: 0, hi: 0.5 }) : randomTensor(shape, random(seed * 10 + i)),
  );
}

async function everyShape(ctx: Parameters<typeof gpu>[0], op: string, tensors: number, scalars: TensorValue[], attrs: Attrs = {}, positive: number[] = []) {
  for (const [k, shape] of SHAPES.entries()) {
    await checkOp(gpu(ctx), { op, inputs: [...operands(shape, k + 1, tensors, positive), ...scalars], attrs });
  }
}

describe("SGD", () => {
  it("opt.sgd_step without momentum", async (ctx) => {
    await everyShape(ctx, "opt.sgd_step", 2, [scalar(0.05)]);
  });

  it("opt.sgd_step along the buffer and with Nesterov momentum", async (ctx) => {
    await everyShape(ctx, "opt.sgd_step", 3, [scalar(0.1)], { momentum: 0.9 });
    await everyShape(ctx, "opt.sgd_step", 3, [scalar(0.1)], { momentum: 0.9, nesterov: true });
  });

  it("opt.sgd_buf copies the gradient on the first step, whatever the buffer holds", async (ctx) => {
    const [buf, grad] = operands([37, 11], 7, 2);
    buf.data.fill(NaN);
    for (const t of [0, 1]) {
      const r = await checkOp(gpu(ctx), { op: "opt.sgd_buf", inputs: [buf, grad, scalar(t)], attrs: { momentum: 0.9 } });
      expect(Array.from(r.actual.data)).toEqual(Array.from(grad.data));
    }
  });

  it("opt.sgd_buf blends with momentum and dampening after it", async (ctx) => {
    await everyShape(ctx, "opt.sgd_buf", 2, [scalar(2)], { momentum: 0.9 });
    await everyShape(ctx, "opt.sgd_buf", 2, [scalar(17)], { momentum: 0.5, dampening: 0.25 });
  });
});

describe("Adam", () => {
  it("opt.adam_m and opt.adam_v", async (ctx) => {
    await everyShape(ctx, "opt.adam_m", 2, [], { beta1: 0.9 });
    await everyShape(ctx, "opt.adam_v", 2, [], { beta2: 0.999 }, [0]);
    await everyShape(ctx, "opt.adam_v", 2, [], { beta2: 0 }, [0]);
  });

  it("opt.adam_step at the first step, later steps and long after", async (ctx) => {
    for (const t of [1, 2, 10, 1000, 100_000]) {
      await everyShape(ctx, "opt.adam_step", 3, [scalar(0.003), scalar(t)], { beta1: 0.9, beta2: 0.999, eps: 1e-8 }, [2]);
    }
  });

  it("opt.adam_step with beta1 = 0, a large eps, and v = 0", async (ctx) => {
    await everyShape(ctx, "opt.adam_step", 3, [scalar(0.01), scalar(3)], { beta1: 0, beta2: 0.99, eps: 0.1 }, [2]);
    const [param, m, v] = operands([37, 11], 3, 3);
    v.data.fill(0);
    await checkOp(gpu(ctx), { op: "opt.adam_step", inputs: [param, m, v, scalar(0.001), scalar(1)], attrs: {} });
  });

  it("computes the bias correction to f32 precision (not from f32(0.999), which is off by 1.3e-5 relative)", async (ctx) => {
    // param 0, m = v = 1, eps 0: the result is −lr·√(1 − β2ᵗ)/(1 − β1ᵗ), nothing but the corrections.
    const ones = tensor("f32", [4], [1, 1, 1, 1]);
    for (const t of [1, 2, 7]) {
      const r = await runBoth(gpu(ctx), {
        op: "opt.adam_step",
        inputs: [tensor("f32", [4], [0, 0, 0, 0]), ones, ones, scalar(1), scalar(t)],
        attrs: { eps: 0 },
      });
      expectAllClose(r.actual, r.expected, { atol: 0, rtol: 1e-6 });
    }
  });

  it("matches PyTorch's first Adam step: each parameter moves by lr against its gradient's sign", async (ctx) => {
    const [param, g] = operands([5, 7], 4, 2);
    const m = tensor("f32", [5, 7], Array.from(g.data, (x) => 0.1 * x));
    const v = tensor("f32", [5, 7], Array.from(g.data, (x) => 0.001 * x * x));
    const r = await checkOp(gpu(ctx), { op: "opt.adam_step", inputs: [param, m, v, scalar(0.01), scalar(1)], attrs: { eps: 0 } });
    // (A zero gradient gives 0/0 with eps = 0: NaN on both devices.)
    r.actual.data.forEach((p, k) => {
      if (g.data[k] !== 0) expect(param.data[k] - p).toBeCloseTo(0.01 * Math.sign(g.data[k]), 5);
    });
  });
});

describe("weight decay", () => {
  it("opt.l2 and opt.decay", async (ctx) => {
    await everyShape(ctx, "opt.l2", 2, [], { weight_decay: 5e-4 });
    await everyShape(ctx, "opt.decay", 1, [scalar(0.01)], { weight_decay: 0.05 });
  });
});

describe("symbolic shapes", () => {
  it("take the element count from the sizes uniform", async (ctx) => {
    const shape = [53, 6];
    const [param, m, v] = operands(shape, 9, 3, [2]);
    const t = { kind: "tensor" as const, dtype: "f32" as const, shape: ["N", 6] };
    const s = { kind: "tensor" as const, dtype: "f32" as const, shape: [] };
    const r = await checkOp(gpu(ctx), {
      op: "opt.adam_step",
      inputs: [param, m, v, scalar(0.003), scalar(4)],
      types: [t, t, t, s, s],
      symbols: { N: 53 },
    });
    expect(r.kernel.uniforms).toEqual(["total"]);
  });
});
