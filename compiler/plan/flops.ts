import { withDefaults } from "../ir/builder.js";
import { getOpSpec } from "../ir/ops/index.js";
import { sizeOf } from "../ir/ops/common.js";
import { LEAF_OPS } from "../ir/ops/struct.js";
import type { Cost } from "../ir/spec.js";
import type { Func, Node, Type } from "../ir/types.js";

/**
 * The work of one call of a function, from the op table's cost model (OpSpec.cost): FLOPs and
 * bytes moved, summed over its nodes. A loop's regions count once per iteration (OpSpec.trip: a
 * `repeat` stack of L blocks costs L blocks; an equilibrium loop is counted at its iteration cap).
 * A region that is its op's own elementwise function (OpSpec.regionOperands: fused chains,
 * epilogues) adds its arithmetic only: it works on registers, and its op's cost moved the memory.
 *
 * Every node counts, including those a trainer computes once at load (graph normalisation).
 */
export function funcCost(func: Func, symbols: Readonly<Record<string, number>>): Cost {
  const total = { flops: 0, bytes: 0 };
  for (const c of opCosts(func, symbols)) {
    total.flops += c.flops;
    total.bytes += c.bytes;
  }
  return total;
}

/** One op's share of a call: how many times its nodes run (loops counted by trip), their FLOPs and bytes. */
export interface OpCost extends Cost {
  op: string;
  runs: number;
}

/** funcCost by op, in order of first appearance (what `gnnc flops` prints). */
export function opCosts(func: Func, symbols: Readonly<Record<string, number>>): OpCost[] {
  const types = new Map<number, Type>();
  const byOp = new Map<string, OpCost>();
  const body = (nodes: readonly Node[], times: number, inRegisters: boolean): void => {
    for (const n of nodes) {
      types.set(n.id, n.type);
      if (LEAF_OPS.has(n.op)) continue;
      const spec = getOpSpec(n.op);
      if (!spec) throw new Error(`cost: unknown op ${n.op} (%${n.id})`);
      const attrs = withDefaults(n.op, n.attrs);
      const own = spec.cost(
        n.inputs.map((id) => types.get(id)!),
        n.type,
        attrs,
        symbols,
      );
      let row = byOp.get(n.op);
      if (!row) byOp.set(n.op, (row = { op: n.op, runs: 0, flops: 0, bytes: 0 }));
      row.runs += times;
      row.flops += times * own.flops;
      if (!inRegisters) row.bytes += times * own.bytes;
      const trip = spec.trip?.(attrs);
      const perRun = trip === undefined ? 1 : sizeOf(trip, symbols);
      const registers = inRegisters || spec.regionOperands !== undefined;
      for (const r of n.regions ?? []) {
        for (const p of r.params) types.set(p.id, p.type);
        body(r.body, times * perRun, registers);
      }
    }
  };
  body(func.body, 1, false);
  return [...byOp.values()];
}
