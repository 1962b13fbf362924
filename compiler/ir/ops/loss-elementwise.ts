import type { InferError, OpSpec, VjpBuilder, VjpArgs } from "../spec.js";
import { formatType } from "../type-utils.js";
import type { TensorType, Type } from "../types.js";
import { asTensor, elementsOf, fail, floatTensorAt, streamingCost } from "./common.js";
import { floatLike, sameShape } from "./float-like.js";
import { maskAt, meanWeights, scalarAt } from "./loss-common.js";
import { sigmoid } from "./math.js";

/**
 * Elementwise losses over x and y of one shape: the mean over masked elements of a per-element
 * loss. The mask is per row (shape [N], shared by the row's elements) or per element (x's shape);
 * bool selects, float weights. With no element selected the loss and its gradient are 0.
 * Each loss has a gradient op `<name>_grad(cotangent, x, y[, mask])` (d/dx) that its VJP emits.
 */

interface ElementwiseLoss {
  name: string;
  summary: string;
  /** Names of x and y in messages. */
  roles: readonly [string, string];
  loss(x: number, y: number): number;
  /** d loss / dx. */
  grad(x: number, y: number): number;
  /** Gradients of every input from the x-gradient `gx` (y gets one only where y is a prediction, as in mse). */
  vjp(b: VjpBuilder, gx: number): readonly (number | undefined)[];
  flops: number;
}

/** Check (x, y[, mask]) starting at operand `first`; returns x's type. */
function checkOperands(name: string, roles: readonly [string, string], inputs: readonly Type[], first: number): TensorType | InferError {
  const x = floatTensorAt(inputs, first, roles[0]);
  if ("error" in x) return x;
  if (x.shape.length === 0) return fail(`${name} needs ${roles[0]} with at least one axis, got ${formatType(x)}`, [first]);
  const y = floatTensorAt(inputs, first + 1, roles[1]);
  if ("error" in y) return y;
  if (y.dtype !== x.dtype || !sameShape(x.shape, y.shape)) {
    return fail(`${roles[1]} must be ${formatType(x)} to match ${roles[0]}, got ${formatType(y)}`, [first, first + 1]);
  }
  if (inputs.length > first + 2) {
    const allowed = x.shape.length === 1 ? [x.shape] : [[x.shape[0]], x.shape];
    const mask = maskAt(inputs, first + 2, allowed);
    if ("error" in mask) return { ...mask, operands: [first, first + 2] };
  }
  return x;
}

function forwardSpec(loss: ElementwiseLoss): OpSpec {
  return {
    name: loss.name,
    summary: loss.summary,
    arity: [2, 3],
    attrs: {},
    pure: true,
    infer(inputs) {
      const x = checkOperands(loss.name, loss.roles, inputs, 0);
      if ("error" in x) return x;
      return { kind: "tensor", dtype: x.dtype, shape: [] };
    },
    interpret(inputs, _attrs, ctx) {
      const x = asTensor(inputs[0], loss.roles[0]);
      const y = asTensor(inputs[1], loss.roles[1]);
      const mask = inputs[2] ? asTensor(inputs[2], "mask") : undefined;
      const n = x.data.length;
      const { weights, total } = meanWeights(n, n / Math.max(x.shape[0], 1), mask);
      let sum = 0;
      for (let k = 0; k < n; k++) if (weights[k] !== 0) sum += weights[k] * loss.loss(x.data[k], y.data[k]);
      const out = floatLike(x, [], ctx.precision);
      out.data[0] = total === 0 ? 0 : sum / total;
      return out;
    },
    vjp(b, a: VjpArgs) {
      const [x, y, mask] = a.node.inputs;
      const gx = b.emit(`${loss.name}_grad`, [a.cotangent, x, y, ...(mask === undefined ? [] : [mask])]);
      return loss.vjp(b, gx);
    },
    cost(inputs, output, _attrs, symbols) {
      return streamingCost(inputs, output, symbols, loss.flops * elementsOf(inputs[0], symbols));
    },
  };
}

function gradSpec(loss: ElementwiseLoss): OpSpec {
  const name = `${loss.name}_grad`;
  return {
    name,
    summary: `the gradient of ${loss.name} with respect to ${loss.roles[0]}, scaled by the (scalar) cotangent`,
    arity: [3, 4],
    attrs: {},
    pure: true,
    // Emitted only by the VJP above; gnnc takes no second derivatives, so none flows through it.
    nondifferentiable: true,
    infer(inputs) {
      const x = checkOperands(name, loss.roles, inputs, 1);
      if ("error" in x) return x;
      const cot = scalarAt(inputs, 0, "cotangent", x.dtype);
      return "error" in cot ? cot : x;
    },
    interpret(inputs, _attrs, ctx) {
      const cot = asTensor(inputs[0], "cotangent").data[0];
      const x = asTensor(inputs[1], loss.roles[0]);
      const y = asTensor(inputs[2], loss.roles[1]);
      const mask = inputs[3] ? asTensor(inputs[3], "mask") : undefined;
      const n = x.data.length;
      const { weights, total } = meanWeights(n, n / Math.max(x.shape[0], 1), mask);
      const out = floatLike(x, x.shape, ctx.precision);
      if (total === 0) return out;
      const scale = cot / total;
      for (let k = 0; k < n; k++) if (weights[k] !== 0) out.data[k] = scale * weights[k] * loss.grad(x.data[k], y.data[k]);
      return out;
    },
    cost(inputs, output, _attrs, symbols) {
      return streamingCost(inputs, output, symbols, loss.flops * elementsOf(output, symbols));
    },
  };
}

const bceWithLogits: ElementwiseLoss = {
  name: "nn.bce_with_logits",
  summary: "mean over masked elements of max(x,0) − x·y + log(1 + e^−|x|) (PyTorch binary_cross_entropy_with_logits)",
  roles: ["logits", "targets"],
  // The stable form of −[y·log σ(x) + (1−y)·log(1−σ(x))]: no exp of a positive number, log1p for small terms.
  loss: (x, y) => Math.max(x, 0) - x * y + Math.log1p(Math.exp(-Math.abs(x))),
  grad: (x, y) => sigmoid(x) - y,
  // Targets are data: no gradient to them.
  vjp: (_b, gx) => [gx, undefined, undefined],
  flops: 8,
};

const mse: ElementwiseLoss = {
  name: "nn.mse",
  summary: "mean over masked elements of (a − b)² (PyTorch mse_loss)",
  roles: ["a", "b"],
  loss: (a, b) => (a - b) * (a - b),
  grad: (a, b) => 2 * (a - b),
  vjp: (b, ga) => [ga, b.emit("t.neg", [ga]), undefined],
  flops: 3,
};

export const elementwiseLossOps: readonly OpSpec[] = [bceWithLogits, mse].flatMap((l) => [forwardSpec(l), gradSpec(l)]);
