import { describe, expect, it } from "vitest";
import { resolveKernelSizes, type KernelSpec } from "../../compiler/codegen/index.js";
import { MAX_NORM_OPERANDS, globalNormLaunches } from "../../compiler/codegen/optimizer-clip.js";
import { FuncBuilder } from "../../compiler/ir/builder.js";
import type { TensorValue } from "../../compiler/ir/values.js";
import { runFunc } from "../../runtime/reference/index.js";
import type { GpuDevice } from "../../runtime/gpu/index.js";
import { checkOp, tensor, useGpu } from "./helpers.js";
import { random, randomTensor } from "../support/tensors.js";
import { typeOf } from "../support/one-op.js";
import { expectAllClose } from "../support/allclose.js";

// opt.global_norm and opt.clip_factor against the interpreter. Norms of more than 7 operands run
// as several launches accumulating into one output buffer, executed here the way the executor
// must: one output, bound to every launch, launched in order.
const gpu = useGpu();

/** The interpreter's global norm of `grads`. */
function expectedNorm(grads: TensorValue[]): TensorValue {
  const b = new FuncBuilder("norm");
  const ids = grads.map((g, i) => b.leaf("s.input", typeOf(g), { name: `g${i}` }));
  const func = b.finish([b.emit("opt.global_norm", ids)], ["out"]);
  const inputs = Object.fromEntries(grads.map((g, i) => [`g${i}`, g]));
  return runFunc(func, { inputs, params: {} })[0] as TensorValue;
}

/**
 * The data followed by NaN up to a whole vec4: a reused buffer's padding holds anything, and the
 * kernel must leave it out of the sum.
 */
function withNanPadding(data: ArrayLike<number>): Float32Array {
  const padded = new Float32Array(Math.ceil(data.length / 4) * 4).fill(NaN);
  padded.set(Array.from(data));
  return padded;
}

/** Run every launch of the norm of `grads` on one output buffer, in order; read the result. */
async function launchNorm(device: GpuDevice, grads: TensorValue[]): Promise<{ launches: KernelSpec[]; norm: number }> {
  const b = new FuncBuilder("norm");
  const ids = grads.map((g, i) => b.leaf("s.input", typeOf(g), { name: `g${i}` }));
  const func = b.finish([b.emit("opt.global_norm", ids)], ["out"]);
  const node = func.body[func.body.length - 1];
  const launches = globalNormLaunches(node, grads.map(typeOf));
  const owned = [device.createBuffer(4, "norm")];
  const [out] = owned;
  try {
    for (const kernel of launches) {
      const buffers = kernel.bindings.flatMap((binding) => {
        const src = binding.source;
        if (src.kind === "output") return [out];
        if (src.kind !== "input") return [];
        const buffer = device.upload(withNanPadding(grads[src.input].data), binding.name);
        owned.push(buffer);
        return [buffer];
      });
      await device.run(kernel, buffers, resolveKernelSizes(kernel, {}));
    }
    return { launches, norm: new Float32Array(await device.read(out, 4))[0] };
  } finally {
    for (const buffer of owned) buffer.destroy();
  }
}

/** `count` gradients of varied sizes (partial vec4s, scalars, one long one). */
function gradients(count: number, seed: number, long = 0): TensorValue[] {
  const rand = random(seed);
  return Array.from({ length: count }, (_, i) => {
    const shape = i === 0 && long ? [long] : i % 5 === 4 ? [] : [1 + Math.floor(rand() * 40), 1 + (i % 7)];
    return randomTensor(shape, random(seed * 100 + i));
  });
}

describe("opt.global_norm", () => {
  it("of 1 to 7 operands in one launch", async (ctx) => {
    for (const count of [1, 3, 7]) {
      await checkOp(gpu(ctx), { op: "opt.global_norm", inputs: gradients(count, count) });
    }
  });

  it("of a scalar, of an empty tensor, and of zeros", async (ctx) => {
    await checkOp(gpu(ctx), { op: "opt.global_norm", inputs: [tensor("f32", [], [-3])] });
    await checkOp(gpu(ctx), { op: "opt.global_norm", inputs: [tensor("f32", [0, 5], []), tensor("f32", [3], [0, 0, 0])] });
  });

  it("of 300,000 elements (many per invocation, beyond one workgroup's width)", async (ctx) => {
    const r = await checkOp(gpu(ctx), { op: "opt.global_norm", inputs: gradients(3, 9, 300_000) });
    expect(r.actual.data[0]).toBeGreaterThan(500);
  });

  it("propagates NaN and Inf", async (ctx) => {
    const [a, b] = gradients(2, 11);
    a.data[3] = NaN;
    const nan = await checkOp(gpu(ctx), { op: "opt.global_norm", inputs: [a, b] });
    expect(Number.isNaN(nan.actual.data[0])).toBe(true);
    a.data[3] = -Infinity;
    const inf = await checkOp(gpu(ctx), { op: "opt.global_norm", inputs: [a, b] });
    expect(inf.actual.data[0]).toBe(Infinity);
  });

  it("of 8, 20 and 45 operands as chained launches over one output buffer", async (ctx) => {
    for (const count of [8, 20, 45]) {
      const grads = gradients(count, count, count === 45 ? 10_001 : 0);
      const { launches, norm } = await launchNorm(gpu(ctx), grads);
      expect(launches).toHaveLength(Math.ceil(count / MAX_NORM_OPERANDS));
      expectAllClose(tensor("f32", [], [norm]), expectedNorm(grads));
    }
  });
});

describe("opt.clip_factor", () => {
  it("is min(1, max_norm/(norm + 1e-6)) on both sides of the threshold, at 0, Inf and NaN", async (ctx) => {
    for (const norm of [0, 0.5, 1, 1.5, 2.0000001, 1e6, Infinity, NaN]) {
      await checkOp(gpu(ctx), { op: "opt.clip_factor", inputs: [tensor("f32", [], [norm])], attrs: { max_norm: 2 } });
    }
  });
});
