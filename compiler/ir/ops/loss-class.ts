import type { InferError, OpSpec } from "../spec.js";
import { formatType } from "../type-utils.js";
import type { TensorType, Type } from "../types.js";
import type { TensorValue } from "../values.js";
import { asTensor, elementsOf, fail, floatTensorAt, streamingCost, tensorAt } from "./common.js";
import { floatLike } from "./float-like.js";
import { checkLabels, maskAt, meanWeights, scalarAt } from "./loss-common.js";

/**
 * Classification losses over x[N,C] and labels i32[N]: the mean over the masked, labelled rows of a
 * per-row loss (PyTorch's reduction='mean' with ignore_index=−1). A bool mask selects rows; a float
 * mask weights them. With no row selected the loss is 0 (not NaN) and so is its gradient.
 * Each loss has a gradient op `<name>_grad(cotangent, x, labels[, mask])` that its VJP emits.
 */

interface ClassLoss {
  name: string;
  summary: string;
  /** The row's loss given its values (length C) and its label. */
  rowLoss(x: ArrayLike<number>, at: number, c: number, label: number): number;
  /** Write d(row loss)/dx · scale into out[at .. at+C). */
  rowGrad(x: ArrayLike<number>, out: TensorValue["data"], at: number, c: number, label: number, scale: number): void;
  /** FLOPs per element of x. */
  flops: number;
}

/** Check (x, labels[, mask]) starting at operand `first`; returns x's type. */
function checkOperands(name: string, inputs: readonly Type[], first: number): TensorType | InferError {
  const x = floatTensorAt(inputs, first, "x");
  if ("error" in x) return x;
  if (x.shape.length !== 2) return fail(`${name} needs x of shape [N,C], got ${formatType(x)}`, [first]);
  const labels = tensorAt(inputs, first + 1, "labels");
  if ("error" in labels) return labels;
  if (labels.dtype !== "i32" || labels.shape.length !== 1 || labels.shape[0] !== x.shape[0]) {
    return fail(`labels must be i32[${x.shape[0]}] to match x ${formatType(x)}, got ${formatType(labels)}`, [first, first + 1]);
  }
  if (inputs.length > first + 2) {
    const mask = maskAt(inputs, first + 2, [[x.shape[0]]]);
    if ("error" in mask) return { ...mask, operands: [first, first + 2] };
  }
  return x;
}

function forwardSpec(loss: ClassLoss): OpSpec {
  return {
    name: loss.name,
    summary: loss.summary,
    arity: [2, 3],
    attrs: {},
    pure: true,
    infer(inputs) {
      const x = checkOperands(loss.name, inputs, 0);
      if ("error" in x) return x;
      return { kind: "tensor", dtype: x.dtype, shape: [] };
    },
    interpret(inputs, _attrs, ctx) {
      const x = asTensor(inputs[0], "x");
      const labels = asTensor(inputs[1], "labels");
      const mask = inputs[2] ? asTensor(inputs[2], "mask") : undefined;
      const [n, c] = x.shape;
      checkLabels(labels, c);
      const { weights, total } = meanWeights(n, 1, mask, (i) => labels.data[i] !== -1);
      let sum = 0;
      for (let i = 0; i < n; i++) {
        if (weights[i] !== 0) sum += weights[i] * loss.rowLoss(x.data, i * c, c, labels.data[i]);
      }
      const out = floatLike(x, [], ctx.precision);
      out.data[0] = total === 0 ? 0 : sum / total;
      return out;
    },
    vjp(b, { node, cotangent }) {
      const [x, labels, mask] = node.inputs;
      const grad = b.emit(`${loss.name}_grad`, [cotangent, x, labels, ...(mask === undefined ? [] : [mask])]);
      return [grad, undefined, undefined];
    },
    cost(inputs, output, _attrs, symbols) {
      return streamingCost(inputs, output, symbols, loss.flops * elementsOf(inputs[0], symbols));
    },
  };
}

function gradSpec(loss: ClassLoss): OpSpec {
  const name = `${loss.name}_grad`;
  return {
    name,
    summary: `the gradient of ${loss.name} with respect to x, scaled by the (scalar) cotangent`,
    arity: [3, 4],
    attrs: {},
    pure: true,
    // Emitted only by the VJP above; gnnc takes no second derivatives, so none flows through it.
    nondifferentiable: true,
    infer(inputs) {
      const x = checkOperands(name, inputs, 1);
      if ("error" in x) return x;
      const cot = scalarAt(inputs, 0, "cotangent", x.dtype);
      return "error" in cot ? cot : x;
    },
    interpret(inputs, _attrs, ctx) {
      const cot = asTensor(inputs[0], "cotangent").data[0];
      const x = asTensor(inputs[1], "x");
      const labels = asTensor(inputs[2], "labels");
      const mask = inputs[3] ? asTensor(inputs[3], "mask") : undefined;
      const [n, c] = x.shape;
      checkLabels(labels, c);
      const { weights, total } = meanWeights(n, 1, mask, (i) => labels.data[i] !== -1);
      const out = floatLike(x, x.shape, ctx.precision);
      if (total === 0) return out;
      for (let i = 0; i < n; i++) {
        if (weights[i] !== 0) loss.rowGrad(x.data, out.data, i * c, c, labels.data[i], (cot * weights[i]) / total);
      }
      return out;
    },
    cost(inputs, output, _attrs, symbols) {
      return streamingCost(inputs, output, symbols, loss.flops * elementsOf(output, symbols));
    },
  };
}

/** log Σ exp over x[at .. at+c), max-subtracted. */
function logSumExp(x: ArrayLike<number>, at: number, c: number): number {
  let max = -Infinity;
  for (let k = 0; k < c; k++) max = Math.max(max, x[at + k]);
  if (max === -Infinity) return -Infinity;
  let sum = 0;
  for (let k = 0; k < c; k++) sum += Math.exp(x[at + k] - max);
  return max + Math.log(sum);
}

const crossEntropy: ClassLoss = {
  name: "nn.cross_entropy",
  summary: "mean over masked, labelled rows of −log_softmax(x)[label] (PyTorch cross_entropy, ignore_index −1)",
  rowLoss: (x, at, c, label) => logSumExp(x, at, c) - x[at + label],
  rowGrad(x, out, at, c, label, scale) {
    // d/dx of lse(x) − x[label] = softmax(x) − onehot(label)
    const lse = logSumExp(x, at, c);
    for (let k = 0; k < c; k++) out[at + k] = scale * (Math.exp(x[at + k] - lse) - (k === label ? 1 : 0));
  },
  flops: 6,
};

const nll: ClassLoss = {
  name: "nn.nll",
  summary: "mean over masked, labelled rows of −x[label], x being log-probabilities (PyTorch nll_loss, ignore_index −1)",
  rowLoss: (x, at, _c, label) => -x[at + label],
  rowGrad(_x, out, at, _c, label, scale) {
    out[at + label] = -scale;
  },
  flops: 1,
};

export const classLossOps: readonly OpSpec[] = [crossEntropy, nll].flatMap((l) => [forwardSpec(l), gradSpec(l)]);
