import { intAttr } from "../ir/attrs.js";
import type { Node, Type } from "../ir/types.js";
import { assembleKernel } from "./assemble.js";
import { BindingList } from "./bindings.js";
import { CodegenError, DEFAULT_WORKGROUP, tensorOperand, tensorResult, type EmitOptions } from "./emit-context.js";
import { LINEAR_WORKGROUP, gridFor, groupsFor } from "./grid.js";
import type { KernelSpec } from "./kernel.js";
import { SizeTable } from "./wgsl.js";

/**
 * The products over a mask's compressed pattern (compiler/ir/ops/sparse-matmul.ts: one i32 array,
 * CSR then CSC). Work is proportional to the mask's non-zeros; sums run in index order.
 *
 *  - sp.matmul, transB  out[i,r] = Σ_{c ∈ row r} a[i,c]·W[r,c]        one invocation per output (CSR)
 *  - sp.matmul          out[i,c] = Σ_{r ∈ column c} a[i,r]·W[r,c]     one invocation per output (CSC)
 *  - sp.sddmm           out[r,c] = Σ_i a[i,r]·b[i,c] on the pattern    a workgroup per weight row
 *                       (it zeroes the row, then computes the row's positions)
 *
 * With a mostly-zero operand stored compactly (input features: codegen/pattern.ts), both sparse
 * operands are walked (`emitCompactSparseMatmul`, `emitCompactSparseSddmm`): the layer's forward
 * scatters each feature non-zero into the weight's column (CSC), and the weight's gradient sums
 * over the feature column's non-zeros — work nnz(x)·nnz(W)/in instead of N·nnz(W).
 */

interface Layout {
  sizes: SizeTable;
  rows: string;
  cols: string;
  /** Offsets of the pattern's arrays. */
  colptr: string;
  rowsAt: string;
}

function layout(node: Node, weight: { shape: readonly (number | string)[] }, options: EmitOptions): Layout {
  const sizes = new SizeTable(options.symbols);
  const rows = sizes.add("rows", weight.shape[0]);
  const cols = sizes.add("cols", weight.shape[1]);
  const nnz = sizes.add("nnz", intAttr(node.attrs, "nnz"));
  return { sizes, rows, cols, colptr: `(${rows} + 1u + ${nnz})`, rowsAt: `(${rows} + ${cols} + 2u + ${nnz})` };
}

function checkF32(node: Node, inputs: readonly Type[], count: number): void {
  for (let i = 0; i < count; i++) if (tensorOperand(node, inputs, i).dtype !== "f32") throw new CodegenError(node.op, "only f32 has a kernel", node.span);
  tensorResult(node);
}

/** sp.matmul with a dense first operand. */
export function emitSparseMatmul(node: Node, inputs: readonly Type[], options: EmitOptions): KernelSpec {
  checkF32(node, inputs, 2);
  const a = tensorOperand(node, inputs, 0);
  const w = tensorOperand(node, inputs, 1);
  const L = layout(node, w, options);
  const n = L.sizes.add("n", a.shape[0], "runtime");
  const transB = node.attrs.transB !== false;
  const bindings = new BindingList()
    .add("a", "read", "array<f32>", { kind: "input", input: 0 })
    .add("w", "read", "array<f32>", { kind: "input", input: 1 })
    .add("p", "read", "array<i32>", { kind: "input", input: 2 })
    .add("out", "read_write", "array<f32>", { kind: "output" })
    .finish(L.sizes);
  const [outer, width] = transB ? [L.rows, L.cols] : [L.cols, L.rows];
  const loop = transB
    ? `  for (var e = p[o]; e < p[o + 1u]; e = e + 1) {
    let j = u32(p[${L.rows} + 1u + u32(e)]);
    acc = acc + a[i * ${width} + j] * w[o * ${L.cols} + j];
  }`
    : `  for (var e = p[${L.colptr} + o]; e < p[${L.colptr} + o + 1u]; e = e + 1) {
    let j = u32(p[${L.rowsAt} + u32(e)]);
    acc = acc + a[i * ${width} + j] * w[j * ${L.cols} + o];
  }`;
  const body = `  let q = ${LINEAR_WORKGROUP} * ${DEFAULT_WORKGROUP}u + lid;
  if (q >= ${n} * ${outer}) {
    return;
  }
  let i = q / ${outer};
  let o = q % ${outer};
  var acc = 0.0;
${loop}
  out[q] = acc;
`;
  return assembleKernel(node, {
    name: options.name ?? (transB ? "sp_matmul_rows" : "sp_matmul_cols"),
    summary: transB ? "a·Wᵀ over W's pattern (CSR)" : "a·W over W's pattern (CSC)",
    sizes: L.sizes,
    bindings,
    body,
    workgroup: DEFAULT_WORKGROUP,
    dispatch: (s) => gridFor(groupsFor(s.n * (transB ? s.rows : s.cols), DEFAULT_WORKGROUP)),
  });
}

