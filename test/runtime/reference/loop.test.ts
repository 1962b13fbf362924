import { describe, it, expect } from "vitest";
import { FuncBuilder } from "../../../compiler/ir/builder.js";
import { verifyFunc } from "../../../compiler/ir/verify.js";
import type { TensorType } from "../../../compiler/ir/types.js";
import type { TensorValue } from "../../../compiler/ir/values.js";
import { runFunc } from "../../../runtime/reference/index.js";
import { tensor } from "./helpers.js";
import { f32 } from "../../support/tensors.js";
import { expectAllClose, ROUNDING } from "../../support/allclose.js";
const i32Scalar: TensorType = { kind: "tensor", dtype: "i32", shape: [] };

describe("s.loop", () => {
  it("runs 1001 iterations using the index and an outer value", () => {
    // h ← h·0.999 + bias·i, bias defined outside the loop
    const b = new FuncBuilder("deep");
    const h0 = b.leaf("s.input", f32("N", 4), { name: "x" });
    const bias = b.leaf("s.param", f32(4), { name: "bias" });
    const decay = b.emit("t.const", [], { value: 0.999 });
    const body = b.region([i32Scalar, f32("N", 4)], ([i, h]) => {
      const fi = b.emit("t.cast", [i], { dtype: "f32" });
      return [b.emit("t.add", [b.emit("t.mul", [h, decay]), b.emit("t.mul", [bias, fi])])];
    });
    const out = b.emit("s.loop", [h0], { trip: "layers" }, undefined, [body]);
    const f = b.finish([out], ["out"]);
    expect(verifyFunc(f)).toEqual([]);

    const x = tensor([2, 4], [1, -2, 3, 0.5, 0, 1, 2, 3]);
    const bv = tensor([4], [0.001, -0.002, 0, 0.0005]);
    const got = runFunc(f, { inputs: { x }, params: { bias: bv }, symbols: { layers: 1001 } })[0] as TensorValue;

    // Same f32 rounding after every op as the interpreter's f32 storage.
    const d = Math.fround(0.999);
    const expected = Array.from(x.data, (v, k) => {
      let h = v;
      for (let i = 0; i < 1001; i++) h = Math.fround(Math.fround(h * d) + Math.fround(bv.data[k % 4] * i));
      return h;
    });
    expect(Array.from(got.data)).toEqual(expected);
  });

  it("selects one slice of a stacked parameter per iteration", () => {
    const b = new FuncBuilder("stacked");
    const h0 = b.leaf("s.input", f32("N", 2), { name: "x" });
    const w = b.leaf("s.param", f32(3, 2, 2), { name: "stack.weight" });
    const body = b.region([i32Scalar, f32("N", 2)], ([i, h]) => [
      b.emit("t.matmul", [h, b.emit("t.select", [w, i])], { transB: true }),
    ]);
    const out = b.emit("s.loop", [h0], { trip: 3 }, undefined, [body]);
    const f = b.finish([out], ["out"]);
    // Three 2×2 matrices: swap, scale by 2, add column 0 to column 1 (as W·h for W [out,in]).
    const weights = tensor([3, 2, 2], [0, 1, 1, 0, 2, 0, 0, 2, 1, 0, 1, 1]);
    const got = runFunc(f, { inputs: { x: tensor([1, 2], [1, 5]) }, params: { "stack.weight": weights } })[0] as TensorValue;
    // [1,5] → swap [5,1] → ×2 [10,2] → [10, 12]
    expectAllClose(got.data, [10, 12], ROUNDING);
  });

  it("equilibrium mode stops at the fixed point within tol; other modes run every iteration", () => {
    // h ← h/2 + 1 converges to 2; the iteration count is read off the result.
    const build = (attrs: Record<string, number | string>) => {
      const b = new FuncBuilder("deq");
      const h0 = b.leaf("s.input", f32(1), { name: "x" });
      const half = b.emit("t.const", [], { value: 0.5 });
      const one = b.emit("t.const", [], { value: 1 });
      const body = b.region([i32Scalar, f32(1)], ([, h]) => [b.emit("t.add", [b.emit("t.mul", [h, half]), one])]);
      return b.finish([b.emit("s.loop", [h0], attrs, undefined, [body])], ["out"]);
    };
    const run = (attrs: Record<string, number | string>) => {
      const f = build(attrs);
      expect(verifyFunc(f)).toEqual([]);
      return (runFunc(f, { inputs: { x: tensor([1], [0]) }, params: {} })[0] as TensorValue).data[0];
    };
    // After k iterations from 0: h = 2 − 2^(1−k); the change at step k is 2^(1−k).
    expect(run({ trip: 30, mode: "equilibrium", max_iter: 30, tol: 1 / 16 })).toBe(2 - 1 / 16); // stops at k = 5
    expect(run({ trip: 3, mode: "equilibrium", max_iter: 3, tol: 1e-9 })).toBe(1.75); // the cap wins
    expect(run({ trip: 5, mode: "repeat" })).toBe(2 - 1 / 16);
    expect(run({ trip: 6 })).toBe(2 - 1 / 32);
  });

  it("zero iterations return the initial value", () => {
    const b = new FuncBuilder("empty");
    const h0 = b.leaf("s.input", f32(2), { name: "x" });
    const body = b.region([i32Scalar, f32(2)], ([, h]) => [b.emit("t.neg", [h])]);
    const f = b.finish([b.emit("s.loop", [h0], { trip: 0 }, undefined, [body])], ["out"]);
    const got = runFunc(f, { inputs: { x: tensor([2], [1, 2]) }, params: {} })[0] as TensorValue;
    expectAllClose(got.data, [1, 2], ROUNDING);
  });
});
