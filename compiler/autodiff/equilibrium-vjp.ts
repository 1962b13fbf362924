import { cloneRegion } from "../ir/clone-region.js";
import { capturedActive, type StackVjp } from "./backward.js";

/**
 * Backward of an equilibrium loop by implicit differentiation. At the fixed point h* = f(h*, θ),
 * dL/dθ = uᵀ ∂f/∂θ where u solves the adjoint fixed point u = ȳ + (∂f/∂h)ᵀ u. So: re-emit f once at
 * h* (outside any loop), iterate u with the same max_iter and tol as the forward (each step is one
 * sweep of that f, reading its values from outside the loop), then sweep f once more, seeded with u,
 * for the captured values. Memory does not grow with the iterations; the initial value gets no
 * gradient (h* does not depend on it once converged). The adjoint iteration is accelerated like
 * the forward (`anderson = m`): on this linear fixed point Anderson mixing acts like GMRES.
 */
export const equilibriumVjp: StackVjp = (bw, loop, cotangent, isActive) => {
  const b = bw.b;
  const region = loop.regions![0];
  const captured = capturedActive(loop, isActive);
  const fixedPoint = loop.id;
  const index = b.emit("t.const", [], { value: 0, dtype: "i32" });
  const f = cloneRegion(b, region, [index, fixedPoint]);
  const seed = (u: number) => new Map([[f.results[0], u]]);
  const { trip, max_iter, tol, anderson } = loop.attrs;
  const attrs = {
    trip,
    mode: "equilibrium",
    ...(max_iter !== undefined ? { max_iter } : {}),
    ...(tol !== undefined ? { tol } : {}),
    ...(anderson ? { anderson } : {}),
  };
  const [u] = b.loop([cotangent], attrs, (_i, [uIn]) => {
    const back = bw.sweep(f.nodes, seed(uIn), new Set([fixedPoint])).get(fixedPoint);
    return [back === undefined ? cotangent : b.emit("t.add", [cotangent, back])];
  });
  return bw.sweep(f.nodes, seed(u), new Set(captured));
};
