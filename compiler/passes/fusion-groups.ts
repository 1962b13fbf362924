import { FUSABLE_OPS, INDEXED_OPS } from "../ir/ops/fused.js";
import { dependenciesOf } from "../ir/reads.js";
import { typesEqual } from "../ir/type-utils.js";
import type { Node } from "../ir/types.js";

/**
 * Which elementwise nodes of one body fuse into which group (see fuse-elementwise.ts).
 *
 * A group grows backwards from a root (the node whose value leaves the group) through producers,
 * and takes a producer only when every read of its value comes from the group — so no fused value
 * is needed anywhere else, and nothing is computed twice — and the value is not a result of the
 * body. Producers are considered from the latest to the earliest: by the time a producer is
 * considered, every group member that could read it has already joined, so "all its readers are
 * members" is decided on the final membership.
 */

export interface FusionGroup {
  /** Member nodes in body order; the last is the root. */
  members: readonly Node[];
  /** Values the members read from outside the group, distinct, in order of first read. */
  operands: readonly number[];
}

/** Whether a node may be a group member at all (the op, and one tensor result). */
function fusable(n: Node): boolean {
  return FUSABLE_OPS.has(n.op) && n.type.kind === "tensor" && !n.regions?.length;
}

/**
 * The groups of at least two members in `body`, whose values escape through `results`. A group
 * reads at most `maxOperands` distinct outside values (a kernel binds each, plus its output).
 */
export function fusionGroups(body: readonly Node[], results: readonly number[], maxOperands: number): FusionGroup[] {
  const position = new Map(body.map((n, i) => [n.id, i]));
  // Readers by value: positions of the nodes of this body that read it (a region's reads count as its owner's).
  const readers = new Map<number, number[]>();
  body.forEach((n, i) => {
    for (const d of dependenciesOf(n)) {
      if (!position.has(d)) continue;
      const list = readers.get(d);
      if (list) list.push(i);
      else readers.set(d, [i]);
    }
  });
  const escapes = new Set(results);
  const taken = new Set<number>();
  const groups: FusionGroup[] = [];

  const grow = (root: number): Set<number> => {
    const members = new Set([root]);
    const operands = new Set(body[root].inputs);
    const candidates = new Set<number>();
    const offer = (n: Node) => {
      for (const id of n.inputs) {
        const j = position.get(id);
        if (j !== undefined && !taken.has(j) && fusable(body[j])) candidates.add(j);
      }
    };
    offer(body[root]);
    while (candidates.size) {
      const j = Math.max(...candidates);
      candidates.delete(j);
      const p = body[j];
      if (escapes.has(p.id) || !readers.get(p.id)!.every((r) => members.has(r))) continue;
      // Dropout draws by its own flat index: it joins only where that is the output's index.
      if (INDEXED_OPS.has(p.op) && !typesEqual(p.type, body[root].type)) continue;
      const added = p.inputs.filter((id) => !operands.has(id));
      if (operands.size - 1 + new Set(added).size > maxOperands) continue;
      members.add(j);
      operands.delete(p.id);
      for (const id of added) operands.add(id);
      offer(p);
    }
    return members;
  };

  for (let i = body.length - 1; i >= 0; i--) {
    if (taken.has(i) || !fusable(body[i])) continue;
    const members = grow(i);
    if (members.size < 2) continue;
    for (const j of members) taken.add(j);
    const nodes = [...members].sort((a, b) => a - b).map((j) => body[j]);
    const inside = new Set(nodes.map((n) => n.id));
    const operands = [...new Set(nodes.flatMap((n) => n.inputs.filter((id) => !inside.has(id))))];
    groups.push({ members: nodes, operands });
  }
  return groups.reverse();
}
