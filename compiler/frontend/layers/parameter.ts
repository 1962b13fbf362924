import type { Dim, InitSpec } from "../../ir/types.js";
import { LIMITS } from "../../train/limits.js";
import { argStr, type BoundArgs } from "../signature.js";
import { str } from "../value.js";
import { GLOROT, ONES, ZEROS } from "./common.js";
import type { LayerDef } from "./layer.js";

const INITS: Readonly<Record<string, InitSpec>> = { glorot: GLOROT, zeros: ZEROS, ones: ONES };

/**
 * `torch.nn.Parameter`: a trainable tensor of the given shape, named by its member
 * (`att_src = Parameter([1, heads, out_channels])` is the state-dict entry `att_src`), initialised
 * as PyG's layers reset theirs (`glorot` for attention vectors, `zeros` for biases). Inside
 * `forward`, `message` and `update` the member's name is the tensor itself.
 */
export const Parameter: LayerDef = {
  signature: {
    name: "Parameter",
    params: [
      { name: "shape", kind: "ints" },
      { name: "init", kind: "str", default: str("glorot"), oneOf: Object.keys(INITS) },
    ],
  },
  inputs: [],
  validate(args, fail) {
    const dims = shapeOf(args);
    if (dims.length === 0) fail("shape", "the `shape` of a Parameter needs at least one size", "e.g. `Parameter([out_channels], init = \"zeros\")`");
    if (dims.some((d) => typeof d === "number" && (d < 1 || d > LIMITS.channels.max))) {
      fail("shape", `every size in the \`shape\` of a Parameter must be in [1, ${LIMITS.channels.max}]`, LIMITS.channels.why);
    }
  },
  params(args) {
    return [{ name: "", shape: shapeOf(args), init: INITS[argStr(args, "init")!], trainable: true }];
  },
  expand(ctx) {
    return ctx.param("");
  },
};

function shapeOf(args: BoundArgs): Dim[] {
  const v = args.get("shape")?.value;
  if (v?.kind !== "list") throw new Error("internal: Parameter shape is not a list");
  return v.items.map((item) => (item.kind === "int" ? item.value : 0));
}
