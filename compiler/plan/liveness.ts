import { dependenciesOf } from "../ir/reads.js";
import type { Node } from "../ir/types.js";

/**
 * When each value of a body dies: the index of the node after which nothing reads it. A node
 * reads its inputs and whatever its regions read from outside (a loop body's captured values stay
 * alive until the loop finishes). Results of the body never die inside it; a value nobody reads
 * dies right after it is made. Region params are listed too (they die inside the region).
 *
 * Shared by the memory plan (predicted peak) and the reference interpreter (which frees values at
 * these points and measures its peak), so the two agree by construction of the same rule.
 */
export function deathsAfter(params: readonly Node[], body: readonly Node[], results: readonly number[]): (readonly number[])[] {
  const last = new Map<number, number>();
  for (const p of params) last.set(p.id, -1);
  body.forEach((n, i) => {
    last.set(n.id, i);
    for (const id of dependenciesOf(n)) if (last.has(id)) last.set(id, i);
  });
  for (const id of results) last.delete(id);
  const deaths: number[][] = body.map(() => []);
  for (const [id, i] of last) deaths[Math.max(i, 0)]?.push(id);
  return deaths;
}
