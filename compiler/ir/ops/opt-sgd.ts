import { floatAttr } from "../attrs.js";
import type { OpSpec } from "../spec.js";
import { inRange, scalarRole, tensorRole, updateOp } from "./opt-common.js";

/**
 * SGD as torch.optim.SGD: the momentum buffer update and the parameter step. Weight decay (L2) is
 * applied to the gradient first with `opt.l2`.
 */

/** buf ← grad on the first step (t ≤ 1: PyTorch creates the buffer as a copy), else momentum·buf + (1−dampening)·grad. */
const sgdBuf = updateOp({
  name: "opt.sgd_buf",
  summary: "the SGD momentum buffer: grad when t ≤ 1, else momentum·buf + (1 − dampening)·grad",
  attrs: {
    momentum: { kind: "float", doc: "momentum factor (> 0)" },
    dampening: { kind: "float", default: 0, doc: "dampening for momentum" },
  },
  forms: [[tensorRole("buf"), tensorRole("grad"), scalarRole("t")]],
  checkAttrs: (attrs) => inRange(attrs, "momentum", 0, Infinity),
  make(attrs, { tensors: { buf, grad }, scalars: { t } }) {
    if (t <= 1) return (k) => grad[k];
    const momentum = floatAttr(attrs, "momentum");
    const keep = 1 - floatAttr(attrs, "dampening");
    return (k) => momentum * buf[k] + keep * grad[k];
  },
  flops: 3,
});

/**
 * param − lr·d where d = grad (no momentum: operands param, grad, lr), buf (momentum), or
 * grad + momentum·buf (nesterov). `grad` is the weight-decayed gradient, as in PyTorch.
 */
const sgdStep = updateOp({
  name: "opt.sgd_step",
  summary: "param − lr·d with d = grad (momentum 0), buf (momentum), or grad + momentum·buf (nesterov)",
  attrs: {
    momentum: { kind: "float", default: 0 },
    nesterov: { kind: "bool", default: false },
  },
  forms: [
    [tensorRole("param"), tensorRole("grad"), scalarRole("lr")],
    [tensorRole("param"), tensorRole("grad"), tensorRole("buf"), scalarRole("lr")],
  ],
  checkAttrs(attrs, arity) {
    const range = inRange(attrs, "momentum", 0, Infinity);
    if (range) return range;
    const momentum = floatAttr(attrs, "momentum");
    if (arity === 3 && momentum !== 0) return `momentum ${momentum} needs the buffer: operands (param, grad, buf, lr)`;
    if (arity === 4 && momentum === 0) return "momentum 0 uses no buffer: operands (param, grad, lr)";
    if (attrs.nesterov && momentum === 0) return "nesterov momentum requires momentum > 0";
    return undefined;
  },
  make(attrs, { tensors: { param, grad, buf }, scalars: { lr } }) {
    const momentum = floatAttr(attrs, "momentum");
    if (momentum === 0) return (k) => param[k] - lr * grad[k];
    if (attrs.nesterov) return (k) => param[k] - lr * (grad[k] + momentum * buf[k]);
    return (k) => param[k] - lr * buf[k];
  },
  flops: 3,
});

export const sgdOps: readonly OpSpec[] = [sgdBuf, sgdStep];
