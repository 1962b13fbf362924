import type { Node } from "../ir/types.js";
import type { BackwardBuilder } from "./backward-builder.js";
import { freeValues } from "../ir/reads.js";
import { equilibriumVjp } from "./equilibrium-vjp.js";
import { repeatVjp } from "./repeat-vjp.js";
import { reversibleVjp } from "./reversible-vjp.js";
import { getOpSpec } from "../ir/ops/index.js";

/**
 * The backward of a stack: a value carried through `trip` blocks by an `s.loop` or `s.reversible`.
 * Every strategy builds ONE backward loop (IR size flat in depth) that walks the blocks from the
 * last, re-emits a block's body (cloneRegion) and sweeps it; they differ in where a block's input
 * comes from:
 *  - repeat: stored by the forward (a stash of every block input, see stash.ts);
 *  - reversible: reconstructed from the block's output with the coupling's inverse (nothing stored);
 *  - equilibrium: implicit differentiation at the fixed point (one block, an adjoint fixed point).
 */
export function isStack(node: Node): boolean {
  return getOpSpec(node.op)?.trip !== undefined; // loops, whose blocks run trip times
}

/** The gradient contributions of a stack node to its initial value and to the outer values its blocks read. */
export function stackVjp(b: BackwardBuilder, node: Node, cotangent: number, isActive: (id: number) => boolean): Map<number, number> {
  if (node.op === "s.reversible") return reversibleVjp(b, node, cotangent, isActive); // each stack op has its own backward
  if (node.inputs.length !== 1) throw new Error("autodiff supports loops that carry one value (this one carries several)");
  return node.attrs.mode === "equilibrium" ? equilibriumVjp(b, node, cotangent, isActive) : repeatVjp(b, node, cotangent, isActive);
}

/** The outer values a stack's blocks read that carry gradient, in id order (the backward loop's accumulators). */
export function capturedActive(node: Node, isActive: (id: number) => boolean): number[] {
  const free = new Set<number>();
  for (const r of node.regions ?? []) for (const id of freeValues(r)) free.add(id);
  return [...free].filter(isActive).sort((a, b) => a - b);
}

/**
 * acc + g, where g is one block's gradient for a captured value. A stacked parameter's gradient
 * from `t.select(P, i)` is zeros with slice i filled; adding that slice alone keeps each step's work
 * at one block's size instead of the whole stack's.
 */
export function accumulate(b: BackwardBuilder, acc: number, g: number | undefined): number {
  if (g === undefined) return acc;
  const scatter = b.nodeOf(g);
  // A peephole on the exact nodes t.select's gradient rule emits (scatter into zeros).
  const base = scatter?.op === "t.scatter_slice" ? b.nodeOf(scatter.inputs[0]) : undefined;
  if (scatter && base?.op === "t.full" && base.attrs.value === 0) {
    const [, value, index] = scatter.inputs;
    return b.emit("t.slice_add", [acc, value, index], { axis: scatter.attrs.axis });
  }
  return b.emit("t.add", [acc, g]);
}

/** Zeros shaped like each value: the backward loop's initial accumulators. */
export function zerosLike(b: BackwardBuilder, ids: readonly number[]): number[] {
  return ids.map((id) => b.emit("t.zeros_like", [id]));
}

/** grads[id] += g (the stack's initial value may also be read inside its blocks). */
export function addGrad(b: BackwardBuilder, grads: Map<number, number>, id: number, g: number): void {
  const earlier = grads.get(id);
  grads.set(id, earlier === undefined ? g : b.emit("t.add", [earlier, g]));
}
