import { getOpSpec } from "./ops/index.js";
import type { Region } from "./types.js";

/**
 * Which carried values of a loop region are *update chains*: the region param is read exactly
 * once, as operand 0 of an in-place op (OpSpec.inPlace) that is the region's result at the same
 * position (`acc' = t.slice_add(acc, v, i)`, `stash' = t.scatter_slice(stash, h, i)`). Such a value can
 * live in one buffer for the whole loop, updated in place: the interpreter copies the initial
 * value once and lets the op overwrite it, as a device's memory plan would.
 *
 * Returns one flag per region param (the index param is never a chain).
 */
export function updateChains(region: Region): boolean[] {
  const uses = new Map<number, number>();
  const count = (id: number) => uses.set(id, (uses.get(id) ?? 0) + 1);
  const visit = (r: Region) => {
    for (const n of r.body) {
      n.inputs.forEach(count);
      for (const inner of n.regions ?? []) visit(inner);
    }
    r.results.forEach(count);
  };
  visit(region);
  return region.params.map((p, k) => {
    if (k === 0 || uses.get(p.id) !== 1) return false;
    const result = region.body.find((n) => n.id === region.results[k - 1]);
    return result !== undefined && getOpSpec(result.op)?.inPlace === true && result.inputs[0] === p.id;
  });
}
