import { intAttr } from "../attrs.js";
import { uniformFill } from "../rng.js";
import type { InferError, OpSpec } from "../spec.js";
import { formatType } from "../type-utils.js";
import type { Attrs, TensorType, Type } from "../types.js";
import type { FloatPrecision, TensorValue, Value } from "../values.js";
import { alloc, asTensor, elementsOf, fail, floatTensorAt, streamingCost, tensorAt } from "./common.js";
import { sameShape } from "./float-like.js";
import { sparseMatmulOps } from "./sparse-matmul.js";
import { magnitudeKey, selectBest, selectionCount, sliceLayout } from "./sparse-select.js";

/**
 * Sparse weights (sp.*): a weight matrix W is paired with a mask M of the same shape (1 where a
 * weight may be non-zero, 0 elsewhere; passes/sparsify keeps W zero outside M). These ops apply
 * masks and change them: drop the smallest-magnitude active weights, regrow inactive positions by
 * a score (a gradient's magnitude, or uniform random draws), and project onto the k largest
 * magnitudes. Selections follow sparse-select.ts exactly, per slice of a stacked weight. The
 * compressed form of a mask and the matmuls that skip its zeros are in sparse-matmul.ts.
 */

function sameTypeAs(first: TensorType, inputs: readonly Type[], i: number, role: string, firstRole: string): InferError | undefined {
  const t = floatTensorAt(inputs, i, role);
  if ("error" in t) return t;
  if (t.dtype !== first.dtype || !sameShape(t.shape, first.shape)) {
    return fail(`${role} must be ${formatType(first)} like ${firstRole}, got ${formatType(t)}`, [0, i]);
  }
  return undefined;
}

function scalarAt(inputs: readonly Type[], i: number, role: string): InferError | undefined {
  const t = tensorAt(inputs, i, role);
  if ("error" in t) return t;
  return t.dtype === "f32" && t.shape.length === 0 ? undefined : fail(`${role} must be an f32 scalar, got ${formatType(t)}`, [i]);
}

function nonNegative(attrs: Attrs, key: string): InferError | undefined {
  return intAttr(attrs, key) >= 0 ? undefined : fail(`${key} must be ≥ 0, got ${attrs[key]}`);
}

/** The mask of the selected positions, slice by slice: `count(slice)` of the eligible ones, ranked by `keys`. */
function selectMask(like: TensorValue, keys: ArrayLike<number>, eligible: (k: number) => boolean, count: (offset: number, size: number) => number, precision?: FloatPrecision): TensorValue {
  const out = alloc(like.dtype, like.shape, precision);
  const { slices, size } = sliceLayout(like.shape);
  for (let s = 0; s < slices; s++) for (const k of selectBest(keys, eligible, s * size, size, count(s * size, size))) out.data[k] = 1;
  return out;
}

function keysOf(x: ArrayLike<number>): Uint32Array {
  const keys = new Uint32Array(x.length);
  for (let k = 0; k < x.length; k++) keys[k] = magnitudeKey(x[k]);
  return keys;
}

/** The scalar of an optional fraction operand (0 when absent). */
function fracOf(inputs: readonly Value[], i: number): number {
  return inputs.length > i ? asTensor(inputs[i], "frac").data[0] : 0;
}

const mask: OpSpec = {
  name: "sp.mask",
  summary: "x ⊙ m: a weight with its masked-out positions zeroed",
  arity: 2,
  attrs: {},
  pure: true,
  infer(inputs) {
    const x = floatTensorAt(inputs, 0, "x");
    if ("error" in x) return x;
    return sameTypeAs(x, inputs, 1, "mask", "x") ?? x;
  },
  interpret(inputs, _attrs, ctx) {
    const x = asTensor(inputs[0], "x");
    const m = asTensor(inputs[1], "mask");
    const out = alloc(x.dtype, x.shape, ctx.precision);
    for (let k = 0; k < out.data.length; k++) out.data[k] = x.data[k] * m.data[k];
    return out;
  },
  // d(x ⊙ m)/dx = m: the cotangent masked the same way (and c ⊙ x for the mask, which is data).
  vjp(b, { node, cotangent }) {
    return [b.emit("sp.mask", [cotangent, node.inputs[1]]), b.emit("t.mul", [cotangent, node.inputs[0]])];
  },
  cost(inputs, output, _attrs, symbols) {
    return streamingCost(inputs, output, symbols, elementsOf(output, symbols));
  },
};

