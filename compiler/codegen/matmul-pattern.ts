import type { Node, Type } from "../ir/types.js";
import { assembleKernel } from "./assemble.js";
import { BindingList } from "./bindings.js";
import { CodegenError, DEFAULT_WORKGROUP, tensorOperand, tensorResult, type EmitOptions } from "./emit-context.js";
import { LINEAR_WORKGROUP, gridFor, groupsFor } from "./grid.js";
import type { KernelSpec } from "./kernel.js";
import { SizeTable } from "./wgsl.js";

/**
 * `t.matmul` where one operand P is mostly zeros with a pattern known at load (input features and
 * dropout of them: dropout keeps zeros zero): only P's nonzero positions are visited, so the cost
 * is nnz(P)·H instead of N·F·H — Cora's features are 1.3% nonzero. P is stored compactly: its
 * nonzero values in row order (pattern.ts); the pattern comes as CSR or CSC index arrays.
 *
 *  - rows: out[i,j] = Σ_{e ∈ row i of P} p[e] · W[j, cols[e]]             (P·Wᵀ, the layer's forward: transB)
 *  - cols: out[h,k] = Σ_{e ∈ column k of P} D[rows[e], h] · p[perm[e]]    (Dᵀ·P, the weight's gradient: transA)
 *
 * One invocation per output element; sums in index order.
 */


export function emitPatternMatmul(node: Node, inputs: readonly Type[], options: EmitOptions): KernelSpec {
  const rows = node.attrs.transA !== true && node.attrs.transB === true;
  const cols = node.attrs.transA === true && node.attrs.transB !== true;
  if (!rows && !cols) throw new CodegenError(node.op, "a patterned matmul is P·Wᵀ or Dᵀ·P", node.span);
  const a = tensorOperand(node, inputs, 0);
  const b = tensorOperand(node, inputs, 1);
  tensorResult(node);
  if (a.dtype !== "f32" || b.dtype !== "f32") throw new CodegenError(node.op, "only f32 has a patterned kernel", node.span);
  const sizes = new SizeTable(options.symbols);
  const list = new BindingList();
  let body: string;
  if (rows) {
    // a = P [N, F], b = W [H, F], out [N, H]
    const n = sizes.add("n", a.shape[0], "runtime");
    const f = sizes.add("f", a.shape[1]);
    const h = sizes.add("h", b.shape[0]);
    list
      .add("rowptr", "read", "array<i32>", { kind: "pattern", input: 0, array: "rowptr" })
      .add("cols", "read", "array<i32>", { kind: "pattern", input: 0, array: "cols" })
      .add("p", "read", "array<f32>", { kind: "input", input: 0 })
      .add("w", "read", "array<f32>", { kind: "input", input: 1 })
      .add("out", "read_write", "array<f32>", { kind: "output" });
    body = `  let q = ${LINEAR_WORKGROUP} * ${DEFAULT_WORKGROUP}u + lid;
  if (q >= ${n} * ${h}) {
    return;
  }
  let i = q / ${h};
  let j = q % ${h};
  var acc = 0.0;
  for (var e = rowptr[i]; e < rowptr[i + 1u]; e++) {
    acc += p[e] * w[j * ${f} + u32(cols[e])];
  }
  out[q] = acc;
`;
  } else {
    // a = D [N, H], b = P [N, F], out [H, F]
    const h = sizes.add("h", a.shape[1]);
    const f = sizes.add("f", b.shape[1]);
    list
      .add("colptr", "read", "array<i32>", { kind: "pattern", input: 1, array: "colptr" })
      .add("rows", "read", "array<i32>", { kind: "pattern", input: 1, array: "rows" })
      .add("perm", "read", "array<i32>", { kind: "pattern", input: 1, array: "perm" })
      .add("d", "read", "array<f32>", { kind: "input", input: 0 })
      .add("p", "read", "array<f32>", { kind: "input", input: 1 })
      .add("out", "read_write", "array<f32>", { kind: "output" });
    body = `  let q = ${LINEAR_WORKGROUP} * ${DEFAULT_WORKGROUP}u + lid;
  if (q >= ${h} * ${f}) {
    return;
  }
  // Neighbouring invocations share column k (its nonzeros are few or many: Zipf-like words):
  // they loop equally long and read neighbouring d elements.
  let k = q / ${h};
  let j = q % ${h};
  var acc = 0.0;
  for (var e = colptr[k]; e < colptr[k + 1u]; e++) {
    acc += d[u32(rows[e]) * ${h} + j] * p[perm[e]];
  }
  out[j * ${f} + k] = acc;
`;
  }
  const bindings = list.finish(sizes);
  return assembleKernel(node, {
    name: options.name ?? (rows ? "t_matmul_pattern_rows" : "t_matmul_pattern_cols"),
    summary: rows ? "P·Wᵀ over P's nonzeros (CSR pattern)" : "Dᵀ·P over P's nonzeros (CSC pattern)",
    sizes,
    bindings,
    body,
    workgroup: DEFAULT_WORKGROUP,
    dispatch: (s) => gridFor(groupsFor(rows ? s.n * s.h : s.h * s.f, DEFAULT_WORKGROUP)),
  });
}
