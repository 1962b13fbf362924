import { bufferBytes } from "../ir/ops/common.js";
import { tupleIndex } from "../ir/struct-views.js";
import type { Node, Type } from "../ir/types.js";
import { deathsAfter } from "./liveness.js";

/**
 * The walk both memory plans make over a body — peak.ts (the reference device's peak, predicted)
 * and buffer-assignment.ts (the GPU's buffers) — so that they agree by construction: nodes in
 * order, each value given its buffers by one rule, each value letting go of them right after its
 * last use (liveness.ts). The rule for a computed value:
 *   - `s.get` takes a tuple item: the item's buffers;
 *   - `t.reshape` is a view: its operand's buffers (the same elements in the same order), unless
 *     the operand is one to overwrite (`owned`) — the interpreter shares the data likewise (a
 *     device may still copy where it cannot view: `view` false);
 *   - an update of a value that is its to overwrite (`owned`: a loop's update chain, see
 *     ir/update-chains.ts) writes into the buffers of that operand 0;
 *   - any other value gets fresh buffers, one per entry of bufferBytes (the op table's size rule:
 *     a graph three, a tuple one list per item).
 * Leaves, and loops whose state outlives their iterations, bind their buffers themselves (`bind`).
 */

/** Where a walk gets its buffers and hands them back; B names a buffer (a symbolic key, a GPU slot). */
export interface BufferPool<B> {
  /** A buffer of `bytes` for a computed value (of item type `type`); `label` names it in errors. */
  take(bytes: number, type: Type, label: string): B;
  /** One more holder of `b`. */
  hold(b: B): void;
  /** One holder fewer; the last one frees `b`. */
  release(b: B): void;
}

const GRAPH_ARRAYS = ["indptr", "src", "dst"] as const;

export class ValueBuffers<B> {
  /** Per value: one buffer list per tuple item (one list for other values). */
  private readonly buffers = new Map<number, B[][]>();
  /** Per value: buffers it holds beside its own (attach), let go of with them. */
  private readonly attached = new Map<number, B[]>();

  constructor(
    private readonly symbols: Readonly<Record<string, number>>,
    private readonly pool: BufferPool<B>,
    /** Buffers of a value that gets them where first read (the GPU's host values); undefined: none. */
    private readonly late: (id: number) => B[][] | undefined = () => undefined,
  ) {}

  /** Walk a body: `visit` each node (it defines the node's value), then release the values that die after it. */
  walk(params: readonly Node[], nodes: readonly Node[], results: readonly number[], visit: (n: Node) => void): void {
    const deaths = deathsAfter(params, nodes, results);
    nodes.forEach((n, i) => {
      visit(n);
      for (const id of deaths[i]) this.release(id);
    });
  }

  /** A value's buffers, one list per tuple item. */
  of(id: number): B[][] {
    let b = this.buffers.get(id);
    if (!b) {
      b = this.late(id);
      if (b) this.buffers.set(id, b);
    }
    if (!b) throw new Error(`memory plan: value %${id} has no buffers`);
    return b;
  }

  /** Give value `id` its buffers, held until it dies. */
  define(id: number, buffers: B[][]): void {
    this.buffers.set(id, buffers);
    for (const b of buffers.flat()) this.pool.hold(b);
  }

  /** Give value `id` buffers whose hold is taken elsewhere (a loop's state) or never (the caller's inputs). */
  bind(id: number, buffers: B[][]): void {
    this.buffers.set(id, buffers);
  }

  /**
   * Value `id` holds `b` too, until it dies: a buffer a kernel derives from the value for its
   * readers (a dropout's kept view, compact-values.ts), which no IR value names.
   */
  attach(id: number, b: B): void {
    this.pool.hold(b);
    this.attached.set(id, [...(this.attached.get(id) ?? []), b]);
  }

  /** Value `id` is dead: it lets go of its buffers (once; values without buffers yet have none to let go). */
  release(id: number): void {
    for (const x of this.attached.get(id) ?? []) this.pool.release(x);
    this.attached.delete(id);
    const b = this.buffers.get(id);
    if (!b) return;
    this.buffers.delete(id);
    for (const x of b.flat()) this.pool.release(x);
  }

  /** The buffers of a computed value, by the rule of the file comment; fresh ones are labelled `label`. */
  computed(n: Node, owned: ReadonlySet<number>, label: string, view = true): B[][] {
    const index = tupleIndex(n);
    if (index !== undefined) return [this.of(n.inputs[0])[index]];
    if (view && isView(n, owned)) return this.of(n.inputs[0]);
    if (owned.has(n.inputs[0])) return this.of(n.inputs[0]);
    return this.fresh(n.type, label);
  }

  /**
   * Fresh buffers for a value of `type`, from `take` (the pool's by default): one list per tuple
   * item (labelled `label.k`), one buffer per entry of bufferBytes (a graph's `label.indptr`, …).
   */
  fresh(type: Type, label: string, take: BufferPool<B>["take"] = (bytes, t, l) => this.pool.take(bytes, t, l)): B[][] {
    if (type.kind === "tuple") return type.items.map((t, k) => this.fresh(t, `${label}.${k}`, take).flat());
    return [bufferBytes(type, this.symbols).map((bytes, j) => take(bytes, type, type.kind === "graph" ? `${label}.${GRAPH_ARRAYS[j]}` : label))];
  }
}

/** Whether node `n` is a view of its operand's buffers (a reshape of a value not to be overwritten). */
export function isView(n: Node, owned: ReadonlySet<number>): boolean {
  return n.op === "t.reshape" && !owned.has(n.inputs[0]);
}
