import { floatAttr } from "../ir/attrs.js";
import type { Node, Type } from "../ir/types.js";
import type { EmitOptions } from "./emit-context.js";
import type { KernelSpec } from "./kernel.js";
import { attrLiteral } from "./emit-context.js";
import { updateKernel } from "./update-kernel.js";

/**
 * Adam's kernels, as compiler/ir/ops/opt-adam.ts defines them (torch.optim.Adam): both moments and
 * the bias-corrected step, in PyTorch's order of operations — step_size = lr/(1 − β1ᵗ),
 * denom = √v/√(1 − β2ᵗ) + eps, param − step_size·m/denom — with t the 1-based step count, read at
 * run time so one pipeline serves every step.
 */

/**
 * e^x − 1 without the cancellation of exp(x) − 1 near 0: Taylor terms to x⁹/9! below |x| = 0.5
 * (the remainder is under 1e-9 relative), exp(x) − 1 beyond, where the result is at least 0.39.
 */
const EXPM1 = `fn gnnc_expm1(x: f32) -> f32 {
  if (abs(x) < 0.5) {
    return x * (1.0 + x * (0.5 + x * (0.16666666666666666 + x * (0.041666666666666664 + x * (0.008333333333333333
      + x * (0.001388888888888889 + x * (0.0001984126984126984 + x * (0.0000248015873015873 + x * 0.0000027557319223985893))))))));
  }
  return exp(x) - 1.0;
}
`;

/**
 * WGSL for 1 − βᵗ. Computed as −expm1(t·ln β) with ln β taken in f64 on the host: the obvious
 * 1 − pow(β, t) in f32 starts from f32(0.999), which alone puts a 1.3e-5 relative error into
 * 1 − β2 at t = 1. β = 0 gives 1 (t ≥ 1).
 */
function biasCorrection(node: Node, beta: number, t: string, what: string): string {
  if (beta === 0) return "1.0";
  return `-gnnc_expm1(${t} * ${attrLiteral(node, Math.log(beta), `ln ${what}`)})`;
}

/** `opt.adam_m`: beta1·m + (1 − beta1)·g. */
export function emitAdamM(node: Node, inputs: readonly Type[], options: EmitOptions): KernelSpec {
  const beta1 = node.attrs.beta1 as number;
  const b = attrLiteral(node, beta1, "beta1");
  const rest = attrLiteral(node, 1 - beta1, "1 − beta1");
  return updateKernel(node, inputs, options, {
    name: "opt_adam_m",
    summary: `Adam's first moment, beta1 ${b}`,
    tensors: [
      { name: "m", input: 0 },
      { name: "g", input: 1 },
    ],
    value: `${b} * m + ${rest} * g`,
  });
}

/** `opt.adam_v`: beta2·v + (1 − beta2)·g² (multiplied in the interpreter's order). */
export function emitAdamV(node: Node, inputs: readonly Type[], options: EmitOptions): KernelSpec {
  const beta2 = node.attrs.beta2 as number;
  const b = attrLiteral(node, beta2, "beta2");
  const rest = attrLiteral(node, 1 - beta2, "1 − beta2");
  return updateKernel(node, inputs, options, {
    name: "opt_adam_v",
    summary: `Adam's second moment, beta2 ${b}`,
    tensors: [
      { name: "v", input: 0 },
      { name: "g", input: 1 },
    ],
    value: `${b} * v + ${rest} * g * g`,
  });
}

/** `opt.adam_step`: param − lr/(1 − beta1ᵗ) · m / (√v/√(1 − beta2ᵗ) + eps). */
export function emitAdamStep(node: Node, inputs: readonly Type[], options: EmitOptions): KernelSpec {
  const beta1 = node.attrs.beta1 as number;
  const beta2 = node.attrs.beta2 as number;
  const eps = attrLiteral(node, floatAttr(node.attrs, "eps"), "eps");
  return updateKernel(node, inputs, options, {
    name: "opt_adam_step",
    summary: `Adam's bias-corrected step, beta1 ${beta1}, beta2 ${beta2}, eps ${eps}`,
    tensors: [
      { name: "param", input: 0 },
      { name: "m", input: 1 },
      { name: "v", input: 2 },
    ],
    scalars: [
      { name: "lr", input: 3 },
      { name: "t", input: 4 },
    ],
    prelude: [
      `let step_size = lr / (${biasCorrection(node, beta1, "t", "beta1")});`,
      `let bc2_sqrt = sqrt(${biasCorrection(node, beta2, "t", "beta2")});`,
    ].join("\n"),
    value: `param - (step_size * m) / (sqrt(v) / bc2_sqrt + ${eps})`,
    helpers: [EXPM1],
  });
}
