import type { FuncBuilder } from "../ir/builder.js";
import { freeValues } from "../ir/reads.js";
import type { Node } from "../ir/types.js";
import type { Stashes } from "./stash.js";

/**
 * The backward half being built, as the sweep and the stack rules see it: the builder (appending
 * to the forward function), the stashes of repeat stacks, and the sweep itself. The sweep reaches
 * the stack rules through their table (stack-vjp.ts) and the rules re-enter the sweep for each
 * block through this object, so neither imports the other.
 */
export interface Backward {
  readonly b: FuncBuilder;
  readonly stashes: Stashes;
  /** Reverse-mode sweep over `nodes` from the `seeds`; each reached root's cotangent (see sweep.ts). */
  sweep(nodes: readonly Node[], seeds: ReadonlyMap<number, number>, roots: ReadonlySet<number>): Map<number, number>;
}

/** A stack's backward: its gradient contributions to its initial value and to the outer values its blocks read. */
export type StackVjp = (bw: Backward, stack: Node, cotangent: number, isActive: (id: number) => boolean) => Map<number, number>;

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
export function accumulate(b: FuncBuilder, acc: number, g: number | undefined): number {
  if (g === undefined) return acc;
  const scatter = b.nodeOf(g);
  const base = scatter?.op === "t.scatter_slice" ? b.nodeOf(scatter.inputs[0]) : undefined;
  if (scatter && base?.op === "t.full" && base.attrs.value === 0) {
    const [, value, index] = scatter.inputs;
    return b.emit("t.slice_add", [acc, value, index], { axis: scatter.attrs.axis });
  }
  return b.emit("t.add", [acc, g]);
}

/** Zeros shaped like each value: the backward loop's initial accumulators. */
export function zerosLike(b: FuncBuilder, ids: readonly number[]): number[] {
  return ids.map((id) => b.emit("t.zeros_like", [id]));
}

/** grads[id] += g (the stack's initial value may also be read inside its blocks). */
export function addGrad(b: FuncBuilder, grads: Map<number, number>, id: number, g: number): void {
  const earlier = grads.get(id);
  grads.set(id, earlier === undefined ? g : b.emit("t.add", [earlier, g]));
}

/** Left-to-right sum of a value's cotangent contributions. */
export function sum(b: FuncBuilder, parts: readonly number[]): number {
  let acc = parts[0];
  for (let k = 1; k < parts.length; k++) acc = b.emit("t.add", [acc, parts[k]]);
  return acc;
}
