import { cloneRegion } from "../ir/clone-region.js";
import { accumulate, addGrad, capturedActive, zerosLike, type StackVjp } from "./backward.js";

/**
 * Backward of a `repeat` loop: the forward keeps every block's input in a stash ([trip, …]); a
 * reverse loop carries the cotangent of the carried value and one accumulator per captured value,
 * and at block i re-emits the block on stash[i] and sweeps it.
 */
export const repeatVjp: StackVjp = (bw, loop, cotangent, isActive) => {
  const b = bw.b;
  const region = loop.regions![0];
  const captured = capturedActive(loop, isActive);
  const stash = bw.stashes.of(loop);
  const outs = b.loop([cotangent, ...zerosLike(b, captured)], { trip: loop.attrs.trip, reverse: true }, (i, [ct, ...acc]) => {
    const input = b.emit("t.select", [stash, i], { axis: 0 });
    const block = cloneRegion(b, region, [i, input]);
    const g = bw.sweep(block.nodes, new Map([[block.results[0], ct]]), new Set([input, ...captured]));
    const inputGrad = g.get(input) ?? b.emit("t.zeros_like", [ct]);
    return [inputGrad, ...captured.map((id, k) => accumulate(b, acc[k], g.get(id)))];
  });
  const grads = new Map(captured.map((id, k) => [id, outs[k + 1]]));
  if (isActive(loop.inputs[0])) addGrad(b, grads, loop.inputs[0], outs[0]);
  return grads;
};
