import type { Span } from "../../grammar/span.js";
import { CodegenError } from "../codegen/emit-context.js";
import { evalDim } from "../ir/dims.js";
import { bufferBytes } from "../ir/ops/common.js";
import type { Dim, Node, Type } from "../ir/types.js";
import type { Slot } from "./launch-plan.js";
import { ValueBuffers, type BufferPool } from "./value-buffers.js";

/**
 * The buffers (slots) of a GPU launch plan. Values get theirs by the walk the memory prediction
 * makes (value-buffers.ts); a computed value's slots go back to a free list when it dies and a
 * later value of the same size reuses them — the GPU runs launches in order, so a buffer is
 * rewritten only after its last reader has run. Inputs, parameters, host values and the
 * runtime's own tables get slots that are never reused.
 */
export class BufferAssignment implements BufferPool<number> {
  readonly slots: Slot[] = [];
  readonly values: ValueBuffers<number>;
  /** `s.input` names → their slots; `s.param` names → slot. */
  readonly inputs = new Map<string, number[]>();
  readonly params = new Map<string, number>();
  /** Values computed on the host once → the slots they got where the GPU first reads them. */
  readonly hosted = new Map<number, number[]>();
  private readonly types = new Map<number, Type>();
  /** Host values no launch has read yet (interior ones never get slots). */
  private readonly pendingHost = new Set<number>();
  /** Holders per reusable slot, and free reusable slots by byte size. */
  private readonly holders = new Map<number, number>();
  private readonly free = new Map<number, number[]>();

  constructor(private readonly symbols: Readonly<Record<string, number>>) {
    this.values = new ValueBuffers(symbols, this, (id) => this.hostSlots(id));
  }

  /** Note a node's type (operands are read by id). */
  record(n: Node): void {
    this.types.set(n.id, n.type);
  }

  typeOf(id: number): Type {
    const t = this.types.get(id);
    if (!t) throw new Error(`launch plan: value %${id} has no recorded type`);
    return t;
  }

  /** The flat slots of a value (a host value gets its own here when first read). */
  slotsOf(id: number): number[] {
    return this.values.of(id).flat();
  }

  /** A slot of its own, never reused. */
  slot(bytes: number, label: string): number {
    this.slots.push({ bytes, label });
    return this.slots.length - 1;
  }

  /** A slot for a computed value: a free one of the same size, or a new one. */
  take(bytes: number, _type: Type, label: string): number {
    const s = this.free.get(bytes)?.pop();
    if (s !== undefined) return s;
    const fresh = this.slot(bytes, label);
    this.holders.set(fresh, 0);
    return fresh;
  }

  /** The slots `take` made (for computed values), in order. */
  get reusable(): number[] {
    return [...this.holders.keys()];
  }

  hold(slot: number): void {
    const n = this.holders.get(slot);
    if (n !== undefined) this.holders.set(slot, n + 1); // inputs, parameters, host values: not counted
  }

  release(slot: number): void {
    const n = this.holders.get(slot);
    if (n === undefined) return; // never reused
    if (n > 1) {
      this.holders.set(slot, n - 1);
      return;
    }
    this.holders.set(slot, 0);
    const bytes = this.slots[slot].bytes;
    const list = this.free.get(bytes);
    if (list) list.push(slot);
    else this.free.set(bytes, [slot]);
  }

  /** Slots of their own (never reused) for a value of `type`. */
  fixed(type: Type, label: string): number[][] {
    return this.values.fresh(type, label, (bytes, _t, l) => this.slot(bytes, l));
  }

  /**
   * Bind `s.input` node `n` to the input's slots (one set per name, shared by every node reading
   * it); an input stored compactly (`nonzeros` given) has one slot of its nonzero values.
   */
  input(n: Node, name: string, nonzeros?: number): void {
    let slots = this.inputs.get(name);
    if (!slots) {
      slots = nonzeros !== undefined ? [this.slot(nonzeros * 4, `${name} (nonzeros)`)] : this.fixed(n.type, name).flat();
      this.inputs.set(name, slots);
    }
    this.values.bind(n.id, [slots]);
  }

  /** Bind `s.param` node `n` to the parameter's slot. */
  param(n: Node, name: string): void {
    let slot = this.params.get(name);
    if (slot === undefined) this.params.set(name, (slot = this.fixed(n.type, name)[0][0]));
    this.values.bind(n.id, [[slot]]);
  }

  /** Node `n` is computed on the host: it gets slots where the GPU first reads it, if it ever does. */
  hostLater(n: Node): void {
    this.pendingHost.add(n.id);
  }

  isHostValue(id: number): boolean {
    return this.pendingHost.has(id);
  }

  /** Device bytes of each buffer of a value of `type` (bufferBytes, the op table's rule). */
  byteSizes(type: Type): number[] {
    return bufferBytes(type, this.symbols);
  }

  /** A size's value; a symbol not bound is refused with the node's location. */
  size(d: Dim, span?: Span): number {
    const v = evalDim(d, this.symbols);
    if (v === undefined) throw new CodegenError("launch plan", `size ${String(d)} is not bound`, span);
    return v;
  }

  private hostSlots(id: number): number[][] | undefined {
    if (!this.pendingHost.has(id)) return undefined;
    const slots = this.fixed(this.typeOf(id), `host %${id}`);
    this.hosted.set(id, slots.flat());
    return slots;
  }
}
