import type { Node } from "../ir/types.js";
import type { BackwardBuilder } from "./backward-builder.js";
import { cloneRegion } from "./clone-region.js";
import { accumulate, addGrad, capturedActive, zerosLike } from "./stack-vjp.js";
import { stashOf } from "./stash.js";
import { sweep } from "./sweep.js";

/**
 * Backward of a `repeat` loop: the forward keeps every block's input in a stash ([trip, …]); a
 * reverse loop carries the cotangent of the carried value and one accumulator per captured value,
 * and at block i re-emits the block on stash[i] and sweeps it.
 */
export function repeatVjp(b: BackwardBuilder, loop: Node, cotangent: number, isActive: (id: number) => boolean): Map<number, number> {
  const region = loop.regions![0];
  const captured = capturedActive(loop, isActive);
  const stash = stashOf(b, loop);
  const outs = b.loop([cotangent, ...zerosLike(b, captured)], { trip: loop.attrs.trip, reverse: true }, (i, [ct, ...acc]) => {
    const input = b.emit("t.select", [stash, i], { axis: 0 });
    const block = cloneRegion(b, region, [i, input]);
    const g = sweep(b, block.nodes, new Map([[block.results[0], ct]]), new Set([input, ...captured]));
    const inputGrad = g.get(input) ?? b.emit("t.zeros_like", [ct]);
    return [inputGrad, ...captured.map((id, k) => accumulate(b, acc[k], g.get(id)))];
  });
  const grads = new Map(captured.map((id, k) => [id, outs[k + 1]]));
  if (isActive(loop.inputs[0])) addGrad(b, grads, loop.inputs[0], outs[0]);
  return grads;
}
