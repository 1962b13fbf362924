import { floatAttr } from "../ir/attrs.js";
import type { Node, Type } from "../ir/types.js";
import type { EmitOptions } from "./emit-context.js";
import type { KernelSpec } from "./kernel.js";
import { attrLiteral } from "./emit-context.js";
import { updateKernel } from "./update-kernel.js";

/** Weight decay's kernels (compiler/ir/ops/opt-decay.ts): L2 on the gradient, and decoupled on the parameter. */

/** `opt.l2`: grad + weight_decay·param. */
export function emitL2(node: Node, inputs: readonly Type[], options: EmitOptions): KernelSpec {
  const wd = attrLiteral(node, floatAttr(node.attrs, "weight_decay"), "weight_decay");
  return updateKernel(node, inputs, options, {
    name: "opt_l2",
    summary: `L2 weight decay ${wd} added to the gradient`,
    tensors: [
      { name: "grad", input: 0 },
      { name: "param", input: 1 },
    ],
    value: `grad + ${wd} * param`,
  });
}

/** `opt.decay`: param·(1 − lr·weight_decay), lr read at run time. */
export function emitDecay(node: Node, inputs: readonly Type[], options: EmitOptions): KernelSpec {
  const wd = attrLiteral(node, floatAttr(node.attrs, "weight_decay"), "weight_decay");
  return updateKernel(node, inputs, options, {
    name: "opt_decay",
    summary: `decoupled weight decay ${wd}`,
    tensors: [{ name: "param", input: 0 }],
    scalars: [{ name: "lr", input: 1 }],
    prelude: `let factor = 1.0 - lr * ${wd};`,
    value: "param * factor",
  });
}
