import type { Func, Node } from "../ir/types.js";

/** The largest id used anywhere in the function, regions included; backward ids start above it. */
export function maxId(func: Func): number {
  let max = -1;
  const visit = (nodes: readonly Node[]) => {
    for (const n of nodes) {
      max = Math.max(max, n.id);
      for (const r of n.regions ?? []) {
        visit(r.params);
        visit(r.body);
      }
    }
  };
  visit(func.body);
  return max;
}
