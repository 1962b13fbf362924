import { bytesOf } from "../ir/ops/common.js";
import { LEAF_OPS } from "../ir/ops/struct.js";
import type { Dim, Func, Node, Region, Type } from "../ir/types.js";
import { updateChains } from "../ir/update-chains.js";
import { HeldBytes } from "./held-bytes.js";
import { deathsAfter } from "./liveness.js";

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
 * tuple item) counts once. The reference interpreter measures the same quantity (MemoryMeter).
 */
export function predictPeakBytes(func: Func, symbols: Readonly<Record<string, number>>): PeakBytes {
  const sim = new Simulation(symbols, graphDims(func));
  sim.body([], func.body, func.results, new Set(), new Set());
  return { total: sim.held.peak, activations: sim.activations.peak };
}

/** The symbols that size the function's graph inputs (`N`, `E`). */
function graphDims(func: Func): Set<string> {
  const names = new Set<string>();
  for (const n of func.body) {
    if (n.op === "s.input" && n.type.kind === "graph") for (const d of [n.type.nodes, n.type.edges]) symbolsIn(d).forEach((x) => names.add(x));
  }
  return names;
}

/** The symbol names a dim mentions (`E+N` → E, N). */
function symbolsIn(d: Dim): string[] {
  return typeof d === "number" ? [] : d.split(/[^A-Za-z0-9_.]+/).filter((t) => t !== "" && !/^\d/.test(t));
}

class Simulation {
  readonly held = new HeldBytes<number>();
  readonly activations = new HeldBytes<number>();
  private readonly buffers = new Map<number, Buffer[][]>(); // per value: one list per tuple item (one item otherwise)
  private nextKey = 0;

  constructor(
    private readonly symbols: Readonly<Record<string, number>>,
    private readonly graphSymbols: ReadonlySet<string>,
  ) {}

  body(params: readonly Node[], nodes: readonly Node[], results: readonly number[], frame: Set<number>, owned: ReadonlySet<number>): void {
    const deaths = deathsAfter(params, nodes, results);
    nodes.forEach((n, i) => {
      if (LEAF_OPS.has(n.op)) this.buffers.set(n.id, [[]]);
      else {
        this.regionsOf(n);
        this.define(n.id, this.buffersOf(n, owned), frame);
      }
      for (const id of deaths[i]) this.drop(id, frame);
    });
  }

  /**
   * One run of a region; `args` when its params are the caller's operands themselves (t.fused;
   * `undefined`: a value held in registers, as an epilogue's product), else fresh buffers.
   */
  private region(region: Region, owned: readonly boolean[], args?: readonly (number | undefined)[]): void {
    const frame = new Set<number>();
    region.params.forEach((p, k) => {
      const arg = args?.[k];
      this.define(p.id, !args ? this.fresh(p.type) : arg === undefined ? [[]] : this.buffers.get(arg)!, frame);
    });
    this.body(region.params, region.body, region.results, frame, new Set(region.params.filter((_, k) => owned[k]).map((p) => p.id)));
    for (const id of [...frame]) this.drop(id, frame);
  }

  private regionsOf(n: Node): void {
    if (!n.regions) return;
    if (n.op === "s.loop") this.region(n.regions[0], updateChains(n.regions[0]));
    else if (n.op === "t.fused") this.region(n.regions[0], [], n.inputs);
    else if (n.op === "t.matmul_epilogue" || n.op === "g.spmm_epilogue") {
      // ^(product, extras…): the product never leaves the kernel; the extras are the last operands.
      const extras = n.regions[0].params.length - 1;
      this.region(n.regions[0], [], [undefined, ...n.inputs.slice(n.inputs.length - extras)]);
    }
    else for (const r of n.regions) this.region(r, []);
  }

  private buffersOf(n: Node, owned: ReadonlySet<number>): Buffer[][] {
    if (n.op === "s.get") return [this.buffers.get(n.inputs[0])![n.attrs.index as number]];
    if (owned.has(n.inputs[0])) return this.buffers.get(n.inputs[0])!;
    return this.fresh(n.type);
  }

  private define(id: number, buffers: Buffer[][], frame: Set<number>): void {
    this.buffers.set(id, buffers);
    for (const b of buffers.flat()) {
      this.held.hold(b.key, b.bytes);
      if (b.activation) this.activations.hold(b.key, b.bytes);
    }
    frame.add(id);
  }

  private drop(id: number, frame: Set<number>): void {
    if (!frame.delete(id)) return;
    for (const b of this.buffers.get(id)!.flat()) {
      this.held.release(b.key);
      if (b.activation) this.activations.release(b.key);
    }
  }

  private fresh(t: Type): Buffer[][] {
    if (t.kind === "tuple") return t.items.map((item) => this.fresh(item).flat());
    const bytes = this.bytes(t);
    return [bytes === undefined ? [] : [{ key: this.nextKey++, bytes, activation: this.scalesWithGraph(t) }]];
  }

  private scalesWithGraph(t: Type): boolean {
    const dims = t.kind === "tensor" ? t.shape : t.kind === "graph" ? [t.nodes, t.edges] : [];
    return dims.some((d) => symbolsIn(d).some((x) => this.graphSymbols.has(x)));
  }

  /** Device bytes of a tensor or graph (the op table's rule); rng keys hold no buffer. */
  private bytes(t: Type): number | undefined {
    return t.kind === "tensor" || t.kind === "graph" ? bytesOf(t, this.symbols) : undefined;
  }
}
