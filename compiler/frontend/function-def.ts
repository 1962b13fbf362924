import { argInt, type BoundArgs, type Signature, type SigParam } from "./signature.js";
import type { GraphValue, TensorValue } from "./value.js";
import type { LayerContext } from "./layers/layer.js";

/** A built-in function usable inside `forward`, `message` and `update` (torch / PyG names and defaults). */
export interface FunctionDef {
  readonly signature: Signature;
  /** A tensor, or a graph (`add_self_loops`). */
  apply(ctx: LayerContext, args: BoundArgs): TensorValue | GraphValue;
}

/** The tensor argument `x` most functions take first. */
export const X: SigParam = { name: "x", kind: "tensor" };

/** The bound tensor argument `name` (default `x`). */
export function tensorArg(args: BoundArgs, name = "x"): TensorValue {
  const v = args.get(name)?.value;
  if (v?.kind !== "tensor") throw new Error(`internal: function argument ${name} is not a tensor`);
  return v;
}

/** A torch-style `dim` (negative counts from the end) of argument `arg`, as a non-negative axis. */
export function checkedDim(ctx: LayerContext, fn: string, args: BoundArgs, rank: number, arg = "dim"): number {
  const dim = argInt(args, arg);
  if (typeof dim !== "number" || dim < -rank || dim >= rank) {
    return ctx.fail("E406", `\`${arg}\` of \`${fn}\` must be in [${-rank}, ${rank - 1}] for a tensor of rank ${rank}, found ${dim}`);
  }
  return dim < 0 ? dim + rank : dim;
}

/** `name(x)` applying one elementwise op. */
export function unary(name: string, op: string): FunctionDef {
  return { signature: { name, params: [X] }, apply: (ctx, args) => ctx.tensor(op, [tensorArg(args).id]) };
}
