import type { TensorValue } from "../value.js";
import type { LayerContext } from "./layer.js";

/** Activations selectable by name (MLP's `act`), with PyTorch's default hyper-parameters. */
export const ACTIVATIONS = ["relu", "leaky_relu", "elu", "gelu", "tanh", "sigmoid"] as const;
export type ActivationName = (typeof ACTIVATIONS)[number];

export function applyActivation(ctx: LayerContext, name: ActivationName, x: TensorValue): TensorValue {
  switch (name) {
    case "leaky_relu":
      return ctx.tensor("t.leaky_relu", [x.id], { slope: 0.01 });
    case "elu":
      return ctx.tensor("t.elu", [x.id], { alpha: 1 });
    default:
      return ctx.tensor(`t.${name}`, [x.id]);
  }
}
