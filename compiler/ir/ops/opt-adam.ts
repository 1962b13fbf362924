import { floatAttr } from "../attrs.js";
import type { OpSpec } from "../spec.js";
import { inRange, scalarRole, tensorRole, updateOp } from "./opt-common.js";

/**
 * Adam as torch.optim.Adam (and AdamW, whose decoupled decay is `opt.decay` applied to the
 * parameter first): the two moment updates and the bias-corrected step.
 */

const beta = (name: string, dflt: number) => ({ kind: "float" as const, default: dflt, doc: `${name} in [0, 1)` });

const adamM = updateOp({
  name: "opt.adam_m",
  summary: "Adam's first moment: beta1·m + (1 − beta1)·g",
  attrs: { beta1: beta("beta1", 0.9) },
  forms: [[tensorRole("m"), tensorRole("g")]],
  checkAttrs: (attrs) => inRange(attrs, "beta1", 0, 1),
  make(attrs, { tensors: { m, g } }) {
    const b1 = attrs.beta1 as number;
    return (k) => b1 * m[k] + (1 - b1) * g[k];
  },
  flops: 3,
});

const adamV = updateOp({
  name: "opt.adam_v",
  summary: "Adam's second moment: beta2·v + (1 − beta2)·g²",
  attrs: { beta2: beta("beta2", 0.999) },
  forms: [[tensorRole("v"), tensorRole("g")]],
  checkAttrs: (attrs) => inRange(attrs, "beta2", 0, 1),
  make(attrs, { tensors: { v, g } }) {
    const b2 = attrs.beta2 as number;
    return (k) => b2 * v[k] + (1 - b2) * g[k] * g[k];
  },
  flops: 4,
});

/** PyTorch's order of operations: step_size = lr/(1−β1ᵗ), denom = √v/√(1−β2ᵗ) + eps. */
const adamStep = updateOp({
  name: "opt.adam_step",
  summary: "param − lr/(1 − beta1ᵗ) · m / (√v/√(1 − beta2ᵗ) + eps), t the 1-based step count",
  attrs: {
    beta1: beta("beta1", 0.9),
    beta2: beta("beta2", 0.999),
    eps: { kind: "float", default: 1e-8 },
  },
  forms: [[tensorRole("param"), tensorRole("m"), tensorRole("v"), scalarRole("lr"), scalarRole("t")]],
  checkAttrs: (attrs) => inRange(attrs, "beta1", 0, 1) ?? inRange(attrs, "beta2", 0, 1) ?? inRange(attrs, "eps", 0, Infinity),
  make(attrs, { tensors: { param, m, v }, scalars: { lr, t } }) {
    if (!(t >= 1)) throw new Error(`the step count t must be ≥ 1 (steps count from 1), got ${t}`);
    const stepSize = lr / (1 - (attrs.beta1 as number) ** t);
    const bc2Sqrt = Math.sqrt(1 - (attrs.beta2 as number) ** t);
    const eps = floatAttr(attrs, "eps");
    return (k) => param[k] - (stepSize * m[k]) / (Math.sqrt(v[k]) / bc2Sqrt + eps);
  },
  flops: 6,
});

export const adamOps: readonly OpSpec[] = [adamM, adamV, adamStep];
