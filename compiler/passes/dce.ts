import { getOpSpec } from "../ir/ops/index.js";
import type { Func, Node } from "../ir/types.js";
import { mapFuncs, rebuildNode, rebuildRegion } from "../ir/walk.js";
import type { Pass } from "./pass.js";

/**
 * Dead-code elimination: keep a node only if a function result depends on it, or if it has an
 * effect (an impure op, an op missing from the spec table, or a region containing either).
 * Inside a live node's regions the same rule applies from the region's results. Region
 * parameters are positional and always kept. Nodes are dropped, never renumbered.
 */
export const dce: Pass<Record<string, never>> = {
  name: "dce",
  description: "Remove nodes that no function result depends on (nodes with effects are kept).",
  options: {},
  provides: ["no-dead-code"],
  run(module, ctx) {
    let removed = 0;
    const out = mapFuncs(module, (func) => {
      const r = dceFunc(func);
      if (r.removed) ctx.log(`dce: ${func.name}: removed ${r.removed} node(s)`);
      removed += r.removed;
      return r.func;
    });
    return { module: out, changed: removed > 0, diagnostics: [] };
  },
};

function dceFunc(func: Func): { func: Func; removed: number } {
  const live = new Set<number>(func.results);
  markLive(func.body, live);
  let removed = 0;
  const prune = (nodes: readonly Node[]): Node[] => {
    const kept: Node[] = [];
    for (const n of nodes) {
      if (!live.has(n.id)) {
        removed += 1 + nestedCount(n);
        continue;
      }
      const regions = n.regions?.map((r) => rebuildRegion(r, prune(r.body), r.results));
      kept.push(rebuildNode(n, n.inputs, regions));
    }
    return kept;
  };
  const body = prune(func.body);
  return removed === 0 ? { func, removed } : { func: { ...func, body }, removed };
}

/**
 * One backward sweep per body. Values a region uses from outside are defined before the node
 * that owns the region, so sweeping the region when its owner is reached marks them in time.
 */
function markLive(body: readonly Node[], live: Set<number>): void {
  for (let i = body.length - 1; i >= 0; i--) {
    const n = body[i];
    if (!live.has(n.id) && !hasEffects(n)) continue;
    live.add(n.id);
    for (const input of n.inputs) live.add(input);
    for (const r of n.regions ?? []) {
      for (const res of r.results) live.add(res);
      markLive(r.body, live);
    }
  }
}

function hasEffects(n: Node): boolean {
  const spec = getOpSpec(n.op);
  if (!spec || !spec.pure) return true;
  return (n.regions ?? []).some((r) => r.body.some(hasEffects));
}

function nestedCount(n: Node): number {
  let count = 0;
  for (const r of n.regions ?? []) {
    count += r.params.length + r.body.length;
    for (const b of r.body) count += nestedCount(b);
  }
  return count;
}
