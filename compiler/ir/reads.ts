import type { Func, Node, Region } from "./types.js";

/**
 * What a node reads: its inputs, plus the outer values its regions use (a loop body reads the
 * stacked parameters from outside). Passes that reason about one body at a time (autodiff,
 * liveness) count a region's free values as its owner's reads.
 */
export function dependenciesOf(node: Node): number[] {
  if (!node.regions?.length) return [...node.inputs];
  const deps = new Set(node.inputs);
  for (const r of node.regions) for (const id of freeValues(r)) deps.add(id);
  return [...deps];
}

/** Ids a region uses but does not define (its params and body define the rest). */
export function freeValues(region: Region): Set<number> {
  const defined = new Set<number>();
  const free = new Set<number>();
  const visit = (r: Region) => {
    for (const p of r.params) defined.add(p.id);
    for (const n of r.body) {
      for (const i of n.inputs) if (!defined.has(i)) free.add(i);
      for (const inner of n.regions ?? []) visit(inner);
      defined.add(n.id);
    }
    for (const id of r.results) if (!defined.has(id)) free.add(id);
  };
  visit(region);
  for (const id of defined) free.delete(id);
  return free;
}

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
