import { argFloat } from "../signature.js";
import { applyDropout, probability } from "./common.js";
import { tensorInput, type LayerDef } from "./layer.js";

/** torch's `Dropout(p=0.5)`: active in training mode only. */
export const Dropout: LayerDef = {
  signature: { name: "Dropout", params: [probability("p", 0.5)] },
  inputs: [{ name: "x", kind: "tensor" }],
  params() {
    return [];
  },
  expand(ctx, args, inputs) {
    return applyDropout(ctx, tensorInput(inputs, 0), argFloat(args, "p"));
  },
};
