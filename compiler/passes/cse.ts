import { withDefaults } from "../ir/builder.js";
import { getOpSpec } from "../ir/ops/index.js";
import type { Func, Node, Region } from "../ir/types.js";
import { mapFuncs, rebuildNode, rebuildRegion } from "../ir/walk.js";
import type { Pass } from "./pass.js";
import { canonicalKey } from "../ir/canonical-key.js";

/**
 * Common-subexpression elimination. Two nodes merge when their op is pure and they have the same
 * op, attrs, inputs (after earlier merges) and type; the later one is replaced by the earlier.
 *
 * Scoping follows regions: a node inside a region may reuse an equal value computed outside (that
 * value is already visible there and, the op being pure, equal on every entry), but nothing is
 * hoisted out of a region, sibling regions never share values, and a region's results stay
 * defined inside it. Leaves are ordinary pure ops
 * here, so `s.input`/`s.param` merge only with the same name (it is an attr); region parameters
 * (`s.arg`) and nodes that carry regions are never merged.
 */
export const cse: Pass<Record<string, never>> = {
  name: "cse",
  description: "Merge pure nodes that compute the same value (same op, attrs, inputs and type).",
  options: {},
  run(module, ctx) {
    let merged = 0;
    const out = mapFuncs(module, (func) => {
      const r = cseFunc(func);
      if (r.merged) ctx.log(`cse: ${func.name}: merged ${r.merged} node(s)`);
      merged += r.merged;
      return r.func;
    });
    return { module: out, changed: merged > 0, diagnostics: [] };
  },
};

/**
 * A hash-consing table that sees its enclosing regions' entries but does not leak its own.
 * `results` are the ids the region yields: they must stay defined inside it (structural ops such as
 * `s.loop` require that), so they are never replaced by a value from an enclosing scope.
 */
class Scope {
  private readonly table = new Map<string, number>();
  constructor(
    private readonly parent?: Scope,
    readonly results: ReadonlySet<number> = new Set(),
  ) {}
  find(key: string, id: number): number | undefined {
    const own = this.table.get(key);
    if (own !== undefined || this.results.has(id)) return own;
    return this.parent?.find(key, id);
  }
  add(key: string, id: number): void {
    this.table.set(key, id);
  }
}

function cseFunc(func: Func): { func: Func; merged: number } {
  // Ids are unique across a function, regions included, so one map serves every scope.
  const replacement = new Map<number, number>();
  const rename = (id: number) => replacement.get(id) ?? id;

  const visitBody = (nodes: readonly Node[], scope: Scope): Node[] => {
    const kept: Node[] = [];
    for (const n of nodes) {
      const regions = n.regions?.map((r) => visitRegion(r, scope));
      const node = rebuildNode(n, n.inputs.map(rename), regions);
      const key = mergeKey(node);
      if (key !== undefined) {
        const earlier = scope.find(key, node.id);
        if (earlier !== undefined) {
          replacement.set(node.id, earlier);
          continue;
        }
        scope.add(key, node.id);
      }
      kept.push(node);
    }
    return kept;
  };
  const visitRegion = (r: Region, outer: Scope): Region => {
    const body = visitBody(r.body, new Scope(outer, new Set(r.results)));
    return rebuildRegion(r, body, r.results.map(rename));
  };

  const body = visitBody(func.body, new Scope());
  if (replacement.size === 0) return { func, merged: 0 };
  return { func: { ...func, body, results: func.results.map(rename) }, merged: replacement.size };
}

/** The identity of the value a node computes, or undefined when it must not be merged. */
function mergeKey(node: Node): string | undefined {
  if (node.regions && node.regions.length > 0) return undefined;
  const spec = getOpSpec(node.op);
  if (!spec || !spec.pure) return undefined; // region params (s.arg) among them
  // Defaults filled in, so that an attr spelled out and the same attr left to its default compare equal.
  return canonicalKey([node.op, node.type, node.inputs, withDefaults(node.op, node.attrs)]);
}
