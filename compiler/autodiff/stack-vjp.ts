import type { Node } from "../ir/types.js";
import type { StackVjp } from "./backward.js";
import { equilibriumVjp } from "./equilibrium-vjp.js";
import { repeatVjp } from "./repeat-vjp.js";
import { reversibleVjp } from "./reversible-vjp.js";

/**
 * The backward of a stack: a value carried through `trip` blocks by an `s.loop` or `s.reversible`.
 * Every strategy builds ONE backward loop (IR size flat in depth) that walks the blocks from the
 * last, re-emits a block's body (cloneRegion) and sweeps it; they differ in where a block's input
 * comes from:
 *  - repeat: stored by the forward (a stash of every block input, see stash.ts);
 *  - reversible: reconstructed from the block's output with the coupling's inverse (nothing stored);
 *  - equilibrium: implicit differentiation at the fixed point (one block, an adjoint fixed point).
 */
export type StackKind = "repeat" | "reversible" | "equilibrium";

const STACK_VJPS: Readonly<Record<StackKind, StackVjp>> = {
  repeat: repeatVjp,
  reversible: reversibleVjp,
  equilibrium: equilibriumVjp,
};

/**
 * Which stack a node is, by its op and (for `s.loop`) the mode the frontend recorded; undefined for
 * other ops. The op names here are the dispatch table's keys: each stack op has its own backward.
 */
export function stackKind(node: Node): StackKind | undefined {
  if (node.op === "s.reversible") return "reversible";
  if (node.op === "s.loop") return node.attrs.mode === "equilibrium" ? "equilibrium" : "repeat";
  return undefined;
}

/** The backward rule of a stack node; undefined for other ops. */
export function stackVjpOf(node: Node): StackVjp | undefined {
  const kind = stackKind(node);
  if (kind === undefined) return undefined;
  if (node.inputs.length !== 1) throw new Error("autodiff supports loops that carry one value (this one carries several)");
  return STACK_VJPS[kind];
}
