import type { Node } from "../ir/types.js";
import { assembleKernel } from "./assemble.js";
import { BindingList } from "./bindings.js";
import { LINEAR_WORKGROUP, gridFor, groupsFor } from "./grid.js";
import type { KernelSpec } from "./kernel.js";
import { SizeTable } from "./wgsl.js";
import { storedWord } from "./fill.js";

/**
 * The control kernels of an equilibrium loop on the GPU (planned by plan/equilibrium-launches.ts, one set per
 * iteration after the body). They make the carried state stop changing at the iteration that
 * converged (the interpreter's, up to the rounding of the values tested against tol), so the host
 * may run a few iterations past convergence between readbacks without changing the result.
 *
 * The loop's *flag* buffer holds four u32 words:
 *   [0] done — set by the iteration whose max |next − carried| ≤ tol, then sticky;
 *   [1] update — 1 when the current iteration counts (it started before convergence): it moves
 *       the carried state; 0 for iterations run after convergence, which change nothing;
 *   [2] iterations — how many iterations counted (= the interpreter's iteration count);
 *   [3] unused (padding).
 * Iteration index 0 resets the words, so a loop needs no separate reset before each run.
 *
 * Control kernels bind the slots the launch plan lists for them: binding source `{input: k}` is the
 * k-th slot of that list (not an IR operand), in the order each builder documents.
 */

export const FLAG_WORDS = 4;
const CHECK_WORKGROUP = 256;
const COPY_WORKGROUP = 64;

/**
 * One workgroup: is every element of `next` within `tol` of `carried` (f32, `count` elements)?
 * Updates the flag words as described above. Slots: next, carried, index (i32), flag.
 * "Within" is `|d| <= tol`, false for NaN, like the interpreter's max |d| ≤ tol.
 */
export function convergenceKernel(loop: Node, count: number, tol: number): KernelSpec {
  const sizes = new SizeTable();
  const total = sizes.add("total", count, "runtime");
  const tolBits = sizes.add("tol_bits", storedWord(tol, "f32"), "runtime"); // at run time: one pipeline checks every loop
  const bindings = new BindingList()
    .add("next", "read", "array<f32>", { kind: "input", input: 0 })
    .add("carried", "read", "array<f32>", { kind: "input", input: 1 })
    .add("index", "read", "array<i32>", { kind: "input", input: 2 })
    .add("flag", "read_write", "array<u32>", { kind: "input", input: 3 })
    .finish(sizes);
  const body = `  let tol = bitcast<f32>(${tolBits});
  var far = false;
  for (var q = lid; q < ${total}; q += ${CHECK_WORKGROUP}u) {
    if (!(abs(next[q] - carried[q]) <= tol)) {
      far = true;
    }
  }
  if (far) {
    atomicOr(&unconverged, 1u);
  }
  workgroupBarrier();
  if (lid == 0u) {
    var done = flag[0];
    var iterations = flag[2];
    if (index[0] == 0) {
      done = 0u;
      iterations = 0u;
    }
    if (done == 0u) {
      flag[0] = select(0u, 1u, atomicLoad(&unconverged) == 0u);
      flag[1] = 1u;
      flag[2] = iterations + 1u;
    } else {
      flag[0] = 1u;
      flag[1] = 0u;
      flag[2] = iterations;
    }
  }
`;
  return assembleKernel(loop, {
    name: "eq_converged",
    summary: "equilibrium convergence test max |next - carried| <= tol, one workgroup; updates the loop's flag words",
    sizes,
    bindings,
    helpers: ["var<workgroup> unconverged: atomic<u32>;\n"],
    body,
    workgroup: CHECK_WORKGROUP,
    dispatch: () => gridFor(1),
  });
}

/**
 * carried ← next when the flag's update word is set (words, so any 32-bit dtype), `bytes` bytes.
 * Slots: next, flag, carried.
 */
export function conditionalCopyKernel(loop: Node, bytes: number): KernelSpec {
  const sizes = new SizeTable();
  const total = sizes.add("total", bytes / 4, "runtime");
  const bindings = new BindingList()
    .add("next", "read", "array<vec4<u32>>", { kind: "input", input: 0 })
    .add("flag", "read", "array<u32>", { kind: "input", input: 1 })
    .add("carried", "read_write", "array<vec4<u32>>", { kind: "input", input: 2 })
    .finish(sizes);
  const body = `  let q = ${LINEAR_WORKGROUP} * ${COPY_WORKGROUP}u + lid;
  if (flag[1] == 1u && q * 4u < ${total}) {
    carried[q] = next[q];
  }
`;
  return assembleKernel(loop, {
    name: "eq_update_words",
    summary: "equilibrium state update: carried = next while the loop has not converged",
    sizes,
    bindings,
    body,
    workgroup: COPY_WORKGROUP,
    dispatch: (s) => gridFor(groupsFor(Math.ceil(s.total / 4), COPY_WORKGROUP)),
  });
}
