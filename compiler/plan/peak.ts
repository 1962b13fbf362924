import { getOpSpec } from "../ir/ops/index.js";
import { LEAF_OPS } from "../ir/ops/struct.js";
import { inputName, loopOf, loopUpdateChains } from "../ir/struct-views.js";
import type { Dim, Func, Node, Region, Type } from "../ir/types.js";
import { HeldBytes } from "./held-bytes.js";
import { ValueBuffers, type BufferPool } from "./value-buffers.js";

/** One buffer of a value: a symbolic key, its size in device bytes, and whether it scales with the graph. */
type Buffer = { key: number; bytes: number; activation: boolean };

/** The peak bytes a function holds at once, in total and counting activations alone. */
export interface PeakBytes {
  /** Every value the function computes (inputs and parameters excluded). */
  total: number;
  /**
   * Values whose size depends on the graph (a dim of the function's graph input: nodes, edges):
   * activations and their gradients, as opposed to parameter-sized gradients and optimizer updates.
   */
  activations: number;
}

/**
 * The peak bytes of IR values a function holds at once when each value is freed after its last
 * use — predicted from types and sizes alone, before running. Inputs and parameters are the
 * caller's and not counted. A loop counts one iteration's frame on top of what is live around it
 * (every iteration has the same sizes); a buffer shared by several values (an in-place update, a
 * tuple item) counts once. The reference interpreter measures the same quantity (MemoryMeter); the
 * GPU's buffers come from the same walk (value-buffers.ts).
 */
export function predictPeakBytes(func: Func, symbols: Readonly<Record<string, number>>): PeakBytes {
  const sim = new Simulation(symbols, graphDims(func));
  sim.body([], func.body, func.results, new Set());
  return { total: sim.held.peak, activations: sim.activations.peak };
}

/** The symbols that size the function's graph inputs (`N`, `E`). */
function graphDims(func: Func): Set<string> {
  const names = new Set<string>();
  for (const n of func.body) {
    if (inputName(n) !== undefined && n.type.kind === "graph") for (const d of [n.type.nodes, n.type.edges]) symbolsIn(d).forEach((x) => names.add(x));
  }
  return names;
}

/** The symbol names a dim mentions (`E+N` → E, N). */
function symbolsIn(d: Dim): string[] {
  return typeof d === "number" ? [] : d.split(/[^A-Za-z0-9_.]+/).filter((t) => t !== "" && !/^\d/.test(t));
}

/** The reference device's buffers, symbolic: held bytes in total and of activations. */
class Simulation implements BufferPool<Buffer> {
  readonly held = new HeldBytes<number>();
  readonly activations = new HeldBytes<number>();
  private readonly values: ValueBuffers<Buffer>;
  private nextKey = 0;

  constructor(
    symbols: Readonly<Record<string, number>>,
    private readonly graphSymbols: ReadonlySet<string>,
  ) {
    this.values = new ValueBuffers(symbols, this);
  }

  take(bytes: number, type: Type): Buffer {
    // An rng key is no typed array on the reference device: it weighs nothing there.
    return { key: this.nextKey++, bytes: type.kind === "rng" ? 0 : bytes, activation: this.scalesWithGraph(type) };
  }

  hold(b: Buffer): void {
    this.held.hold(b.key, b.bytes);
    if (b.activation) this.activations.hold(b.key, b.bytes);
  }

  release(b: Buffer): void {
    this.held.release(b.key);
    if (b.activation) this.activations.release(b.key);
  }

  body(params: readonly Node[], nodes: readonly Node[], results: readonly number[], owned: ReadonlySet<number>): void {
    this.values.walk(params, nodes, results, (n) => {
      if (LEAF_OPS.has(n.op)) return this.values.bind(n.id, [[]]); // the caller's
      this.regionsOf(n);
      this.values.define(n.id, this.values.computed(n, owned, `%${n.id}`));
    });
  }

  /**
   * One run of a region; `args` when its params stand for operands (OpSpec.regionOperands;
   * `undefined`: a value held in registers, as an epilogue's product), else fresh buffers.
   */
  private region(region: Region, owned: readonly boolean[], args?: readonly (number | undefined)[]): void {
    region.params.forEach((p, k) => {
      const arg = args?.[k];
      this.values.define(p.id, !args ? this.values.fresh(p.type, `%${p.id}`) : arg === undefined ? [[]] : this.values.of(arg));
    });
    this.body(region.params, region.body, region.results, new Set(region.params.filter((_, k) => owned[k]).map((p) => p.id)));
    // The region's results outlive its body; the run ends with them.
    const inside = new Set([...region.params, ...region.body].map((n) => n.id));
    for (const id of region.results) if (inside.has(id)) this.values.release(id);
  }

  private regionsOf(n: Node): void {
    if (!n.regions) return;
    const loop = loopOf(n);
    if (loop) return this.region(loop.body, loopUpdateChains(loop));
    const operands = getOpSpec(n.op)?.regionOperands?.(n);
    for (const r of n.regions) this.region(r, [], operands);
  }

  private scalesWithGraph(t: Type): boolean {
    const dims = t.kind === "tensor" ? t.shape : t.kind === "graph" ? [t.nodes, t.edges] : [];
    return dims.some((d) => symbolsIn(d).some((x) => this.graphSymbols.has(x)));
  }
}
