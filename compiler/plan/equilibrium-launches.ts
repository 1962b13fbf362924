import { andersonGramKernel, andersonHistoryKernel, andersonMixKernel, andersonSolveKernel, gramWords } from "../codegen/anderson.js";
import { CodegenError } from "../codegen/emit-context.js";
import { conditionalCopyKernel, convergenceKernel, FLAG_WORDS } from "../codegen/equilibrium.js";
import type { KernelSpec } from "../codegen/kernel.js";
import type { LoopView } from "../ir/struct-views.js";
import type { Type } from "../ir/types.js";
import type { Step } from "./launch-plan.js";

/**
 * The end of one iteration of an equilibrium loop (`s.loop{mode=equilibrium}`) on the GPU: the
 * convergence check, then the state update made conditional on the loop's flag (codegen/equilibrium.ts),
 * by a masked copy per carried slot or, with `anderson = m`, by Anderson mixing (codegen/anderson.ts).
 * Replaces the unconditional result → carried copies of a `repeat` loop.
 */

/** What the launch lowering lends: fresh slots that live for the whole loop, and launches of control kernels. */
export interface EquilibriumPlanner {
  slot(bytes: number, label: string): number;
  launch(kernel: KernelSpec, slots: readonly number[]): Step;
  byteSizes(type: Type): number[];
}

export interface EquilibriumUpdate {
  /** The loop's flag slot (FLAG_WORDS u32), which the runtime reads back between chunks. */
  flag: number;
  steps: Step[];
}

export function equilibriumUpdate(
  s: EquilibriumPlanner,
  view: LoopView,
  types: readonly Type[],
  index: number,
  next: readonly (readonly number[])[],
  carried: readonly (readonly number[])[],
): EquilibriumUpdate {
  const loop = view.node;
  const first = types[0];
  if (first?.kind !== "tensor" || first.dtype !== "f32") {
    throw new CodegenError(loop.op, "an equilibrium loop on the GPU needs an f32 tensor as its first carried value", loop.span);
  }
  if (view.reverse) throw new CodegenError(loop.op, "an equilibrium loop cannot count down", loop.span);
  const count = s.byteSizes(first)[0] / 4;
  const label = `loop %${loop.id}`;
  const flag = s.slot(FLAG_WORDS * 4, `${label} converged`);
  // No tol: the check never passes, as the interpreter never stops early.
  const tol = view.tol ?? -1;
  const steps = [s.launch(convergenceKernel(loop, count, tol), [next[0][0], carried[0][0], index, flag])];
  const m = view.anderson;
  if (m > 0) {
    const rPrev = s.slot(count * 4, `${label} anderson r_prev`);
    const gPrev = s.slot(count * 4, `${label} anderson g_prev`);
    const dR = s.slot(m * count * 4, `${label} anderson dR`);
    const dG = s.slot(m * count * 4, `${label} anderson dG`);
    const gram = s.slot(gramWords(m) * 4, `${label} anderson gram`);
    const [g, x] = [next[0][0], carried[0][0]];
    steps.push(
      s.launch(andersonHistoryKernel(loop, count, m), [g, x, flag, rPrev, gPrev, dR, dG]),
      s.launch(andersonGramKernel(loop, count, m), [flag, dR, rPrev, gram]),
      s.launch(andersonSolveKernel(loop, m), [flag, gram]),
      s.launch(andersonMixKernel(loop, count, m), [g, flag, gram, dG, x]),
    );
    return { flag, steps };
  }
  types.forEach((type, k) => {
    const bytes = s.byteSizes(type);
    next[k].forEach((from, j) => {
      if (from !== carried[k][j] && bytes[j] > 0) steps.push(s.launch(conditionalCopyKernel(loop, bytes[j]), [from, flag, carried[k][j]]));
    });
  });
  return { flag, steps };
}
