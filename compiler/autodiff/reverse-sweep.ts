import { getOpSpec } from "../ir/ops/index.js";
import { formatType, typesEqual } from "../ir/type-utils.js";
import type { Node } from "../ir/types.js";
import type { BackwardBuilder } from "./backward-builder.js";

/** A gradient rule broke its contract (ill-typed IR, a gradient of the wrong type, a throw). */
export class GradientRuleError extends Error {
  constructor(
    readonly node: Node,
    detail: string,
  ) {
    super(`the gradient rule of \`${node.op}\` (%${node.id}): ${detail}`);
  }
}

/**
 * One loss's reverse sweep over the top-level body: seed dL/dL = 1, walk the nodes on the gradient
 * path from last to first, sum each value's cotangent contributions (one per use) with `t.add`, and
 * apply the op's VJP. Returns each reached parameter's gradient. Paths must have been checked
 * (`checkGradientPaths`): every node reached here is a parameter or has a `vjp`.
 */
export function reverseSweep(
  body: readonly Node[],
  loss: Node,
  onPath: ReadonlySet<number>,
  b: BackwardBuilder,
): Map<string, number> {
  const contributions = new Map<number, number[]>();
  const grads = new Map<string, number>();
  if (!onPath.has(loss.id)) return grads;
  contributions.set(loss.id, [b.at(loss.span).emit("t.const", [], { value: 1, dtype: "f32" })]);

  for (let i = body.length - 1; i >= 0; i--) {
    const node = body[i];
    const parts = contributions.get(node.id);
    if (!parts || !onPath.has(node.id)) continue;
    contributions.delete(node.id);
    b.at(node.span);
    const cotangent = sum(b, parts);
    if (node.op === "s.param") {
      // The same parameter may be read by several s.param nodes: their gradients add.
      const name = String(node.attrs.name);
      const earlier = grads.get(name);
      grads.set(name, earlier === undefined ? cotangent : b.emit("t.add", [earlier, cotangent]));
      continue;
    }
    const inputGrads = applyVjp(b, node, cotangent);
    node.inputs.forEach((input, k) => {
      const g = inputGrads[k];
      if (g === undefined || !onPath.has(input)) return;
      const want = b.typeOf(input);
      const got = b.typeOf(g);
      if (!typesEqual(want, got)) {
        throw new GradientRuleError(node, `the gradient of operand ${k} is ${formatType(got)}, but the operand is ${formatType(want)}`);
      }
      const list = contributions.get(input);
      if (list) list.push(g);
      else contributions.set(input, [g]);
    });
  }
  return grads;
}

function applyVjp(b: BackwardBuilder, node: Node, cotangent: number): readonly (number | undefined)[] {
  const spec = getOpSpec(node.op);
  if (!spec?.vjp) throw new GradientRuleError(node, "the op has no gradient rule (paths were not checked)");
  let grads: readonly (number | undefined)[];
  try {
    grads = spec.vjp(b, { node, output: node.id, cotangent });
  } catch (e) {
    throw new GradientRuleError(node, (e as Error).message);
  }
  // Entries past the operands are tolerated only when empty (a rule written for an optional operand).
  if (grads.slice(node.inputs.length).some((g) => g !== undefined)) {
    throw new GradientRuleError(node, `it returned ${grads.length} gradient(s) for ${node.inputs.length} operand(s)`);
  }
  return grads;
}

/** Left-to-right sum of a value's cotangent contributions. */
function sum(b: BackwardBuilder, parts: readonly number[]): number {
  let acc = parts[0];
  for (let k = 1; k < parts.length; k++) acc = b.emit("t.add", [acc, parts[k]]);
  return acc;
}
