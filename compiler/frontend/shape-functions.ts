import { dimMul, formatShape } from "../ir/dims.js";
import type { Dim } from "../ir/types.js";
import { checkedDim, tensorArg, X, type FunctionDef } from "./function-def.js";
import type { LayerContext } from "./layers/layer.js";
import { argBool, argInt, type BoundArgs } from "./signature.js";
import { bool, formatTensorType, type TensorValue } from "./value.js";

/**
 * Reductions and reshapes as torch writes them in PyG's layers: `(x * att).sum(dim = -1)`,
 * `x.view(-1, heads, C)`, `alpha.unsqueeze(-1)`, here as functions: `sum(x * att, dim = -1)`,
 * `reshape(x, [-1, heads, C])`, `unsqueeze(alpha, -1)`.
 */

const KEEPDIM = { name: "keepdim", kind: "bool", default: bool(false) } as const;

/** `sum` / `mean` over `dim`, or over every axis when `dim` is left out (torch's default). */
function reduction(name: string, op: string): FunctionDef {
  return {
    signature: { name, params: [X, { name: "dim", kind: "int", optional: true }, KEEPDIM] },
    apply(ctx, args) {
      const x = tensorArg(args);
      const rank = x.type.shape.length;
      const axes = args.has("dim") ? [checkedDim(ctx, name, args, rank)] : Array.from({ length: rank }, (_, k) => k);
      return ctx.tensor(op, [x.id], { axes, keepdims: argBool(args, "keepdim") });
    },
  };
}

function product(dims: readonly Dim[]): Dim {
  return dims.reduce<Dim>((n, d) => dimMul(n, d), 1);
}

/** `reshape(x, [-1, heads, C])`: the sizes, where a leading −1 keeps x's rows (the node or edge count). */
function reshapedShape(ctx: LayerContext, x: TensorValue, args: BoundArgs): Dim[] {
  const list = args.get("shape")!.value;
  const sizes = list.kind === "list" ? list.items.map((i) => (i.kind === "int" ? i.value : 0)) : [];
  const holes = sizes.filter((d) => d === -1).length;
  if (holes > 1 || (holes === 1 && sizes[0] !== -1)) {
    return ctx.fail("E406", `\`reshape\` takes −1 only as the first size (the rows), found [${sizes.join(", ")}]`, {
      help: "write the other sizes out, e.g. `reshape(h, [-1, heads, out_channels])`",
    });
  }
  const shape = holes ? [x.type.shape[0], ...sizes.slice(1)] : sizes;
  if (shape.some((d) => typeof d === "number" && d < 0) || product(shape) !== product(x.type.shape)) {
    return ctx.fail("E302", `cannot reshape ${formatTensorType(x.type)} to [${sizes.join(", ")}]: ${formatShape(shape)} has another number of elements`);
  }
  return shape;
}

export const SHAPE_FUNCTIONS: readonly FunctionDef[] = [
  reduction("sum", "t.sum"),
  reduction("mean", "t.mean"),
  {
    signature: { name: "reshape", params: [X, { name: "shape", kind: "ints" }] },
    apply(ctx, args) {
      const x = tensorArg(args);
      return ctx.tensor("t.reshape", [x.id], { shape: reshapedShape(ctx, x, args) });
    },
  },
  {
    // A new axis of size 1 at `dim` (−1: last), as torch.unsqueeze.
    signature: { name: "unsqueeze", params: [X, { name: "dim", kind: "int" }] },
    apply(ctx, args) {
      const x = tensorArg(args);
      const rank = x.type.shape.length;
      const dim = argInt(args, "dim");
      if (typeof dim !== "number" || dim < -(rank + 1) || dim > rank) {
        return ctx.fail("E406", `\`dim\` of \`unsqueeze\` must be in [${-(rank + 1)}, ${rank}] for a tensor of rank ${rank}, found ${dim}`);
      }
      const at = dim < 0 ? dim + rank + 1 : dim;
      return ctx.tensor("t.reshape", [x.id], { shape: [...x.type.shape.slice(0, at), 1, ...x.type.shape.slice(at)] });
    },
  },
];
