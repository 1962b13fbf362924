import { dimAttr } from "../ir/attrs.js";
import type { Node, Region, TensorType, Type } from "../ir/types.js";
import type { BackwardBuilder } from "./backward-builder.js";

/**
 * The stash of a `repeat` loop: every block's input, stacked ([trip, …carried shape]). The backward
 * asks for it by id while it is being built (stashOf); once the backward is complete, the forward
 * loop is rewritten to fill it (withStashes). A loop is stashed once however many losses need it.
 */
export function stashOf(b: BackwardBuilder, loop: Node): number {
  const known = b.stashes.get(loop.id);
  if (known !== undefined) return known;
  if (!b.isForwardTopLevel(loop.id)) throw new Error("autodiff through a repeat stack nested inside another stack is not supported");
  const carried = loop.type as TensorType;
  const id = b.fresh({ kind: "tensor", dtype: carried.dtype, shape: [dimAttr(loop.attrs, "trip"), ...carried.shape] });
  b.stashes.set(loop.id, id);
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
export function withStashes(body: readonly Node[], b: BackwardBuilder): Node[] {
  const out: Node[] = [];
  for (const n of body) {
    const stash = b.stashes.get(n.id);
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
