import type { Node, Type } from "../ir/types.js";
import { BindingList } from "./bindings.js";
import { tensorOperand, tensorResult, type EmitOptions } from "./emit-context.js";
import type { KernelSpec } from "./kernel.js";
import { emitMatmulOf } from "./matmul.js";
import { multipleOf4, operandArray, type MatmulSetup } from "./matmul-common.js";
import { SizeTable } from "./wgsl.js";
import { refuseInPlace } from "./words.js";

/**
 * `t.group_matmul` and `t.group_matmul_tn` (compiler/ir/ops/group-matmul.ts): G products side by
 * side, each one `t.matmul` of column blocks — A_g is columns g·K … (g+1)·K of A [M, G·K]. So
 * they run as the matmul kernels do (matmul.ts: register-blocked, or teams for a weight's
 * gradient over every node), with strided operands and one run of workgroups per group; the row
 * count is passed at run time so one pipeline serves any graph.
 */

/** C[i, g·N + j] = Σ_k A[i, g·K + k] · op(B_g)[k, j]. */
export function emitGroupMatmul(node: Node, inputs: readonly Type[], options: EmitOptions): KernelSpec {
  refuseInPlace(node, options);
  const a = tensorOperand(node, inputs, 0);
  const b = tensorOperand(node, inputs, 1);
  tensorResult(node);
  const transB = node.attrs.transB === true;
  const sizes = new SizeTable(options.symbols);
  const M = sizes.add("m", a.shape[0], "runtime");
  const G = sizes.add("g", b.shape[0]);
  // K is read from the uniform, not baked in: a known K lets the compiler unroll the whole K loop,
  // and on lavapipe that unrolled body ran 1.3–1.8× slower (spills: 16 vec4 loads held at once).
  // Ten GCNs' H1·W2ᵀ on Coauthor CS ([18333, 160] by [10, 15, 16]): 31–42 ms baked, 23–28 runtime;
  // one group, [18333, 16]: 3.5–3.9 ms baked, 2.0–2.1 runtime, as the plain matmul (its K a uniform).
  const K = sizes.add("k", transB ? b.shape[2] : b.shape[1], "runtime");
  const N = sizes.add("n", transB ? b.shape[1] : b.shape[2]);
  const aVec = multipleOf4(sizes, "k");
  const bVec = multipleOf4(sizes, transB ? "k" : "n");
  const cVec = multipleOf4(sizes, "n");
  const layout = {
    a: { stride: `${G} * ${K}`, base: `grp * ${K}` },
    b: { stride: transB ? K : N, base: `grp * ${K} * ${N}` },
    c: { stride: `${G} * ${N}`, base: `grp * ${N}` },
  };
  const setup = grouped(sizes, G, { M, N, K }, layout, { transA: false, transB, aVec, bVec, cVec });
  return emitMatmulOf(node, { ...options, name: options.name ?? `t_group_matmul${transB ? "_tb" : ""}` }, setup);
}

/** S[g, k, j] = Σ_i A[i, g·K + k] · C[i, g·N + j]: the matmul Aᵀ·C with A_g, C_g column blocks. */
export function emitGroupMatmulTn(node: Node, inputs: readonly Type[], options: EmitOptions): KernelSpec {
  refuseInPlace(node, options);
  const a = tensorOperand(node, inputs, 0);
  const out = tensorResult(node);
  const sizes = new SizeTable(options.symbols);
  // The matmul's sizes: C_out [m, n] over k = the row count.
  const K = sizes.add("k", a.shape[0], "runtime");
  const G = sizes.add("g", out.shape[0]);
  const M = sizes.add("m", out.shape[1]);
  const N = sizes.add("n", out.shape[2]);
  const layout = {
    a: { stride: `${G} * ${M}`, base: `grp * ${M}` },
    b: { stride: `${G} * ${N}`, base: `grp * ${N}` },
    c: { stride: N, base: `grp * ${M} * ${N}` },
  };
  const vec = { aVec: multipleOf4(sizes, "m"), bVec: multipleOf4(sizes, "n"), cVec: multipleOf4(sizes, "n") };
  const setup = grouped(sizes, G, { M, N, K }, layout, { transA: true, transB: false, ...vec });
  return emitMatmulOf(node, { ...options, name: options.name ?? "t_group_matmul_tn" }, setup);
}

/** The setup of G products side by side: A, B bound as inputs 0 and 1, C as the output, each as vec4s where the flags say. */
function grouped(
  sizes: SizeTable,
  groups: string,
  dims: Pick<MatmulSetup, "M" | "N" | "K">,
  layout: MatmulSetup["layout"],
  flags: Pick<MatmulSetup, "transA" | "transB" | "aVec" | "bVec" | "cVec">,
): MatmulSetup {
  const bindings = new BindingList()
    .add("a", "read", operandArray(flags.aVec), { kind: "input", input: 0 })
    .add("b", "read", operandArray(flags.bVec), { kind: "input", input: 1 })
    .add("c", "read_write", operandArray(flags.cVec), { kind: "output" })
    .finish(sizes);
  return { groups, layout, sizes, bindings, ...dims, ...flags };
}
