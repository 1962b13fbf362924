import { error, type Diagnostic } from "../../grammar/diagnostics.js";
import { formatLocation, type Span } from "../../grammar/span.js";
import { getOpSpec } from "../ir/ops/index.js";
import type { Node } from "../ir/types.js";
import { PASS_CODES } from "../passes/codes.js";

/**
 * Every node on a gradient path that autodiff cannot differentiate: repeat stacks (loops are the
 * next round's work) and ops without a gradient rule. Reported up front, all of them, so that no
 * partial backward is ever built. Nodes of one op from one `.gnn` span are reported once.
 */
export function checkGradientPaths(body: readonly Node[], onPath: ReadonlySet<number>, lossName: string, fallback: Span): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const seen = new Set<string>();
  for (const n of body) {
    if (!onPath.has(n.id) || n.op === "s.param") continue;
    const where = n.span ? formatLocation(n.span) : "no source location";
    const key = `${n.op}@${where}`;
    if (seen.has(key)) continue;
    if (n.op === "s.loop") {
      seen.add(key);
      diagnostics.push(
        error(
          PASS_CODES.loopOnGradientPath.code,
          `autodiff through repeat stacks is not supported yet: loss \`${lossName}\` needs gradients through the stack at ${where} (%${n.id} = s.loop)`,
          n.span ?? fallback,
          {
            help:
              "gradients through `repeat`/`reversible`/`equilibrium` stacks are not implemented yet, so a model with one cannot be trained; " +
              "a direct use of the autodiff pass may select only parameters after the stack",
          },
        ),
      );
      continue;
    }
    if (!getOpSpec(n.op)?.vjp) {
      seen.add(key);
      diagnostics.push(
        error(
          PASS_CODES.noGradientRule.code,
          `cannot differentiate \`${n.op}\` at ${where} (%${n.id}): the op has no gradient rule, and loss \`${lossName}\` needs gradients through it`,
          n.span ?? fallback,
          { help: "leave the parameters that feed it out of `wrt`, or give the op a vjp in the op spec table" },
        ),
      );
    }
  }
  return diagnostics;
}
