import { getOpSpec } from "../ir/ops/index.js";
import { formatType, isFloatDType, typesEqual } from "../ir/type-utils.js";
import type { FuncBuilder } from "../ir/builder.js";
import { dependenciesOf } from "../ir/reads.js";
import type { Node } from "../ir/types.js";
import { sum, type Backward } from "./backward.js";
import { Stashes } from "./stash.js";
import { stackVjpOf } from "./stack-vjp.js";
import { paramName } from "../ir/struct-views.js";

/** A gradient rule broke its contract (ill-typed IR, a gradient of the wrong type, a throw). */
export class GradientRuleError extends Error {
  constructor(
    readonly node: Node,
    detail: string,
  ) {
    super(`the gradient rule of \`${node.op}\` (%${node.id}): ${detail}`);
  }
}

/** Which values of `nodes` depend differentiably on a root (float tensors only; non-differentiable ops cut the flow). */
export function activeIn(nodes: readonly Node[], roots: ReadonlySet<number>): (id: number) => boolean {
  const active = new Set<number>();
  const isActive = (id: number) => roots.has(id) || active.has(id);
  for (const n of nodes) {
    if (paramName(n) !== undefined || !(n.type.kind === "tensor" && isFloatDType(n.type.dtype))) continue;
    if (getOpSpec(n.op)?.nondifferentiable) continue;
    if (dependenciesOf(n).some(isActive)) active.add(n.id);
  }
  return isActive;
}

/** The backward of the function `b` appends to: fresh stashes, and the sweep below. */
export function backwardOf(b: FuncBuilder): Backward {
  const bw: Backward = { b, stashes: new Stashes(b), sweep: (nodes, seeds, roots) => sweep(bw, nodes, seeds, roots) };
  return bw;
}

/**
 * Reverse-mode sweep over a list of nodes (a function's body, or a region body re-emitted by a
 * loop's backward): start from the `seeds` (value id → cotangent id), walk the nodes from last to
 * first, sum each value's cotangent contributions (one per use) with `t.add`, and apply the op's
 * gradient rule — or, for a stack (`s.loop`, `s.reversible`), the stack's own backward.
 *
 * `roots` are the values gradients are wanted for: `s.param` nodes of the list, or values defined
 * outside it (a region's captured values). Returns each reached root's summed cotangent.
 */
function sweep(bw: Backward, nodes: readonly Node[], seeds: ReadonlyMap<number, number>, roots: ReadonlySet<number>): Map<number, number> {
  const b = bw.b;
  const isActive = activeIn(nodes, roots);
  const contributions = new Map<number, number[]>();
  const add = (id: number, g: number) => {
    const list = contributions.get(id);
    if (list) list.push(g);
    else contributions.set(id, [g]);
  };
  for (const [id, g] of seeds) if (isActive(id)) add(id, g);

  const reached = new Map<number, number>();
  for (let i = nodes.length - 1; i >= 0; i--) {
    const node = nodes[i];
    const parts = contributions.get(node.id);
    if (!parts) continue;
    contributions.delete(node.id);
    b.at(node.span);
    const cotangent = sum(b, parts);
    if (paramName(node) !== undefined) {
      reached.set(node.id, cotangent);
      continue;
    }
    for (const [input, g] of inputGradients(bw, node, cotangent, isActive)) {
      if (!isActive(input)) continue;
      const want = b.typeOf(input);
      const got = b.typeOf(g);
      if (!typesEqual(want, got)) {
        throw new GradientRuleError(node, `the gradient for %${input} is ${formatType(got)}, but the value is ${formatType(want)}`);
      }
      add(input, g);
    }
  }
  // What is left reached values defined outside the list.
  for (const [id, parts] of contributions) reached.set(id, sum(b, parts));
  return reached;
}

/** The gradient contributions a node sends to the values it reads. */
function inputGradients(bw: Backward, node: Node, cotangent: number, isActive: (id: number) => boolean): [number, number][] {
  try {
    const stackVjp = stackVjpOf(node);
    if (stackVjp) return [...stackVjp(bw, node, cotangent, isActive)];
  } catch (e) {
    if (e instanceof GradientRuleError) throw e;
    throw new GradientRuleError(node, (e as Error).message);
  }
  const spec = getOpSpec(node.op);
  if (!spec?.vjp) throw new GradientRuleError(node, "the op has no gradient rule (paths were not checked)");
  let grads: readonly (number | undefined)[];
  try {
    grads = spec.vjp(bw.b, { node, output: node.id, cotangent });
  } catch (e) {
    throw new GradientRuleError(node, (e as Error).message);
  }
  // Entries past the operands are tolerated only when empty (a rule written for an optional operand).
  if (grads.slice(node.inputs.length).some((g) => g !== undefined)) {
    throw new GradientRuleError(node, `it returned ${grads.length} gradient(s) for ${node.inputs.length} operand(s)`);
  }
  const out: [number, number][] = [];
  node.inputs.forEach((input, k) => {
    const g = grads[k];
    if (g !== undefined) out.push([input, g]);
  });
  return out;
}
