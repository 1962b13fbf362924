import { floatAttr } from "../attrs.js";
import type { OpSpec } from "../spec.js";
import { formatType } from "../type-utils.js";
import { asTensor, elementsOf, fail, floatTensorAt, streamingCost } from "./common.js";
import { floatLike } from "./float-like.js";

/**
 * Gradient clipping by global norm, as torch.nn.utils.clip_grad_norm_: the 2-norm over every
 * gradient together, then the factor min(1, max_norm/(norm + 1e-6)) that each gradient is
 * multiplied by (with an ordinary t.mul, so the scaling fuses into whatever reads the gradient).
 */

const globalNorm: OpSpec = {
  name: "opt.global_norm",
  summary: "√(Σ over every element of every operand of g²): the global 2-norm of a set of gradients",
  arity: [1, Infinity],
  attrs: {},
  pure: true,
  nondifferentiable: true,
  infer(inputs) {
    const first = floatTensorAt(inputs, 0, "gradient 0");
    if ("error" in first) return first;
    for (let i = 1; i < inputs.length; i++) {
      const g = floatTensorAt(inputs, i, `gradient ${i}`);
      if ("error" in g) return g;
      if (g.dtype !== first.dtype) return fail(`gradient ${i} is ${formatType(g)} but gradient 0 is ${formatType(first)}: dtypes differ`, [0, i]);
    }
    return { kind: "tensor", dtype: first.dtype, shape: [] };
  },
  interpret(inputs, _attrs, ctx) {
    let sumSq = 0;
    inputs.forEach((v, i) => {
      for (const g of asTensor(v, `gradient ${i}`).data) sumSq += g * g;
    });
    const out = floatLike(asTensor(inputs[0], "gradient 0"), [], ctx.precision);
    out.data[0] = Math.sqrt(sumSq);
    return out;
  },
  cost(inputs, output, _attrs, symbols) {
    return streamingCost(inputs, output, symbols, 2 * inputs.reduce((n, t) => n + elementsOf(t, symbols), 0));
  },
};

const clipFactor: OpSpec = {
  name: "opt.clip_factor",
  summary: "min(1, max_norm/(norm + 1e-6)): the factor clip_grad_norm_ scales every gradient by",
  arity: 1,
  attrs: { max_norm: { kind: "float", doc: "the largest global norm let through (> 0)" } },
  pure: true,
  nondifferentiable: true,
  infer(inputs, attrs) {
    const norm = floatTensorAt(inputs, 0, "norm");
    if ("error" in norm) return norm;
    if (norm.shape.length !== 0) return fail(`norm must be a scalar, got ${formatType(norm)}`, [0]);
    const maxNorm = floatAttr(attrs, "max_norm");
    if (!(maxNorm > 0)) return fail(`opt.clip_factor: max_norm must be > 0, got ${maxNorm}`);
    return norm;
  },
  interpret(inputs, attrs, ctx) {
    const norm = asTensor(inputs[0], "norm");
    const out = floatLike(norm, [], ctx.precision);
    out.data[0] = Math.min(1, floatAttr(attrs, "max_norm") / (norm.data[0] + 1e-6));
    return out;
  },
  cost(inputs, output, _attrs, symbols) {
    return streamingCost(inputs, output, symbols, 3);
  },
};

export const clipOps: readonly OpSpec[] = [globalNorm, clipFactor];
