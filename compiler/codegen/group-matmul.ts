import type { Node, Type } from "../ir/types.js";
import { BindingList } from "./bindings.js";
import { tensorOperand, tensorResult, workgroupSizeOf, type EmitOptions } from "./emit-context.js";
import { flatKernel } from "./flat-kernel.js";
import type { KernelSpec } from "./kernel.js";
import { SizeTable } from "./wgsl.js";
import { refuseInPlace } from "./words.js";

/**
 * `t.group_matmul` and `t.group_matmul_tn` (compiler/ir/ops/group-matmul.ts): one invocation per
 * output element, summing over the inner dimension in order. The models are small (a few
 * channels each), so a plain dot product per element keeps every group in one launch; the row
 * count is passed at run time so one pipeline serves any graph.
 */

/** C[i, g·N + j] = Σ_k A[i, g·K + k] · op(B_g)[k, j]. */
export function emitGroupMatmul(node: Node, inputs: readonly Type[], options: EmitOptions): KernelSpec {
  refuseInPlace(node, options);
  const a = tensorOperand(node, inputs, 0);
  const b = tensorOperand(node, inputs, 1);
  tensorResult(node);
  const trans = node.attrs.transB === true;
  const sizes = new SizeTable(options.symbols);
  const m = sizes.add("m", a.shape[0], "runtime");
  const g = sizes.add("g", b.shape[0]);
  const k = sizes.add("k", trans ? b.shape[2] : b.shape[1]);
  const n = sizes.add("n", trans ? b.shape[1] : b.shape[2]);
  const bindings = new BindingList()
    .add("a", "read", "array<f32>", { kind: "input", input: 0 })
    .add("b", "read", "array<f32>", { kind: "input", input: 1 })
    .add("out", "read_write", "array<f32>", { kind: "output" })
    .finish(sizes);
  const bAt = trans ? `b[(grp * ${n} + j) * ${k} + p]` : `b[(grp * ${k} + p) * ${n} + j]`;
  const body = `let i = q / (${g} * ${n});
let grp = (q / ${n}) % ${g};
let j = q % ${n};
var acc = 0.0;
for (var p = 0u; p < ${k}; p = p + 1u) {
  acc = fma(a[(i * ${g} + grp) * ${k} + p], ${bAt}, acc);
}
out[q] = acc;`;
  return flatKernel({
    node,
    name: options.name ?? `t_group_matmul${trans ? "_tb" : ""}`,
    summary: "C_g = A_g · op(B_g), G models side by side",
    sizes,
    bindings,
    workgroupSize: workgroupSizeOf(node, options),
    units: `(${m} * ${g} * ${n})`,
    unitsOf: (s) => s.m * s.g * s.n,
    body,
    perInvocation: 1,
  });
}

/** S[g, k, j] = Σ_i A[i, g·K + k] · C[i, g·N + j]. */
export function emitGroupMatmulTn(node: Node, inputs: readonly Type[], options: EmitOptions): KernelSpec {
  refuseInPlace(node, options);
  const a = tensorOperand(node, inputs, 0);
  const out = tensorResult(node);
  const sizes = new SizeTable(options.symbols);
  const m = sizes.add("m", a.shape[0], "runtime");
  const g = sizes.add("g", out.shape[0]);
  const k = sizes.add("k", out.shape[1]);
  const n = sizes.add("n", out.shape[2]);
  const bindings = new BindingList()
    .add("a", "read", "array<f32>", { kind: "input", input: 0 })
    .add("c", "read", "array<f32>", { kind: "input", input: 1 })
    .add("out", "read_write", "array<f32>", { kind: "output" })
    .finish(sizes);
  const body = `let grp = q / (${k} * ${n});
let p = (q / ${n}) % ${k};
let j = q % ${n};
var acc = 0.0;
for (var i = 0u; i < ${m}; i = i + 1u) {
  acc = fma(a[(i * ${g} + grp) * ${k} + p], c[(i * ${g} + grp) * ${n} + j], acc);
}
out[q] = acc;`;
  return flatKernel({
    node,
    name: options.name ?? "t_group_matmul_tn",
    summary: "S_g = A_gᵀ · C_g, G models side by side",
    sizes,
    bindings,
    workgroupSize: workgroupSizeOf(node, options),
    units: `(${g} * ${k} * ${n})`,
    unitsOf: (s) => s.g * s.k * s.n,
    body,
    perInvocation: 1,
  });
}
