import { argFloat } from "../signature.js";
import { float } from "../value.js";
import { flag, number } from "./common.js";
import { tensorInput, type LayerDef } from "./layer.js";

/**
 * torch.nn's activation modules (`ReLU(inplace=True)` in a Sequential): parameterless layers
 * applying the function of the same name. `inplace` is accepted and means nothing here (values
 * are never overwritten).
 */
function activation(name: string, op: string, extra: LayerDef["signature"]["params"] = [], attrs: (args: Parameters<LayerDef["expand"]>[1]) => Record<string, number> = () => ({})): LayerDef {
  return {
    signature: { name, params: [...extra, flag("inplace", false)] },
    inputs: [{ name: "input", kind: "tensor" }],
    params: () => [],
    expand: (ctx, args, inputs) => ctx.tensor(op, [tensorInput(inputs, 0).id], attrs(args)),
  };
}

export const ACTIVATION_LAYERS: readonly LayerDef[] = [
  activation("ReLU", "t.relu"),
  activation("Sigmoid", "t.sigmoid"),
  activation("Tanh", "t.tanh"),
  activation("GELU", "t.gelu"),
  activation("ELU", "t.elu", [{ name: "alpha", kind: "float", default: float(1) }], (args) => ({ alpha: argFloat(args, "alpha") })),
  activation("LeakyReLU", "t.leaky_relu", [number("negative_slope", 0.01)], (args) => ({ slope: argFloat(args, "negative_slope") })),
];
