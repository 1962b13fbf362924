import type { Func, Node } from "../../compiler/ir/types.js";
import type { Value } from "../../compiler/ir/values.js";
import { runFunc } from "../../runtime/reference/index.js";

/** Counting the reference interpreter's equilibrium iterations from the outside (no hook needed). */

/** Equilibrium loops of a function's top level, in order. */
export function equilibriumLoops(f: Func): Node[] {
  return f.body.filter((n) => n.op === "s.loop" && n.attrs.mode === "equilibrium");
}

/** `f` with one loop's iteration cap replaced. */
function withTrip(f: Func, loop: Node, trip: number): Func {
  return { ...f, body: f.body.map((n) => (n === loop ? { ...n, attrs: { ...n.attrs, trip, max_iter: trip } } : n)) };
}

function sameValues(a: readonly Value[], b: readonly Value[]): boolean {
  return a.every((v, k) => {
    const w = b[k];
    return v.kind === "tensor" && w.kind === "tensor" && v.data.every((x, j) => Object.is(x, w.data[j]));
  });
}

/**
 * How many iterations the interpreter runs in `loop`: the smallest cap that changes no result
 * (once converged, a larger cap gives the same values bit for bit; before, every iteration moves
 * the state by more than tol, so a smaller cap changes them) — found by bisection.
 */
export function referenceIterations(f: Func, loop: Node, env: Parameters<typeof runFunc>[1]): number {
  const full = runFunc(f, env);
  let lo = 0; // a cap known to change the result (0 iterations: the initial value)
  let hi = loop.attrs.trip as number; // a cap known to give it
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (sameValues(runFunc(withTrip(f, loop, mid), env), full)) hi = mid;
    else lo = mid;
  }
  return hi;
}
