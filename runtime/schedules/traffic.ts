import { concreteShape } from "../../compiler/ir/dims.js";
import { paramName } from "../../compiler/ir/struct-views.js";
import type { Func, Module, Node } from "../../compiler/ir/types.js";
import type { ScheduleProgram } from "../../compiler/schedules/program.js";

/**
 * The bytes a plan moves between parts (ADMM: between layers) if every part sat on a device of
 * its own: in each phase, every read of a state entry whose newest value a function of another
 * part wrote, counted once until it is written again — at f32 width, and at the width it travels
 * (level indices for entries on a level set). What the layers exchange per iteration, whatever
 * the devices the run actually has.
 */

export interface PhaseTraffic {
  /** Bytes at the width sent. */
  wire: number;
  /** The same values as f32. */
  f32: number;
}

function readsOf(func: Func): Set<string> {
  const out = new Set<string>();
  const visit = (nodes: readonly Node[]) => {
    for (const n of nodes) {
      const name = paramName(n);
      if (name !== undefined) out.add(name);
      for (const r of n.regions ?? []) visit(r.body);
    }
  };
  visit(func.body);
  return out;
}

export function partTraffic(program: ScheduleProgram, module: Module, symbols: Readonly<Record<string, number>>): PhaseTraffic[] {
  const placement = program.placement;
  if (!placement) return program.phases.map(() => ({ wire: 0, f32: 0 }));
  const funcs = new Map(module.funcs.map((f) => [f.name, { func: f, reads: readsOf(f) }]));
  const info = new Map(module.params.map((p) => [p.name, p]));
  const size = new Map<string, PhaseTraffic>();
  const bytesOf = (entry: string): PhaseTraffic => {
    let s = size.get(entry);
    if (!s) {
      const p = info.get(entry)!;
      const count = concreteShape(p.type.shape, symbols, `state entry ${entry}`).reduce((a, b) => a * b, 1);
      const table = placement.quantized[entry];
      const levels = table === undefined ? 0 : (info.get(table)?.init.values?.length ?? 0);
      const wire = levels ? Math.ceil((count * Math.max(1, Math.ceil(Math.log2(levels)))) / 8) : count * 4;
      size.set(entry, (s = { wire, f32: count * 4 }));
    }
    return s;
  };
  const writer = new Map<string, number>();
  const fresh = new Map<string, Set<number>>();
  return program.phases.map((phase) => {
    const total: PhaseTraffic = { wire: 0, f32: 0 };
    for (const step of phase.steps) {
      if (step.kind !== "run") continue;
      const f = funcs.get(step.func)!;
      const part = placement.parts[step.func];
      for (let k = 0; k < step.times; k++) {
        if (part !== undefined) {
          for (const entry of f.reads) {
            const w = writer.get(entry);
            const have = fresh.get(entry);
            if (w === undefined || w === part || have?.has(part)) continue;
            const b = bytesOf(entry);
            total.wire += b.wire;
            total.f32 += b.f32;
            have?.add(part);
          }
        }
        for (const r of f.func.resultNames) {
          if (!info.has(r)) continue;
          if (part === undefined) writer.delete(r);
          else writer.set(r, part);
          fresh.set(r, new Set(part === undefined ? [] : [part]));
        }
      }
    }
    return total;
  });
}