const drop: OpSpec = {
  name: "sp.drop",
  summary: "the mask m without its smallest-|x| active positions: keep + floor(f32(scale·frac)) of each slice's stay",
  arity: [2, 3],
  attrs: {
    keep: { kind: "int", doc: "active positions each slice keeps (before the fraction term)" },
    scale: { kind: "int", default: 0, doc: "multiplies the fraction operand: keep + floor(f32(scale·frac)) stay" },
  },
  pure: true,
  nondifferentiable: true,
  infer(inputs, attrs) {
    const x = floatTensorAt(inputs, 0, "x");
    if ("error" in x) return x;
    return sameTypeAs(x, inputs, 1, "mask", "x") ?? (inputs.length > 2 ? scalarAt(inputs, 2, "frac") : undefined) ?? nonNegative(attrs, "keep") ?? x;
  },
  interpret(inputs, attrs, ctx) {
    const x = asTensor(inputs[0], "x");
    const m = asTensor(inputs[1], "mask");
    const count = selectionCount(intAttr(attrs, "keep"), intAttr(attrs, "scale"), fracOf(inputs, 2));
    return selectMask(x, keysOf(x.data), (k) => m.data[k] !== 0, () => count, ctx.precision);
  },
  cost(inputs, output, _attrs, symbols) {
    return streamingCost(inputs, output, symbols, elementsOf(output, symbols));
  },
};

const grow: OpSpec = {
  name: "sp.grow",
  summary: "the mask m plus its inactive positions of largest |score| (or uniform random draws from an rng key) until each slice has `total`",
  arity: 2,
  attrs: { total: { kind: "int", doc: "active positions each slice ends with (when it had fewer)" } },
  pure: true,
  nondifferentiable: true,
  infer(inputs, attrs) {
    const m = floatTensorAt(inputs, 0, "mask");
    if ("error" in m) return m;
    const bad = inputs[1]?.kind === "rng" ? undefined : sameTypeAs(m, inputs, 1, "score", "mask");
    return bad ?? nonNegative(attrs, "total") ?? m;
  },
  interpret(inputs, attrs, ctx) {
    const m = asTensor(inputs[0], "mask");
    const score = inputs[1];
    let keys: Uint32Array;
    if (score?.kind === "rng") {
      const u = new Float64Array(m.data.length);
      uniformFill(score.key, u); // draw k for flat position k, as the kernel draws it
      keys = keysOf(u);
    } else keys = keysOf(asTensor(score, "score").data);
    const total = intAttr(attrs, "total");
    const active = (offset: number, size: number) => {
      let n = 0;
      for (let k = offset; k < offset + size; k++) if (m.data[k] !== 0) n++;
      return n;
    };
    const grown = selectMask(m, keys, (k) => m.data[k] === 0, (offset, size) => total - active(offset, size), ctx.precision);
    for (let k = 0; k < grown.data.length; k++) if (m.data[k] !== 0) grown.data[k] = 1;
    return grown;
  },
  cost(inputs, output, _attrs, symbols) {
    return streamingCost(inputs, output, symbols, elementsOf(output, symbols));
  },
};

const topk: OpSpec = {
  name: "sp.topk",
  summary: "x with all but the `keep` largest-|x| entries of each slice zeroed (projection onto the sparse set)",
  arity: 1,
  attrs: { keep: { kind: "int", doc: "entries each slice keeps" } },
  pure: true,
  nondifferentiable: true,
  infer(inputs, attrs) {
    const x = floatTensorAt(inputs, 0, "x");
    if ("error" in x) return x;
    return nonNegative(attrs, "keep") ?? x;
  },
  interpret(inputs, attrs, ctx) {
    const x = asTensor(inputs[0], "x");
    const keep = intAttr(attrs, "keep");
    const out = selectMask(x, keysOf(x.data), () => true, () => keep, ctx.precision);
    for (let k = 0; k < out.data.length; k++) out.data[k] = out.data[k] === 0 ? 0 : x.data[k];
    return out;
  },
  cost(inputs, output, _attrs, symbols) {
    return streamingCost(inputs, output, symbols, elementsOf(output, symbols));
  },
};

export const sparseOps: readonly OpSpec[] = [mask, drop, grow, topk, ...sparseMatmulOps];
