import type { Node } from "../ir/types.js";
import { dependenciesOf } from "../ir/reads.js";

/**
 * Drop backward nodes no result depends on. Gradient rules compute a gradient for every operand,
 * but only those flowing into a selected parameter are used (a matmul's rule also builds the
 * gradient of its input features). A backward loop counts as reading what its body reads; dead
 * nodes inside loop bodies are left to DCE.
 */
export function pruneBackward(backward: readonly Node[], results: readonly number[]): Node[] {
  const live = new Set(results);
  for (let i = backward.length - 1; i >= 0; i--) {
    const n = backward[i];
    if (live.has(n.id)) for (const input of dependenciesOf(n)) live.add(input);
  }
  return backward.filter((n) => live.has(n.id));
}
