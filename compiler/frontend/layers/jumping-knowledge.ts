import { argStr } from "../signature.js";
import type { TensorValue } from "../value.js";
import type { LayerDef } from "./layer.js";

/**
 * PyG's `JumpingKnowledge(mode)`: combines the outputs of every layer, `jk([h1, h2, h3])`. "cat"
 * concatenates them along the channels, "max" takes the elementwise maximum (they must have one
 * shape). PyG's "lstm" mode (attention over layers by a bi-LSTM) is not available.
 */
export const JumpingKnowledge: LayerDef = {
  signature: {
    name: "JumpingKnowledge",
    params: [
      { name: "mode", kind: "str", oneOf: ["cat", "max", "lstm"] },
      { name: "channels", kind: "int", optional: true },
      { name: "num_layers", kind: "int", optional: true },
    ],
  },
  inputs: [{ name: "xs", kind: "tensors" }],
  params: () => [],
  validate(args, fail) {
    if (argStr(args, "mode") === "lstm") fail("mode", 'JumpingKnowledge mode "lstm" is not supported', 'use mode = "cat" or "max"');
  },
  expand(ctx, args, inputs) {
    const list = inputs[0];
    const xs = list?.kind === "list" ? (list.items as TensorValue[]) : [];
    if (argStr(args, "mode") === "cat") return ctx.tensor("t.concat", xs.map((x) => x.id), { axis: xs[0].type.shape.length - 1 });
    return xs.slice(1).reduce((m, x) => ctx.tensor("t.maximum", [m.id, x.id]), xs[0]);
  },
};

