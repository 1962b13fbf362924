import { error } from "../../grammar/diagnostics.js";
import { maxId } from "../ir/reads.js";
import type { Func, Node, Region, Type } from "../ir/types.js";
import { PASS_CODES } from "./codes.js";
import { fusionGroups, type FusionGroup } from "./fusion-groups.js";
import { mapFuncs, nodesById, rebuildNode } from "../ir/walk.js";
import type { Pass } from "./pass.js";
import { placeholderSpan } from "../../grammar/span.js";

/**
 * Elementwise fusion: each maximal group of elementwise nodes (see fusion-groups.ts) becomes one
 * `t.fused` node whose region holds the group — one GPU kernel instead of one per op, and no
 * buffers for the values between them. The fused node takes the root's id, so later reads are
 * unchanged; the other members move into the region with their ids. Values are unchanged bit for
 * bit (the region runs the same ops). Every body is fused on its own, loop bodies included;
 * nothing crosses a region boundary. Run it after autodiff (t.fused has no gradient rule).
 */

/** A kernel binds at most 8 storage buffers (the WebGPU default); the output takes one. */
const MAX_OPERANDS = 7;

export const fuseElementwise: Pass<{ max_operands: number }> = {
  name: "fuse-elementwise",
  description: "Merge chains of elementwise ops (arithmetic, activations, dropout) into t.fused nodes: one kernel each, no intermediate buffers.",
  options: {
    max_operands: {
      kind: "int",
      default: MAX_OPERANDS,
      doc: `most distinct values one fused node reads (1–${MAX_OPERANDS}: a kernel binds each, plus its output, within 8 storage buffers)`,
    },
  },
  run(module, ctx, options) {
    const limit = options.max_operands;
    if (!(limit >= 1 && limit <= MAX_OPERANDS)) {
      const message = `fuse-elementwise: max_operands must be from 1 to ${MAX_OPERANDS}, got ${limit}`;
      return { module, changed: false, diagnostics: [error(PASS_CODES.badOptionValue.code, message, ctx.span ?? module.span ?? placeholderSpan())] };
    }
    let fused = 0;
    const out = mapFuncs(module, (func) => {
      const r = fuseFunc(func, limit);
      if (r.groups) ctx.log(`fuse-elementwise: ${func.name}: ${r.groups} group(s) replace ${r.members} node(s)`);
      fused += r.groups;
      return r.func;
    });
    return { module: out, changed: fused > 0, diagnostics: [] };
  },
};

function fuseFunc(func: Func, limit: number): { func: Func; groups: number; members: number } {
  const types = new Map<number, Type>([...nodesById(func)].map(([id, n]) => [id, n.type]));
  let nextId = maxId(func) + 1;
  let groups = 0;
  let members = 0;

  const fuseBody = (body: readonly Node[], results: readonly number[]): Node[] => {
    // Inner bodies first (a fused node's own region is already fused).
    const inner = body.map((n) =>
      n.regions?.length && n.op !== "t.fused" ? rebuildNode(n, n.inputs, n.regions.map((r) => fuseRegion(r))) : n,
    );
    const found = fusionGroups(inner, results, limit);
    if (found.length === 0) return inner;
    const byRoot = new Map(found.map((g) => [g.members[g.members.length - 1].id, g]));
    const moved = new Set(found.flatMap((g) => g.members.map((m) => m.id)));
    groups += found.length;
    members += moved.size;
    return inner.flatMap((n) => {
      const g = byRoot.get(n.id);
      if (g) return [fusedNode(g)];
      return moved.has(n.id) ? [] : [n];
    });
  };

  const fuseRegion = (r: Region): Region => {
    const body = fuseBody(r.body, r.results);
    return body.length === r.body.length && body.every((n, i) => n === r.body[i]) ? r : { ...r, body };
  };

  /** The group as one node with the root's id; the root moves into the region under a fresh id. */
  const fusedNode = (g: FusionGroup): Node => {
    const root = g.members[g.members.length - 1];
    const rename = new Map<number, number>();
    const params: Node[] = g.operands.map((id, index) => {
      const p: Node = Object.freeze({ id: nextId++, op: "s.arg", type: types.get(id)!, inputs: [], attrs: { index }, span: root.span });
      rename.set(id, p.id);
      return p;
    });
    rename.set(root.id, nextId++);
    const body = g.members.map((m) =>
      Object.freeze({ ...m, id: rename.get(m.id) ?? m.id, inputs: m.inputs.map((id) => rename.get(id) ?? id) }),
    );
    const region: Region = { params, body, results: [rename.get(root.id)!] };
    return Object.freeze({ id: root.id, op: "t.fused", type: root.type, inputs: g.operands, attrs: {}, span: root.span, regions: [region] });
  };

  const body = fuseBody(func.body, func.results);
  return groups ? { func: { ...func, body }, groups, members } : { func, groups, members };
}