/** sp.matmul (transB) whose first operand is stored compactly: one invocation per row of it. */
export function emitCompactSparseMatmul(node: Node, inputs: readonly Type[], options: EmitOptions): KernelSpec {
  if (node.attrs.transB === false) throw new CodegenError(node.op, "a compact first operand has a kernel for a·Wᵀ only", node.span);
  checkF32(node, inputs, 2);
  const a = tensorOperand(node, inputs, 0);
  const w = tensorOperand(node, inputs, 1);
  const L = layout(node, w, options);
  const n = L.sizes.add("n", a.shape[0], "runtime");
  const bindings = new BindingList()
    .add("arowptr", "read", "array<i32>", { kind: "pattern", input: 0, array: "rowptr" })
    .add("acols", "read", "array<i32>", { kind: "pattern", input: 0, array: "cols" })
    .add("a", "read", "array<f32>", { kind: "input", input: 0 })
    .add("w", "read", "array<f32>", { kind: "input", input: 1 })
    .add("p", "read", "array<i32>", { kind: "input", input: 2 })
    .add("out", "read_write", "array<f32>", { kind: "output" })
    .finish(L.sizes);
  // The invocation owns output row i: it zeroes it, then adds each feature non-zero times the
  // weight's column, in feature order (each out[i,r] sums in ascending feature index).
  const body = `  let i = ${LINEAR_WORKGROUP} * ${DEFAULT_WORKGROUP}u + lid;
  if (i >= ${n}) {
    return;
  }
  let row = i * ${L.rows};
  for (var r = 0u; r < ${L.rows}; r = r + 1u) {
    out[row + r] = 0.0;
  }
  for (var e = arowptr[i]; e < arowptr[i + 1u]; e = e + 1) {
    let k = u32(acols[e]);
    let v = a[e];
    for (var f = p[${L.colptr} + k]; f < p[${L.colptr} + k + 1u]; f = f + 1) {
      let r = u32(p[${L.rowsAt} + u32(f)]);
      out[row + r] = out[row + r] + v * w[r * ${L.cols} + k];
    }
  }
`;
  return assembleKernel(node, {
    name: options.name ?? "sp_matmul_compact",
    summary: "a·Wᵀ over a's non-zeros and W's pattern (CSC), a row of a per invocation",
    sizes: L.sizes,
    bindings,
    body,
    workgroup: DEFAULT_WORKGROUP,
    dispatch: (s) => gridFor(groupsFor(s.n, DEFAULT_WORKGROUP)),
  });
}

/** The sddmm body over a weight row's positions, given the sum for position (r, c) as `sum`. */
function sddmmKernel(node: Node, L: Layout, extra: { bindings: BindingList; sum: string; name: string; summary: string }): KernelSpec {
  const bindings = extra.bindings.add("out", "read_write", "array<f32>", { kind: "output" }).finish(L.sizes);
  const body = `  let r = ${LINEAR_WORKGROUP};
  if (r >= ${L.rows}) {
    return;
  }
  for (var c = lid; c < ${L.cols}; c = c + ${DEFAULT_WORKGROUP}u) {
    out[r * ${L.cols} + c] = 0.0;
  }
  storageBarrier();
  for (var e = p[r] + i32(lid); e < p[r + 1u]; e = e + ${DEFAULT_WORKGROUP}) {
    let c = u32(p[${L.rows} + 1u + u32(e)]);
    var acc = 0.0;
${extra.sum}
    out[r * ${L.cols} + c] = acc;
  }
`;
  return assembleKernel(node, {
    name: extra.name,
    summary: extra.summary,
    sizes: L.sizes,
    bindings,
    body,
    workgroup: DEFAULT_WORKGROUP,
    dispatch: (s) => gridFor(s.rows),
  });
}

/** sp.sddmm with dense operands. */
export function emitSparseSddmm(node: Node, inputs: readonly Type[], options: EmitOptions): KernelSpec {
  checkF32(node, inputs, 2);
  const a = tensorOperand(node, inputs, 0);
  const L = layout(node, tensorResult(node), options);
  const n = L.sizes.add("n", a.shape[0], "runtime");
  const bindings = new BindingList()
    .add("a", "read", "array<f32>", { kind: "input", input: 0 })
    .add("b", "read", "array<f32>", { kind: "input", input: 1 })
    .add("p", "read", "array<i32>", { kind: "input", input: 2 });
  const sum = `    for (var i = 0u; i < ${n}; i = i + 1u) {
      acc = acc + a[i * ${L.rows} + r] * b[i * ${L.cols} + c];
    }`;
  return sddmmKernel(node, L, { bindings, sum, name: options.name ?? "sp_sddmm", summary: "aᵀ·b at the pattern's positions, a workgroup per row" });
}

/** sp.sddmm whose second operand is stored compactly: each position sums over that column's non-zeros. */
export function emitCompactSparseSddmm(node: Node, inputs: readonly Type[], options: EmitOptions): KernelSpec {
  checkF32(node, inputs, 2);
  const L = layout(node, tensorResult(node), options);
  const bindings = new BindingList()
    .add("a", "read", "array<f32>", { kind: "input", input: 0 })
    .add("bcolptr", "read", "array<i32>", { kind: "pattern", input: 1, array: "colptr" })
    .add("brows", "read", "array<i32>", { kind: "pattern", input: 1, array: "rows" })
    .add("bperm", "read", "array<i32>", { kind: "pattern", input: 1, array: "perm" })
    .add("b", "read", "array<f32>", { kind: "input", input: 1 })
    .add("p", "read", "array<i32>", { kind: "input", input: 2 });
  const sum = `    for (var f = bcolptr[c]; f < bcolptr[c + 1u]; f = f + 1) {
      acc = acc + a[u32(brows[f]) * ${L.rows} + r] * b[bperm[f]];
    }`;
  return sddmmKernel(node, L, { bindings, sum, name: options.name ?? "sp_sddmm_compact", summary: "aᵀ·b at the pattern's positions over b's non-zeros (CSC), a workgroup per row" });
}
