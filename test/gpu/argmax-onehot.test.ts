import { describe, expect, it } from "vitest";
import type { TensorValue } from "../../compiler/ir/values.js";
import { randomInts, runBoth, tensor, useGpu } from "./helpers.js";
import { random, randomTensor } from "../support/tensors.js";

// t.argmax_onehot against the interpreter, compared exactly: every kind of axis set, ties (the
// first maximum in row-major order wins), NaN where the interpreter's scan keeps or skips it,
// integers, long lines and columns (teams of 256), empty lines and symbolic sizes.
const gpu = useGpu();

const AXES: number[][] = [[0], [1], [-1], [0, 2], [0, 1, 2]];

/** Small integers as floats, so most lines hold ties. */
function tied(shape: number[], seed: number): TensorValue {
  const rand = random(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return tensor("f32", shape, Array.from({ length: n }, () => Math.floor(rand() * 3)));
}

async function expectSame(ctx: Parameters<typeof gpu>[0], x: TensorValue, axes: number[]) {
  const r = await runBoth(gpu(ctx), { op: "t.argmax_onehot", inputs: [x], attrs: { axes } });
  expect(Array.from(r.actual.data), `axes ${axes}`).toEqual(Array.from(r.expected.data));
  return r;
}

describe("t.argmax_onehot", () => {
  it("over every axis set of a [6,7,9] tensor, distinct values and ties", async (ctx) => {
    for (const axes of AXES) {
      await expectSame(ctx, randomTensor([6, 7, 9], random(1)), axes);
      await expectSame(ctx, tied([6, 7, 9], 2), axes);
    }
  });

  it("over i32 and u32 with ties", async (ctx) => {
    for (const axes of [[0], [1]]) {
      await expectSame(ctx, randomInts("i32", [33, 5], random(3), -3, 3), axes);
      await expectSame(ctx, randomInts("u32", [33, 5], random(4), 4294967290, 4294967295), axes);
    }
  });

  it("keeps a leading NaN, skips later ones, and picks the first of an all-NaN or all −Inf line", async (ctx) => {
    const x = randomTensor([5, 300], random(5));
    x.data[0] = NaN; // line 0: stuck on its first element
    x.data[300 + 17] = NaN; // line 1: skipped
    x.data.fill(NaN, 600, 900); // line 2: all NaN
    x.data.fill(-Infinity, 900, 1200); // line 3: all −Inf
    const r = await expectSame(ctx, x, [1]);
    expect([0, 600, 900].map((k) => r.actual.data[k])).toEqual([1, 1, 1]);
  });

  it("down a column of 200,000 rows and along a row of 100,000", async (ctx) => {
    await expectSame(ctx, tied([200_000, 2], 6), [0]);
    await expectSame(ctx, randomTensor([2, 100_000], random(7)), [1]);
  });

  it("writes nothing for empty lines and takes symbolic sizes from the uniform", async (ctx) => {
    await expectSame(ctx, tensor("f32", [4, 0], []), [1]);
    const x = tied([41, 6], 8);
    const r = await runBoth(gpu(ctx), {
      op: "t.argmax_onehot",
      inputs: [x],
      attrs: { axes: [0] },
      types: [{ kind: "tensor", dtype: "f32", shape: ["N", 6] }],
      symbols: { N: 41 },
    });
    expect(Array.from(r.actual.data)).toEqual(Array.from(r.expected.data));
    expect(r.kernel.uniforms.length).toBeGreaterThan(0);
  });
});
