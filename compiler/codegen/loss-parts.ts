import type { Node, TensorType } from "../ir/types.js";
import type { BindingList } from "./bindings.js";
import { CodegenError } from "./emit-context.js";

/**
 * What the loss kernels share. A loss is a masked mean Σ wₖ·lossₖ / Σ wₖ (0 when Σ wₖ = 0), so
 * its gradient needs the denominator before it can write a single element — and WebGPU cannot
 * pass a value between the workgroups of one dispatch. A gradient kernel therefore runs a few
 * workgroups that each fold the denominator themselves, identically, then share the per-element
 * work (`gradientGroups` bounds that redundancy) — or, as the plan launches a class loss's
 * gradient, reads it from a first launch that folds it once (loss-class.ts).
 */

/** Workgroups a gradient kernel may use at most (beyond this the redundant folds dominate). */
const MAX_GROUPS = 64;

/**
 * Bind the mask (operand `input`): bool travels as u32 0/1, float masks are weights. Returns the
 * WGSL expression of the mask's value at an index expression.
 */
export function bindMask(node: Node, list: BindingList, mask: TensorType, input: number): (index: string) => string {
  if (mask.dtype === "bool") {
    list.add("mask", "read", "array<u32>", { kind: "input", input });
    return (i) => `f32(mask[${i}])`;
  }
  if (mask.dtype !== "f32") throw new CodegenError(node.op, `a ${mask.dtype} mask has no kernel`, node.span);
  list.add("mask", "read", "array<f32>", { kind: "input", input });
  return (i) => `mask[${i}]`;
}

/**
 * Workgroups for a gradient over `items` (one per invocation and round) covering `elements`
 * output elements, whose workgroups each first fold `folded` values (0: no fold needed): enough
 * to spread the items, but folding at most about four times as many values as are written.
 */
export function gradientGroups(items: number, elements: number, folded: number, workgroup: number): number {
  if (items === 0) return 0;
  const spread = Math.ceil(items / workgroup);
  if (folded === 0) return Math.min(spread, 65_535);
  return Math.max(1, Math.min(spread, MAX_GROUPS, Math.floor((4 * elements) / folded)));
}

/** The loss from the folded (Σ w·loss, Σ w) pair `t`: their ratio, or 0 with no weight at all. */
export function maskedMean(t: string): string {
  return `select(${t}.x / ${t}.y, 0.0, ${t}.y == 0.0)`;
}
