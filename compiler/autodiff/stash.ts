import type { FuncBuilder } from "../ir/builder.js";
import { dimAttr } from "../ir/attrs.js";
import type { Node, Region, TensorType, Type } from "../ir/types.js";

/**
 * The stashes of `repeat` loops: every block's input, stacked ([trip, …carried shape]). The backward
 * asks for a loop's stash by id while it is being built (`of`); once the backward is complete, the
 * forward loops are rewritten to fill theirs (`fill`). A loop is stashed once however many losses
 * need it.
 */
export class Stashes {
  /** Forward loop id → stash id. */
  private readonly ids = new Map<number, number>();

  /** `b` builds the backward, appending to the forward function. */
  constructor(private readonly b: FuncBuilder) {}

  of(loop: Node): number {
    const known = this.ids.get(loop.id);
    if (known !== undefined) return known;
    if (!this.b.isBaseTopLevel(loop.id)) throw new Error("autodiff through a repeat stack nested inside another stack is not supported");
    const carried = loop.type as TensorType;
    const id = this.b.fresh({ kind: "tensor", dtype: carried.dtype, shape: [dimAttr(loop.attrs, "trip"), ...carried.shape] });
    this.ids.set(loop.id, id);
    return id;
  }

  /**
   * The forward body with each stashed loop `%L = s.loop(h0) {(i, h) → next}` replaced by
   *
   *     %z = t.full{0}                       (the empty stash)
   *     %T = s.loop(h0, %z) {(i, h, S) → (next, t.scatter_slice(S, h, i))}
   *     %L = s.get{0}(%T);  %stash = s.get{1}(%T)
   *
   * so `%L` keeps its id and type and every later node is unchanged. The stash is an update chain:
   * one buffer, written in place block by block.
   */
  fill(body: readonly Node[]): Node[] {
    const b = this.b;
    const out: Node[] = [];
    for (const n of body) {
      const stash = this.ids.get(n.id);
      if (stash === undefined) {
        out.push(n);
        continue;
      }
      const type = b.typeOf(stash) as TensorType;
      const zeros: Node = { id: b.fresh(type), op: "t.full", type, inputs: [], attrs: { value: 0, shape: [...type.shape], dtype: type.dtype }, span: n.span };
      const region: Region = n.regions![0];
      const [index, carried] = region.params;
      const slot: Node = { id: b.fresh(type), op: "s.arg", type, inputs: [], attrs: { index: 2 }, span: n.span };
      const write: Node = { id: b.fresh(type), op: "t.scatter_slice", type, inputs: [slot.id, carried.id, index.id], attrs: { axis: 0 }, span: n.span };
      const tuple: Type = { kind: "tuple", items: [n.type, type] };
      const loop: Node = {
        ...n,
        id: b.fresh(tuple),
        type: tuple,
        inputs: [n.inputs[0], zeros.id],
        regions: [{ params: [index, carried, slot], body: [...region.body, write], results: [region.results[0], write.id] }],
      };
      const get = (id: number, t: Type, k: number): Node => ({ id, op: "s.get", type: t, inputs: [loop.id], attrs: { index: k }, span: n.span });
      out.push(zeros, loop, get(n.id, n.type, 0), get(stash, type, 1));
    }
    return out.map((n) => Object.freeze(n));
  }
}
