import { maxId } from "../ir/reads.js";
import { evalDim } from "../ir/dims.js";
import { dependenciesOf } from "../ir/reads.js";
import { getOpSpec } from "../ir/ops/index.js";
import { inputName, paramName } from "../ir/struct-views.js";
import type { Func, Node, Region, TensorType } from "../ir/types.js";
import { mapFuncs, nodesById, rebuildRegion } from "../ir/walk.js";
import type { Pass } from "./pass.js";

/**
 * `transform-first`: rewrite `t.matmul(g.spmm(G, x), W)` into `g.spmm(G, t.matmul(x, W))` when
 * the matmul narrows the channels (out < in). Sum and mean aggregation are linear in x, so the
 * result is the same up to rounding, and the graph aggregation — the costly part on a sparse
 * graph — moves `out` channels instead of `in`; over mostly-zero features the matmul visits
 * only the nonzeros, and no dense aggregate of the features is ever formed (Coauthor CS's
 * 6,805 features × 18,333 nodes). GCN layers are already written transform-first; SAGE's
 * neighbour branch is not.
 *
 * Applies only where the aggregate has the matmul as its one reader, is a sum or mean with no
 * weights or one weight per edge, and aggregates an input or a value that changes from step to
 * step (depends on a parameter or an rng key). Left alone: aggregates of values computed from
 * data alone (SGC's Âᴷx, propagated once per run — that precomputation is the model's point).
 * An aggregate of a raw input is moved even though it too could be computed once: kept, it is a
 * dense N × in matrix that every step multiplies in full (499 MB for Coauthor CS); moved, the
 * transform visits the input's nonzeros and the aggregation `out` channels.
 * Run it on the forward, before autodiff: the backward then follows the cheaper order too.
 */
export const transformFirst: Pass<Record<string, never>> = {
  name: "transform-first",
  description: "Aggregate after the linear transform when it narrows the channels: matmul(spmm(G, x), W) → spmm(G, matmul(x, W)) (sum/mean; same result up to rounding).",
  options: {},
  run(module, ctx) {
    let rewrites = 0;
    const out = mapFuncs(module, (func) => {
      const r = rewriteFunc(func, module.symbols);
      if (r.count) ctx.log(`transform-first: ${func.name}: ${r.count} aggregation(s) moved after their transform`);
      rewrites += r.count;
      return r.func;
    });
    return { module: out, changed: rewrites > 0, diagnostics: [] };
  },
};

function rewriteFunc(func: Func, symbols: Readonly<Record<string, number>>): { func: Func; count: number } {
  const byId = nodesById(func);
  const readers = new Map<number, number>();
  const count = (id: number) => readers.set(id, (readers.get(id) ?? 0) + 1);
  for (const n of byId.values()) {
    n.inputs.forEach(count);
    for (const r of n.regions ?? []) r.results.forEach(count);
  }
  func.results.forEach(count);

  const varying = new Map<number, boolean>();
  const varies = (id: number): boolean => {
    const known = varying.get(id);
    if (known !== undefined) return known;
    const n = byId.get(id);
    varying.set(id, false); // no cycles in SSA; guards against region params
    // Parameters, the step's rng key, region params (impure) and what reads them vary.
    const v = !n || paramName(n) !== undefined || (inputName(n) !== undefined && n.type.kind === "rng") || !getOpSpec(n.op)?.pure || dependenciesOf(n).some(varies);
    varying.set(id, v);
    return v;
  };

  let nextId = maxId(func) + 1;
  let rewrites = 0;
  const rewrite = (body: readonly Node[]): Node[] => {
    const out: Node[] = [];
    const dropped = new Set<number>();
    const local = new Set(body.map((n) => n.id));
    for (const n of body) {
      const regions = n.regions?.map((r): Region => rebuildRegion(r, rewrite(r.body), r.results));
      const node = regions && regions.some((r, k) => r !== n.regions![k]) ? { ...n, regions } : n;
      const agg = candidate(node, byId, readers, varies, symbols);
      if (!agg || !local.has(agg.id)) {
        out.push(node);
        continue;
      }
      const x = agg.inputs[agg.inputs.length - 1];
      const transformed: Node = Object.freeze({ ...node, id: nextId++, inputs: [x, node.inputs[1]] });
      const aggregated: Node = Object.freeze({ ...agg, id: node.id, type: node.type, inputs: [...agg.inputs.slice(0, -1), transformed.id] });
      dropped.add(agg.id);
      out.push(transformed, aggregated);
      rewrites++;
    }
    return dropped.size ? out.filter((n) => !dropped.has(n.id)) : out;
  };
  const body = rewrite(func.body);
  return rewrites ? { func: { ...func, body }, count: rewrites } : { func, count: 0 };
}

/** The aggregate `node` (a matmul) can be swapped with, if any. */
function candidate(
  node: Node,
  byId: ReadonlyMap<number, Node>,
  readers: ReadonlyMap<number, number>,
  varies: (id: number) => boolean,
  symbols: Readonly<Record<string, number>>,
): Node | undefined {
  if (node.op !== "t.matmul" || node.attrs.transA === true) return undefined;
  const agg = byId.get(node.inputs[0]);
  if (!agg || agg.op !== "g.spmm" || agg.attrs.reduce === "max" || readers.get(agg.id) !== 1) return undefined;
  const x = agg.inputs[agg.inputs.length - 1];
  const xType = byId.get(x)?.type;
  if (xType?.kind !== "tensor" || xType.shape.length !== 2 || !(varies(x) || inputName(byId.get(x)!) !== undefined)) return undefined;
  if (agg.inputs.length === 3) {
    const w = byId.get(agg.inputs[1])?.type;
    if (w?.kind !== "tensor" || w.shape.length !== 1) return undefined;
  }
  const channels = (t: TensorType) => evalDim(t.shape[1], symbols);
  const inner = channels(xType);
  const outer = channels(node.type as TensorType);
  return inner !== undefined && outer !== undefined && outer < inner ? agg : undefined;
}
