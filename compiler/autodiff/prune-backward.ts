import type { Node } from "../ir/types.js";

/**
 * Drop backward nodes no result depends on. Gradient rules compute a gradient for every operand,
 * but only those flowing into a selected parameter are used (a matmul's rule also builds the
 * gradient of its input features). Backward nodes have no regions, so one reverse scan is enough.
 */
export function pruneBackward(backward: readonly Node[], results: readonly number[]): Node[] {
  const live = new Set(results);
  for (let i = backward.length - 1; i >= 0; i--) {
    const n = backward[i];
    if (live.has(n.id)) for (const input of n.inputs) live.add(input);
  }
  return backward.filter((n) => live.has(n.id));
}
