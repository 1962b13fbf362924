import { cloneRegion, type Clone } from "../ir/clone-region.js";
import { intAttr } from "../ir/attrs.js";
import { dimDiv, dimMul } from "../ir/dims.js";
import type { TensorType } from "../ir/types.js";
import { accumulate, addGrad, capturedActive, sum, zerosLike, type StackVjp } from "./backward.js";

/**
 * Backward of `s.reversible` (RevGNN): nothing from the forward is kept but the stack's output. A
 * reverse loop carries (y, ȳ, accumulators); block i
 *  1. inverts the coupling, x_g = y_g − F_g(y_{g−1}) for g = C−1…1, x_0 = y_0 − F_0(Σ_{g≥1} x_g),
 *     re-emitting each F_g once;
 *  2. sweeps those same re-emitted F_g (they ran at the forward's inputs: y_{g−1} and z), so the
 *     block's backward costs one forward of F, not two:
 *     ȳ_{g−1} += F_g'ᵀ ȳ_g (g = C−1…1), x̄_g = ȳ_g, z̄ = F_0'ᵀ ȳ_0, x̄_0 = ȳ_0, x̄_g += z̄ (g ≥ 1);
 *  3. carries (x, x̄) to block i − 1.
 * Dropout inside F replays exactly: its key folds in the block index, which is the same here.
 */
export const reversibleVjp: StackVjp = (bw, stack, cotangent, isActive) => {
  const b = bw.b;
  const groups = intAttr(stack.attrs, "groups");
  const regions = stack.regions!;
  const type = stack.type as TensorType;
  const axis = type.shape.length - 1;
  const chunk = dimDiv(type.shape[axis], groups)!;
  const captured = capturedActive(stack, isActive);
  const split = (v: number) => Array.from({ length: groups }, (_, g) => b.emit("t.slice", [v], { axis, start: dimMul(g, chunk), size: chunk }));

  const outs = b.loop([stack.id, cotangent, ...zerosLike(b, captured)], { trip: stack.attrs.trip, reverse: true }, (i, [y, yBar, ...acc]) => {
    const ys = split(y);
    const yb = split(yBar);
    const blocks: Clone[] = [];
    const xs: number[] = [];
    for (let g = groups - 1; g >= 1; g--) {
      blocks[g] = cloneRegion(b, regions[g], [i, ys[g - 1]]);
      xs[g] = b.emit("t.sub", [ys[g], blocks[g].results[0]]);
    }
    const z = sum(b, xs.slice(1));
    blocks[0] = cloneRegion(b, regions[0], [i, z]);
    xs[0] = b.emit("t.sub", [ys[0], blocks[0].results[0]]);

    const capturedGrads: (number | undefined)[][] = captured.map(() => []);
    const sweepBlock = (g: number, input: number): number | undefined => {
      const grads = bw.sweep(blocks[g].nodes, new Map([[blocks[g].results[0], yb[g]]]), new Set([input, ...captured]));
      captured.forEach((id, k) => capturedGrads[k].push(grads.get(id)));
      return grads.get(input);
    };
    for (let g = groups - 1; g >= 1; g--) {
      const back = sweepBlock(g, ys[g - 1]);
      if (back !== undefined) yb[g - 1] = b.emit("t.add", [yb[g - 1], back]);
    }
    const zBar = sweepBlock(0, z);
    const xb = yb.map((v, g) => (g >= 1 && zBar !== undefined ? b.emit("t.add", [v, zBar]) : v));

    const x = b.emit("t.concat", xs, { axis });
    const xBar = b.emit("t.concat", xb, { axis });
    return [x, xBar, ...acc.map((a, k) => capturedGrads[k].reduce<number>((sofar, g) => accumulate(b, sofar, g), a))];
  });
  const grads = new Map(captured.map((id, k) => [id, outs[k + 2]]));
  if (isActive(stack.inputs[0])) addGrad(b, grads, stack.inputs[0], outs[1]);
  return grads;
};
