import { floatAttr } from "../attrs.js";
import type { OpSpec } from "../spec.js";
import { inRange, scalarRole, tensorRole, updateOp } from "./opt-common.js";

/** Weight decay in its two forms: L2 on the gradient (SGD, Adam) and decoupled on the parameter (AdamW). */

const weightDecay = { kind: "float" as const, doc: "decay factor (≥ 0)" };

const l2 = updateOp({
  name: "opt.l2",
  summary: "grad + weight_decay·param (L2 weight decay, as torch.optim.SGD and Adam apply it)",
  attrs: { weight_decay: weightDecay },
  forms: [[tensorRole("grad"), tensorRole("param")]],
  checkAttrs: (attrs) => inRange(attrs, "weight_decay", 0, Infinity),
  make(attrs, { tensors: { grad, param } }) {
    const wd = floatAttr(attrs, "weight_decay");
    return (k) => grad[k] + wd * param[k];
  },
  flops: 2,
});

const decay = updateOp({
  name: "opt.decay",
  summary: "param·(1 − lr·weight_decay) (decoupled weight decay, as torch.optim.AdamW applies it)",
  attrs: { weight_decay: weightDecay },
  forms: [[tensorRole("param"), scalarRole("lr")]],
  checkAttrs: (attrs) => inRange(attrs, "weight_decay", 0, Infinity),
  make(attrs, { tensors: { param }, scalars: { lr } }) {
    const factor = 1 - lr * floatAttr(attrs, "weight_decay");
    return (k) => param[k] * factor;
  },
  flops: 1,
});

export const decayOps: readonly OpSpec[] = [l2, decay];
