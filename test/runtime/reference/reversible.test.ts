import { describe, expect, it } from "vitest";
import { FuncBuilder } from "../../../compiler/ir/builder.js";
import type { TensorType } from "../../../compiler/ir/types.js";
import type { TensorValue } from "../../../compiler/ir/values.js";
import { verifyFunc } from "../../../compiler/ir/verify.js";
import { runFunc } from "../../../runtime/reference/index.js";
import { tensor } from "./helpers.js";
import { f32 } from "../../support/tensors.js";
const i32: TensorType = { kind: "tensor", dtype: "i32", shape: [] };

function random(n: number, seed: number): number[] {
  let s = seed;
  return Array.from({ length: n }, () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1);
}

/**
 * `s.reversible` with F_g(i, z) = tanh(z · W_g[i] + z) (a different stacked weight per group and
 * block), run forward and then with inverse = true: the inverse stack must give the input back.
 */
function roundTrip(rows: number, width: number, groups: number, trip: number, precision: "f32" | "f64" = "f32") {
  const b = new FuncBuilder("rev");
  const chunk = width / groups;
  const x = b.leaf("s.input", f32(rows, width), { name: "x" });
  const weights = Array.from({ length: groups }, (_, g) => b.leaf("s.input", f32(trip, chunk), { name: `w${g}` }));
  const regions = () =>
    weights.map((w) =>
      b.region([i32, f32(rows, chunk)], ([i, z]) => {
        const wi = b.emit("t.select", [w, i], { axis: 0 });
        return [b.emit("t.tanh", [b.emit("t.add", [b.emit("t.mul", [z, wi]), z])])];
      }),
    );
  const y = b.emit("s.reversible", [x], { trip, groups }, undefined, regions());
  const back = b.emit("s.reversible", [y], { trip, groups, inverse: true }, undefined, regions());
  const f = b.finish([y, back], ["y", "x_again"]);
  expect(verifyFunc(f)).toEqual([]);
  const inputs: Record<string, TensorValue> = { x: tensor([rows, width], random(rows * width, 1)) };
  weights.forEach((_, g) => (inputs[`w${g}`] = tensor([trip, chunk], random(trip * chunk, 10 + g))));
  const [out, again] = runFunc(f, { inputs, params: {} }, { precision }) as TensorValue[];
  return { x: inputs.x, out, again };
}

describe("s.reversible", () => {
  // f32 rounding grows through the inverse at depth (each F here has a Lipschitz constant above 1),
  // so the deep case is checked in f64 storage, where the inverse is exact up to f64 rounding.
  for (const [groups, trip, precision, tol] of [
    [2, 10, "f32", 1e-5],
    [4, 3, "f32", 1e-5],
    [2, 100, "f64", 1e-10],
  ] as const) {
    it(`its inverse reconstructs the input (${groups} groups, ${trip} blocks, ${precision}) to ${tol}`, () => {
      const { x, out, again } = roundTrip(7, 8, groups, trip, precision);
      expect(Math.max(...out.data.map((v, k) => Math.abs(v - x.data[k])))).toBeGreaterThan(0.1); // the stack does something
      const err = Math.max(...again.data.map((v, k) => Math.abs(v - x.data[k])));
      expect(err).toBeLessThan(tol);
    });
  }

  it("computes the coupling y_0 = x_0 + F_0(x_1), y_1 = x_1 + F_1(y_0) for one block", () => {
    const { x, out } = roundTrip(1, 2, 2, 1);
    // With one row and chunk 1, F_g(z) = tanh(z·w + z) by hand.
    const w0 = tensor([1, 1], random(1, 10)).data[0];
    const w1 = tensor([1, 1], random(1, 11)).data[0];
    const [x0, x1] = x.data;
    const y0 = Math.fround(x0 + Math.fround(Math.tanh(Math.fround(Math.fround(x1 * w0) + x1))));
    const y1 = Math.fround(x1 + Math.fround(Math.tanh(Math.fround(Math.fround(y0 * w1) + y0))));
    expect(out.data[0]).toBeCloseTo(y0, 6);
    expect(out.data[1]).toBeCloseTo(y1, 6);
  });
});

describe("multi-value loops", () => {
  it("carry several values, count down with reverse, and update an accumulator in place without touching its initial value", () => {
    // (h, acc) ← (2h, acc with acc[i] += h): from h = 1 over i = 2, 1, 0 gives acc = [4, 2, 1].
    const b = new FuncBuilder("multi");
    const h0 = b.leaf("s.input", f32(1), { name: "h" });
    const acc0 = b.leaf("s.input", f32(3, 1), { name: "acc" });
    const two = b.emit("t.const", [], { value: 2 });
    const body = b.region([i32, f32(1), f32(3, 1)], ([i, h, acc]) => [b.emit("t.mul", [h, two]), b.emit("t.slice_add", [acc, h, i], { axis: 0 })]);
    const loop = b.emit("s.loop", [h0, acc0], { trip: 3, reverse: true }, undefined, [body]);
    const f = b.finish([b.emit("s.get", [loop], { index: 0 }), b.emit("s.get", [loop], { index: 1 })], ["h", "acc"]);
    expect(verifyFunc(f)).toEqual([]);
    const acc = tensor([3, 1], [0, 0, 0]);
    const [h, total] = runFunc(f, { inputs: { h: tensor([1], [1]), acc }, params: {} }) as TensorValue[];
    expect([...h.data]).toEqual([8]);
    expect([...total.data]).toEqual([4, 2, 1]);
    expect([...acc.data]).toEqual([0, 0, 0]);
  });
});
