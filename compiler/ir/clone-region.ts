import type { FuncBuilder } from "./builder.js";
import type { Node, Region } from "./types.js";

/** A region's body re-emitted into a builder: its nodes (fresh ids) and where its results went. */
export interface Clone {
  readonly nodes: readonly Node[];
  readonly results: readonly number[];
}

/**
 * Re-emit `region`'s body into the builder's innermost open body, with its params bound to `args`
 * and every node given a fresh id; values from outside the region keep their ids. A loop's
 * backward uses it to recompute a block locally before differentiating the clone's nodes; the
 * reversible expansion uses it to inline a stack's blocks. Nested regions are cloned with fresh
 * ids too.
 */
export function cloneRegion(b: FuncBuilder, region: Region, args: readonly number[]): Clone {
  if (args.length !== region.params.length) throw new Error(`clone: the region takes ${region.params.length} values, got ${args.length}`);
  const rename = new Map<number, number>(region.params.map((p, k) => [p.id, args[k]]));
  const nodes = region.body.map((n) => copyNode(b, n, rename));
  nodes.forEach((n) => b.append(n));
  return { nodes, results: region.results.map((id) => rename.get(id) ?? id) };
}

function copyNode(b: FuncBuilder, n: Node, rename: Map<number, number>): Node {
  const regions = n.regions?.map((r) => copyRegion(b, r, rename));
  const id = b.fresh(n.type);
  rename.set(n.id, id);
  return { ...n, id, inputs: n.inputs.map((i) => rename.get(i) ?? i), ...(regions ? { regions } : {}) };
}

function copyRegion(b: FuncBuilder, r: Region, rename: Map<number, number>): Region {
  const params = r.params.map((p) => {
    const id = b.fresh(p.type);
    rename.set(p.id, id);
    return Object.freeze({ ...p, id });
  });
  const body = r.body.map((n) => Object.freeze(copyNode(b, n, rename)));
  return { params, body, results: r.results.map((id) => rename.get(id) ?? id) };
}
