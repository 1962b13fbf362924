import { error, type Diagnostic } from "../../grammar/diagnostics.js";
import { formatLocation, type Span } from "../../grammar/span.js";
import { getOpSpec } from "../ir/ops/index.js";
import type { Node } from "../ir/types.js";
import { AUTODIFF_CODES } from "./codes.js";
import { freeValues } from "../ir/reads.js";
import { activeIn } from "./sweep.js";
import { loopOf, paramName } from "../ir/struct-views.js";

/**
 * Every node on a gradient path that autodiff cannot differentiate, blocks of stacks included:
 * ops without a gradient rule, a `repeat` stack nested in another stack, a loop carrying several
 * values. Reported up front, all of them, so that no partial backward is ever built. Nodes of one
 * op from one `.gnn` span are reported once.
 */
export function checkGradientPaths(body: readonly Node[], onPath: ReadonlySet<number>, lossName: string, fallback: Span): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const seen = new Set<string>();
  const report = (n: Node, code: string, message: string, help: string) => {
    const where = n.span ? formatLocation(n.span) : "no source location";
    const key = `${n.op}@${where}`;
    if (seen.has(key)) return;
    seen.add(key);
    diagnostics.push(error(code, message.replace("{where}", `${where} (%${n.id})`), n.span ?? fallback, { help }));
  };

  const check = (n: Node, nested: boolean, isActive: (id: number) => boolean) => {
    if (paramName(n) !== undefined) return;
    if (getOpSpec(n.op)?.trip !== undefined) {
      if (n.inputs.length !== 1) {
        report(n, AUTODIFF_CODES.unsupportedStack.code, `cannot differentiate the loop at {where}: it carries ${n.inputs.length} values`, "autodiff supports loops that carry one value");
        return;
      }
      if (nested && loopOf(n)?.mode === "repeat") {
        report(
          n,
          AUTODIFF_CODES.unsupportedStack.code,
          `cannot differentiate the repeat stack at {where}: it is nested inside another stack, and loss \`${lossName}\` needs gradients through it`,
          "autodiff stores a repeat stack's block inputs at the top level only; use a reversible or equilibrium stack inside, or unnest it",
        );
        return;
      }
      for (const r of n.regions ?? []) {
        const roots = new Set([...r.params.map((p) => p.id), ...[...freeValues(r)].filter(isActive)]);
        const inner = activeIn(r.body, roots);
        for (const m of r.body) if (inner(m.id)) check(m, true, inner);
      }
      return;
    }
    if (!getOpSpec(n.op)?.vjp) {
      report(
        n,
        AUTODIFF_CODES.noGradientRule.code,
        `cannot differentiate \`${n.op}\` at {where}: the op has no gradient rule, and loss \`${lossName}\` needs gradients through it`,
        "leave the parameters that feed it out of `wrt`, or give the op a vjp in the op spec table",
      );
    }
  };
  const isOnPath = (id: number) => onPath.has(id);
  for (const n of body) if (onPath.has(n.id)) check(n, false, isOnPath);
  return diagnostics;
}
