import { floatAttr } from "../ir/attrs.js";
import type { Node, Type } from "../ir/types.js";
import { CodegenError, type EmitOptions } from "./emit-context.js";
import type { KernelSpec } from "./kernel.js";
import { attrLiteral } from "./emit-context.js";
import { updateKernel } from "./update-kernel.js";

/**
 * SGD's kernels, as compiler/ir/ops/opt-sgd.ts defines them (torch.optim.SGD): the momentum buffer
 * and the parameter step. Per-step values (lr, t) are scalar operands; the constant factors are
 * attributes, computed in f64 here and baked in as f32 literals.
 */

/** `opt.sgd_buf`: grad on the first step (t ≤ 1), else momentum·buf + (1 − dampening)·grad. */
export function emitSgdBuf(node: Node, inputs: readonly Type[], options: EmitOptions): KernelSpec {
  const momentum = attrLiteral(node, floatAttr(node.attrs, "momentum"), "momentum");
  const keep = attrLiteral(node, 1 - floatAttr(node.attrs, "dampening"), "1 − dampening");
  return updateKernel(node, inputs, options, {
    name: "opt_sgd_buf",
    summary: `SGD momentum buffer, momentum ${momentum}, 1 − dampening ${keep}`,
    tensors: [
      { name: "buf", input: 0 },
      { name: "grad", input: 1 },
    ],
    scalars: [{ name: "t", input: 2 }],
    // select, not a branch on the buffer: on the first step the buffer is never read into the result (it may hold anything).
    value: `select(${momentum} * buf + ${keep} * grad, grad, t <= 1.0)`,
  });
}

/** `opt.sgd_step`: param − lr·d, d = grad (3 operands), buf, or grad + momentum·buf (nesterov). */
export function emitSgdStep(node: Node, inputs: readonly Type[], options: EmitOptions): KernelSpec {
  const param = { name: "param", input: 0 };
  if (inputs.length === 3) {
    return updateKernel(node, inputs, options, {
      name: "opt_sgd_step",
      summary: "SGD step without momentum",
      tensors: [param, { name: "grad", input: 1 }],
      scalars: [{ name: "lr", input: 2 }],
      value: "param - lr * grad",
    });
  }
  if (inputs.length !== 4) throw new CodegenError(node.op, `takes 3 or 4 operands, got ${inputs.length}`, node.span);
  const lr = { name: "lr", input: 3 };
  if (node.attrs.nesterov === true) {
    const momentum = attrLiteral(node, floatAttr(node.attrs, "momentum"), "momentum");
    return updateKernel(node, inputs, options, {
      name: "opt_sgd_step_nesterov",
      summary: `SGD step with Nesterov momentum ${momentum}`,
      tensors: [param, { name: "grad", input: 1 }, { name: "buf", input: 2 }],
      scalars: [lr],
      value: `param - lr * (grad + ${momentum} * buf)`,
    });
  }
  // The gradient is already in the buffer: it is not bound (an unused binding would not be in the pipeline's layout).
  return updateKernel(node, inputs, options, {
    name: "opt_sgd_step_momentum",
    summary: "SGD step along the momentum buffer",
    tensors: [param, { name: "buf", input: 2 }],
    scalars: [lr],
    value: "param - lr * buf",
  });
}
