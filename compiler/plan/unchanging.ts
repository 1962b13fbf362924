import { getOpSpec } from "../ir/ops/index.js";
import { dependenciesOf } from "../ir/reads.js";
import type { Node } from "../ir/types.js";
import { inputName, paramName } from "../ir/struct-views.js";

/**
 * The top-level nodes of a body whose values are the same on every call, given the names of the
 * inputs that never change (the features, the graph): inputs among those, and pure ops reading
 * only such nodes. A trainer computes them once — GCN normalisation, propagated features — on the
 * host for the GPU, and memoised on the reference device.
 */
export function unchangingNodes(body: readonly Node[], unchangingInputs: ReadonlySet<string>): Set<number> {
  const found = new Set<number>();
  for (const n of body) {
    const input = inputName(n);
    const fixed =
      input !== undefined
        ? unchangingInputs.has(input)
        : paramName(n) === undefined && getOpSpec(n.op)?.pure === true && dependenciesOf(n).every((d) => found.has(d));
    if (fixed) found.add(n.id);
  }
  return found;
}

/** Of those, the computed ones (not the inputs themselves): what a trainer evaluates once up front. */
export function computedOnce(body: readonly Node[], unchangingInputs: ReadonlySet<string>): number[] {
  const fixed = unchangingNodes(body, unchangingInputs);
  return body.filter((n) => fixed.has(n.id) && inputName(n) === undefined).map((n) => n.id);
}
