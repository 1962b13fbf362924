import { describe, it, expect } from "vitest";
import { FuncBuilder } from "../../compiler/ir/builder.js";
import { getOpSpec } from "../../compiler/ir/ops/index.js";
import { parseFunc } from "../../compiler/ir/parse.js";
import { printFunc } from "../../compiler/ir/print.js";
import type { Type } from "../../compiler/ir/types.js";
import type { TensorValue } from "../../compiler/ir/values.js";
import { verifyFunc } from "../../compiler/ir/verify.js";
import { f64, interpret, numericGrad, runVjp, scalar, tensor } from "./loss-helpers.js";
import { random, randomTensor, UNIFORM } from "../support/tensors.js";
import { expectAllClose } from "../support/allclose.js";

/** Each loss's VJP, emitted into IR and run by the interpreter, against central differences in f64. */

/** The VJP's gradient of input `which` (cotangent c) equals c · the numeric gradient. */
function checkGradient(op: string, inputs: TensorValue[], which: number, cot = 1.7): void {
  const grads = runVjp(op, inputs, cot);
  const numeric = numericGrad(op, inputs, which).map((g) => cot * g);
  expectAllClose(grads[which]!.data, numeric, { atol: 2e-6, rtol: 0 });
}

const labels = tensor([5], [2, 0, -1, 3, 1], "i32");
const logits = randomTensor([5, 4], random(11), { lo: -3, hi: 3, zeros: 0 });

describe("loss gradients match central differences", () => {
  it("nn.cross_entropy: no mask, bool mask, float weights", () => {
    checkGradient("nn.cross_entropy", [logits, labels], 0);
    checkGradient("nn.cross_entropy", [logits, labels, tensor([5], [1, 0, 1, 1, 0], "bool")], 0);
    checkGradient("nn.cross_entropy", [logits, labels, tensor([5], [0.5, 2, 1, 0.25, 1])], 0);
  });

  it("nn.nll", () => {
    checkGradient("nn.nll", [logits, labels], 0);
    checkGradient("nn.nll", [logits, labels, tensor([5], [0, 1, 1, 1, 0], "bool")], 0);
  });

  it("nn.bce_with_logits: per-row and per-element masks", () => {
    const x = randomTensor([4, 3], random(5), { lo: -4, hi: 4, zeros: 0 });
    const y = tensor([4, 3], [1, 0, 0, 1, 1, 0, 0.5, 0, 1, 1, 1, 0]);
    checkGradient("nn.bce_with_logits", [x, y], 0);
    checkGradient("nn.bce_with_logits", [x, y, tensor([4], [1, 0, 1, 1], "bool")], 0);
    checkGradient("nn.bce_with_logits", [x, y, randomTensor([4, 3], random(9), UNIFORM)], 0);
  });

  it("nn.mse with respect to both operands", () => {
    const a = randomTensor([3, 2], random(1), UNIFORM);
    const b = randomTensor([3, 2], random(2), UNIFORM);
    const mask = tensor([3], [1, 1, 0], "bool");
    checkGradient("nn.mse", [a, b, mask], 0);
    checkGradient("nn.mse", [a, b, mask], 1);
  });
});

describe("loss VJPs", () => {
  it("give no gradient to labels, targets or masks", () => {
    const mask = tensor([5], [1, 1, 1, 1, 1], "bool");
    expect(runVjp("nn.cross_entropy", [logits, labels, mask], 1).slice(1)).toEqual([undefined, undefined]);
    const x = randomTensor([2, 2], random(3), UNIFORM);
    expect(runVjp("nn.bce_with_logits", [x, x], 1)[1]).toBeUndefined();
    expect(runVjp("nn.mse", [x, x, tensor([2], [1, 0], "bool")], 1)[2]).toBeUndefined();
  });

  it("give a zero gradient (not NaN) when nothing is selected", () => {
    const [g] = runVjp("nn.cross_entropy", [logits, labels, tensor([5], [0, 0, 0, 0, 0], "bool")], 1);
    expect(Array.from(g!.data).every((v) => v === 0)).toBe(true);
  });

  it("give softmax − onehot per row for a one-row cross entropy", () => {
    const row = [0.5, -1, 2];
    const [g] = runVjp("nn.cross_entropy", [tensor([1, 3], row), tensor([1], [1], "i32")], 1);
    const z = row.reduce((s, v) => s + Math.exp(v), 0);
    expectAllClose(g!.data, row.map((v, k) => Math.exp(v) / z - (k === 1 ? 1 : 0)), { atol: 1e-6, rtol: 0 });
  });

  it("compute in f64 end to end in the interpreter's f64 mode", () => {
    // f32 rounding would leave errors near 1e-7; in f64 the VJP meets central differences to 1e-8.
    const inputs = [logits, labels, tensor([5], [0.5, 2, 1, 0.25, 1])];
    const [g] = runVjp("nn.cross_entropy", inputs, 1, "f64");
    expect(g!.data).toBeInstanceOf(Float64Array);
    expectAllClose(g!.data, numericGrad("nn.cross_entropy", inputs, 0, 1e-5), { atol: 1e-8, rtol: 0 });
  });

  it("gradient ops compute in the inputs' storage (f64 in, f64 out)", () => {
    const g = interpret("nn.cross_entropy_grad", [f64(scalar(1)), f64(logits), labels]);
    expect(g.data).toBeInstanceOf(Float64Array);
  });
});

describe("a loss and its backward as IR", () => {
  it("verify with symbolic shapes and survive a print/parse round trip", () => {
    const t = (dtype: "f32" | "i32" | "bool", ...shape: (number | string)[]): Type => ({ kind: "tensor", dtype, shape });
    for (const [op, types] of [
      ["nn.cross_entropy", [t("f32", "N", "C"), t("i32", "N"), t("bool", "N")]],
      ["nn.mse", [t("f32", "N", 4), t("f32", "N", 4), t("f32", "N")]],
    ] as const) {
      const b = new FuncBuilder("train");
      const ids = types.map((ty, i) => b.leaf("s.input", ty, { name: `in${i}` }));
      const cot = b.leaf("s.input", t("f32"), { name: "cot" });
      const loss = b.emit(op, ids);
      const node = { id: loss, op, type: b.typeOf(loss), inputs: ids, attrs: {} };
      const grads = getOpSpec(op)!.vjp!(b, { node, output: loss, cotangent: cot }).filter((g) => g !== undefined);
      const f = b.finish([loss, ...grads], ["loss", ...grads.map((_, i) => `g${i}`)]);
      expect(verifyFunc(f)).toEqual([]);
      const text = printFunc(f);
      expect(printFunc(parseFunc(text))).toBe(text);
    }
  });
});
