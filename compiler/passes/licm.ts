import { getOpSpec } from "../ir/ops/index.js";
import { dependenciesOf } from "../ir/reads.js";
import type { Func, Node, Region } from "../ir/types.js";
import { mapFuncs } from "../ir/walk.js";
import type { Pass } from "./pass.js";

/**
 * Loop-invariant code motion: a pure node in a loop body (an `s.loop` or `s.reversible` region)
 * that reads nothing the body defines — a degree vector of the shared graph, a slice of the shared
 * dropout mask, a constant — moves in front of the loop and is computed once instead of once per
 * block. Inner loops are cleared first, so invariants climb out of nested stacks. A region's
 * results stay inside (a loop returns values its body defines).
 */
export const licm: Pass<Record<string, never>> = {
  name: "licm",
  description: "Move loop-invariant nodes out of loop bodies (computed once, not once per iteration).",
  options: {},
  run(module, ctx) {
    let moved = 0;
    const out = mapFuncs(module, (func) => {
      const r = hoistFunc(func);
      if (r.moved) ctx.log(`licm: ${func.name}: moved ${r.moved} node(s) out of loops`);
      moved += r.moved;
      return r.func;
    });
    return { module: out, changed: moved > 0, diagnostics: [] };
  },
};

function hoistFunc(func: Func): { func: Func; moved: number } {
  let moved = 0;
  const hoistBody = (body: readonly Node[]): Node[] => {
    const out: Node[] = [];
    for (const n of body) {
      if (!n.regions?.length) {
        out.push(n);
        continue;
      }
      const regions = n.regions.map((r) => {
        const inner = hoistBody(r.body);
        const { kept, invariant } = splitInvariant(r, inner);
        moved += invariant.length;
        out.push(...invariant);
        return { ...r, body: kept } satisfies Region;
      });
      out.push(Object.freeze({ ...n, regions }));
    }
    return out;
  };
  const body = hoistBody(func.body);
  return moved ? { func: { ...func, body }, moved } : { func, moved };
}

function splitInvariant(r: Region, body: readonly Node[]): { kept: Node[]; invariant: Node[] } {
  const variant = new Set(r.params.map((p) => p.id));
  const results = new Set(r.results);
  const kept: Node[] = [];
  const invariant: Node[] = [];
  for (const m of body) {
    const pure = getOpSpec(m.op)?.pure === true && !m.regions?.length;
    if (!pure || results.has(m.id) || dependenciesOf(m).some((d) => variant.has(d))) {
      variant.add(m.id);
      kept.push(m);
    } else invariant.push(m);
  }
  return { kept, invariant };
}
