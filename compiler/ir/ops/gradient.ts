import type { OpSpec } from "../spec.js";
import type { TensorValue } from "../values.js";
import { alloc, asTensor, streamingCost, tensorAt } from "./common.js";

/** The op table's autodiff helpers: ops the autodiff pass and gradient rules emit or honour. */

const stopGradient: OpSpec = {
  name: "t.stop_gradient",
  summary: "identity in the forward; no gradient flows back through it (PyTorch's detach)",
  arity: 1,
  attrs: {},
  pure: true,
  infer(inputs) {
    return tensorAt(inputs, 0, "operand");
  },
  interpret(inputs) {
    const x = asTensor(inputs[0], "operand");
    return { ...x, shape: [...x.shape], data: x.data.slice() } satisfies TensorValue;
  },
  // Both: the rule says "nothing flows", and the flag lets autodiff prune everything upstream.
  vjp() {
    return [undefined];
  },
  nondifferentiable: true,
  cost(inputs, output, _attrs, symbols) {
    return streamingCost(inputs, output, symbols, 0);
  },
};

/**
 * `t.zeros_like(x)`: zeros of x's type. Gradient rules use it for a zero cotangent whose shape is
 * only known symbolically through a value (no need to spell the dims out as a `t.full` attr).
 */
const zerosLike: OpSpec = {
  name: "t.zeros_like",
  summary: "a tensor of zeros with the operand's dtype and shape (the operand's values are not read)",
  arity: 1,
  attrs: {},
  pure: true,
  infer(inputs) {
    return tensorAt(inputs, 0, "operand");
  },
  interpret(inputs, _attrs, ctx) {
    const x = asTensor(inputs[0], "operand");
    return alloc(x.dtype, x.shape, ctx.precision);
  },
  nondifferentiable: true,
  cost(_inputs, output, _attrs, symbols) {
    return streamingCost([], output, symbols, 0);
  },
};

export const gradientOps: readonly OpSpec[] = [stopGradient, zerosLike];
