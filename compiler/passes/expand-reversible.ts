import { FuncBuilder } from "../ir/builder.js";
import { cloneRegion } from "../ir/clone-region.js";
import { intAttr } from "../ir/attrs.js";
import { dimDiv, dimMul } from "../ir/dims.js";
import type { Func, Node, TensorType } from "../ir/types.js";
import { mapFuncs } from "../ir/walk.js";
import type { Pass } from "./pass.js";

/**
 * Rewrite each top-level `s.reversible` stack as a plain `s.loop` computing the same coupling
 * (split, z = Σ_{g≥1} x_g, y_g = x_g + F_g(z), z = y_g, concat). The result is the same function,
 * but autodiff then stores every block's input instead of inverting the coupling: the reference
 * that reversible gradients are checked against, and a form for backends without the op.
 */
export const expandReversible: Pass<Record<string, never>> = {
  name: "expand-reversible",
  description: "Rewrite reversible stacks (s.reversible) as plain loops: same values, gradients by storing block inputs.",
  options: {},
  run(module, ctx) {
    let count = 0;
    const out = mapFuncs(module, (func) => {
      const stacks = func.body.filter((n) => n.op === "s.reversible" && !n.attrs.inverse).length; // the op this pass rewrites
      if (stacks === 0) return func;
      count += stacks;
      ctx.log(`expand-reversible: ${func.name}: ${stacks} stack(s)`);
      return expandFunc(func);
    });
    return { module: out, changed: count > 0, diagnostics: [] };
  },
};

function expandFunc(func: Func): Func {
  const b = new FuncBuilder(func.name, func);
  const body: Node[] = [];
  for (const n of func.body) {
    if (n.op !== "s.reversible" || n.attrs.inverse) {
      body.push(n);
      continue;
    }
    const from = b.added.length;
    const [loop] = b.at(n.span).loop([n.inputs[0]], { trip: n.attrs.trip }, (i, [x]) => [coupling(b, n, i, x)]);
    const emitted = b.added.slice(from);
    // The loop takes the stack's id, so every later use is unchanged.
    body.push(...emitted.slice(0, -1), Object.freeze({ ...emitted[emitted.length - 1], id: n.id }));
    if (emitted[emitted.length - 1].id !== loop) throw new Error("expand-reversible: the loop must be the last node emitted");
  }
  return { ...func, body };
}

/** One block of the coupling on x, with the stack's regions re-emitted as the F_g. */
function coupling(b: FuncBuilder, stack: Node, i: number, x: number): number {
  const groups = intAttr(stack.attrs, "groups");
  const type = stack.type as TensorType;
  const axis = type.shape.length - 1;
  const chunk = dimDiv(type.shape[axis], groups)!;
  const xs = Array.from({ length: groups }, (_, g) => b.emit("t.slice", [x], { axis, start: dimMul(g, chunk), size: chunk }));
  let z = xs[1];
  for (let g = 2; g < groups; g++) z = b.emit("t.add", [z, xs[g]]);
  const ys: number[] = [];
  stack.regions!.forEach((f, g) => {
    z = b.emit("t.add", [xs[g], cloneRegion(b, f, [i, z]).results[0]]);
    ys.push(z);
  });
  return b.emit("t.concat", ys, { axis });
}
