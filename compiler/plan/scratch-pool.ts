import { allocatedSize } from "./device-bytes.js";
import type { LaunchPlan } from "./launch-plan.js";

/**
 * Scratch buffers shared by the functions of one runner. Functions run one at a time, and a
 * computed value's buffer holds nothing a later run reads (LaunchPlan.reusable) — except a
 * result read back after the run, which the caller keeps out. So the j-th such slot of a given
 * size in every function can be one buffer: a runner holds, per size, as many buffers as the
 * function needing most of that size, not the sum over its functions. A schedule's many
 * functions (one per module) then cost the scratch of its largest one.
 */

export interface PoolPlan {
  plan: LaunchPlan;
  /** Reusable slots that must keep their own buffer (outputs read back after the run). */
  kept: ReadonlySet<number>;
}

export interface PoolLayout {
  /** Each shared buffer's size in bytes, as allocated (allocatedSize). */
  buffers: number[];
  /** Per plan, in order: its shared slots → the index of their buffer. */
  slots: Map<number, number>[];
}

export function poolLayout(plans: readonly PoolPlan[]): PoolLayout {
  const bySize = new Map<number, number[]>(); // size → buffer indices, in order
  const buffers: number[] = [];
  const slots = plans.map(({ plan, kept }) => {
    const used = new Map<number, number>(); // size → buffers taken by this plan
    const out = new Map<number, number>();
    for (const slot of plan.reusable) {
      if (kept.has(slot)) continue;
      const size = allocatedSize(plan.slots[slot].bytes);
      const k = used.get(size) ?? 0;
      used.set(size, k + 1);
      const list = bySize.get(size) ?? [];
      if (k === list.length) {
        list.push(buffers.length);
        buffers.push(size);
        bySize.set(size, list);
      }
      out.set(slot, list[k]);
    }
    return out;
  });
  return { buffers, slots };
}

/**
 * The pool of functions run over one set of named state: a result named like a state entry is
 * copied into the state within its run, so only the other results (outputs read back later)
 * keep buffers of their own.
 */
export function statePool(funcs: readonly { plan: LaunchPlan; resultNames: readonly string[] }[], state: ReadonlySet<string>): PoolLayout {
  return poolLayout(funcs.map(({ plan, resultNames }) => ({ plan, kept: new Set(plan.results.flatMap((slots, k) => (state.has(resultNames[k]) ? [] : slots))) })));
}
