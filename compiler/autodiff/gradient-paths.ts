import { getOpSpec } from "../ir/ops/index.js";
import { isFloatDType } from "../ir/type-utils.js";
import type { Node } from "../ir/types.js";
import { dependenciesOf } from "../ir/reads.js";
import { paramName } from "../ir/struct-views.js";

/**
 * Which top-level values lie on a gradient path from selected parameters to one loss. A value is
 * *active* when it depends differentiably on a selected parameter (float tensors only; stop_gradient
 * and non-differentiable ops cut the flow); it is *needed* when the loss depends on it. The
 * backward differentiates exactly the nodes that are both, so nothing dead is emitted.
 */
export interface GradientPaths {
  /** Ids of the values that are active and needed. */
  readonly onPath: ReadonlySet<number>;
}

export function gradientPaths(body: readonly Node[], loss: number, selectedParams: ReadonlySet<string>): GradientPaths {
  const active = activeValues(body, selectedParams);
  const needed = neededBy(body, loss);
  const onPath = new Set<number>();
  for (const id of active) if (needed.has(id)) onPath.add(id);
  return { onPath };
}

function carriesGradient(n: Node): boolean {
  return n.type.kind === "tensor" && isFloatDType(n.type.dtype);
}

function activeValues(body: readonly Node[], selected: ReadonlySet<string>): Set<number> {
  const active = new Set<number>();
  for (const n of body) {
    if (!carriesGradient(n)) continue;
    const param = paramName(n);
    if (param !== undefined) {
      if (selected.has(param)) active.add(n.id);
      continue;
    }
    if (getOpSpec(n.op)?.nondifferentiable) continue;
    if (dependenciesOf(n).some((d) => active.has(d))) active.add(n.id);
  }
  return active;
}

function neededBy(body: readonly Node[], loss: number): Set<number> {
  const needed = new Set<number>([loss]);
  for (let i = body.length - 1; i >= 0; i--) {
    const n = body[i];
    if (!needed.has(n.id)) continue;
    for (const d of dependenciesOf(n)) needed.add(d);
  }
  return needed;
}
