import { intAttr } from "../ir/attrs.js";
import type { Node, TensorType, Type } from "../ir/types.js";
import { assembleKernel } from "./assemble.js";
import { BindingList } from "./bindings.js";
import { CodegenError, DEFAULT_WORKGROUP, tensorOperand, tensorResult, type EmitOptions } from "./emit-context.js";
import { emitZeros } from "./fill.js";
import { LINEAR_WORKGROUP, gridFor, groupsFor } from "./grid.js";
import type { KernelBinding, KernelSpec } from "./kernel.js";
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
 * operands are walked (`emitCompactSparseMatmul`, `emitCompactSparseSddmm`): for each feature
 * non-zero (i, k), the positions of the weight's column k (CSC) — the forward adds into row i of
 * its output, the weight's gradient into its sums per position — work nnz(x)·nnz(W)/in instead
 * of N·nnz(W). Both read every operand in cache-sized pieces: on lavapipe, a product over 5% of
 * a weight that reads one value per cache line is no faster than the dense one.
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

/**
 * Invocations that share a weight column's positions in the sddmm. Eight: lavapipe runs a
 * workgroup eight invocations at a time (AVX2), each eight through the whole loop nest, so the
 * nodes' loop, which every member walks, costs once per eight members. Measured on Coauthor CS,
 * GCN hidden 512 at density 0.05 (24 positions per column): 76 ms at 8, 105 at 16, 179 at 32.
 */
const TEAM = 8;

/**
 * W's values at its pattern's positions in column order (CSC), into scratch buffer 0: the
 * products read them from there, nnz contiguous values, instead of one position per cache line of
 * the dense [R, C] weight (a 6805 × 512 weight is 14 MB; its 5% is 0.7 MB, which stays cached).
 */
function columnValuesKernel(node: Node, weight: TensorType, options: EmitOptions): KernelSpec {
  const L = layout(node, weight, options);
  const bindings = new BindingList()
    .add("w", "read", "array<f32>", { kind: "input", input: 1 })
    .add("p", "read", "array<i32>", { kind: "input", input: 2 })
    .add("wv", "read_write", "array<f32>", columnValues(node))
    .finish(L.sizes);
  // A workgroup per column: its positions are contiguous in the pattern's CSC arrays.
  return assembleKernel(node, {
    name: "sp_values_csc",
    summary: "W's values at the pattern's positions, column by column",
    sizes: L.sizes,
    bindings,
    body: `  let k = ${LINEAR_WORKGROUP};
  if (k >= ${L.cols}) {
    return;
  }
  let end = p[${L.colptr} + k + 1u];
  for (var f = p[${L.colptr} + k] + i32(lid); f < end; f = f + ${DEFAULT_WORKGROUP}) {
    wv[f] = w[u32(p[${L.rowsAt} + u32(f)]) * ${L.cols} + k];
  }
`,
    workgroup: DEFAULT_WORKGROUP,
    dispatch: (s) => gridFor(s.cols),
  });
}

/** The scratch buffer of W's values in column order, which the compact matmul's launches share. */
function columnValues(node: Node) {
  return { kind: "scratch" as const, index: 0, bytes: 4 * Math.max(1, intAttr(node.attrs, "nnz")) };
}

/**
 * sp.matmul (transB) whose first operand is stored compactly, as three launches: the output
 * zeroed, W's values in column order (columnValuesKernel), then an invocation per row i of a:
 * for each feature non-zero (k, v), in order, it adds v·W[r,k] over W's column k into its own
 * output row — so each out[i,r] sums in ascending feature index, as the interpreter does.
 */
export function emitCompactSparseMatmul(node: Node, inputs: readonly Type[], options: EmitOptions): KernelSpec[] {
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
    .add("wv", "read", "array<f32>", columnValues(node))
    .add("p", "read", "array<i32>", { kind: "input", input: 2 })
    .add("out", "read_write", "array<f32>", { kind: "output" })
    .finish(L.sizes);
  const body = `  let i = ${LINEAR_WORKGROUP} * ${DEFAULT_WORKGROUP}u + lid;
  if (i >= ${n}) {
    return;
  }
  let row = i * ${L.rows};
  let last = arowptr[i + 1u];
  for (var e = arowptr[i]; e < last; e = e + 1) {
    let k = u32(acols[e]);
    let v = a[e];
    let end = p[${L.colptr} + k + 1u];
    for (var f = p[${L.colptr} + k]; f < end; f = f + 1) {
      let r = row + u32(p[${L.rowsAt} + u32(f)]);
      out[r] = out[r] + v * wv[f];
    }
  }
`;
  const matmul = assembleKernel(node, {
    name: options.name ?? "sp_matmul_compact",
    summary: "a·Wᵀ over a's non-zeros and W's pattern (CSC), a row of a per invocation",
    sizes: L.sizes,
    bindings,
    body,
    workgroup: DEFAULT_WORKGROUP,
    dispatch: (s) => gridFor(groupsFor(s.n, DEFAULT_WORKGROUP)),
  });
  return [emitZeros(node, { ...options, name: "sp_zero" }), columnValuesKernel(node, w, options), matmul];
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

/** Node chunks of a compact sddmm: each sums its rows' products into its own copy of the positions. */
export const SDDMM_CHUNKS = 16;

/**
 * sp.sddmm whose second operand (the features, P) is stored compactly: out[r,k] = Σ_i a[i,r]·P[i,k]
 * at W's positions. Three launches:
 *
 *  1. the output zeroed;
 *  2. a workgroup per chunk of nodes (SDDMM_CHUNKS of them), walking its nodes' feature non-zeros
 *     (i, k, v) in order: the members take W's column k's positions f, one each, and add
 *     a[i, r_f]·v into the chunk's sum for f (scratch, in CSC order). Row i of a is read for
 *     all of its non-zeros while it is cached, and the sums (4·nnz bytes) stay cached too —
 *     a workgroup per weight column instead reads one a[i, r] per cache line, from all of a.
 *     Position f always falls to member (f − colptr[k]) mod team, so no two members share a sum.
 *  3. a workgroup per weight column: each position's chunk sums added in chunk order, written
 *     to out[r, k].
 *
 * Each sum runs over the feature column's non-zeros in ascending node order within a chunk, and
 * the chunks in order: the interpreter's order up to that one regrouping.
 */
export function emitCompactSparseSddmm(node: Node, inputs: readonly Type[], options: EmitOptions): KernelSpec[] {
  checkF32(node, inputs, 2);
  const a = tensorOperand(node, inputs, 0);
  const L = layout(node, tensorResult(node), options);
  const nnz = intAttr(node.attrs, "nnz");
  const partial = { kind: "scratch" as const, index: 0, bytes: 4 * SDDMM_CHUNKS * Math.max(1, nnz) };
  const n = L.sizes.add("n", a.shape[0], "runtime");
  const chunkBindings = new BindingList()
    .add("a", "read", "array<f32>", { kind: "input", input: 0 })
    .add("browptr", "read", "array<i32>", { kind: "pattern", input: 1, array: "rowptr" })
    .add("bcols", "read", "array<i32>", { kind: "pattern", input: 1, array: "cols" })
    .add("b", "read", "array<f32>", { kind: "input", input: 1 })
    .add("p", "read", "array<i32>", { kind: "input", input: 2 })
    .add("part", "read_write", "array<f32>", partial)
    .finish(L.sizes);
  const chunks = assembleKernel(node, {
    name: "sp_sddmm_chunks",
    summary: `aᵀ·b at the pattern's positions over b's non-zeros, ${SDDMM_CHUNKS} chunks of nodes, a workgroup of ${TEAM} each`,
    sizes: L.sizes,
    bindings: chunkBindings,
    body: `  let c = ${LINEAR_WORKGROUP};
  if (c >= ${SDDMM_CHUNKS}u) {
    return;
  }
  let base = c * ${L.sizes.expr("nnz")};
  // Each member zeroes the sums it adds into below (no barrier: on lavapipe one costs 45%).
  for (var k = 0u; k < ${L.cols}; k = k + 1u) {
    let end = p[${L.colptr} + k + 1u];
    for (var f = p[${L.colptr} + k] + i32(lid); f < end; f = f + ${TEAM}) {
      part[base + u32(f)] = 0.0;
    }
  }
  let size = (${n} + ${SDDMM_CHUNKS - 1}u) / ${SDDMM_CHUNKS}u;
  let stop = min(${n}, (c + 1u) * size);
  for (var i = min(${n}, c * size); i < stop; i = i + 1u) {
    for (var e = browptr[i]; e < browptr[i + 1u]; e = e + 1) {
      let k = u32(bcols[e]);
      let v = b[e];
      let end = p[${L.colptr} + k + 1u];
      for (var f = p[${L.colptr} + k] + i32(lid); f < end; f = f + ${TEAM}) {
        let q = base + u32(f);
        part[q] = part[q] + a[i * ${L.rows} + u32(p[${L.rowsAt} + u32(f)])] * v;
      }
    }
  }
`,
    workgroup: TEAM,
    dispatch: () => gridFor(SDDMM_CHUNKS),
  });
  const S = layout(node, tensorResult(node), options);
  const sumBindings = new BindingList()
    .add("p", "read", "array<i32>", { kind: "input", input: 2 })
    .add("part", "read", "array<f32>", partial)
    .add("out", "read_write", "array<f32>", { kind: "output" })
    .finish(S.sizes);
  const sum = assembleKernel(node, {
    name: options.name ?? "sp_sddmm_compact",
    summary: `the ${SDDMM_CHUNKS} chunks' sums added, a weight column per workgroup of ${TEAM}`,
    sizes: S.sizes,
    bindings: sumBindings,
    body: `  let k = ${LINEAR_WORKGROUP};
  if (k >= ${S.cols}) {
    return;
  }
  let end = p[${S.colptr} + k + 1u];
  for (var f = p[${S.colptr} + k] + i32(lid); f < end; f = f + ${TEAM}) {
    var acc = 0.0;
    for (var c = 0u; c < ${SDDMM_CHUNKS}u; c = c + 1u) {
      acc = acc + part[c * ${S.sizes.expr("nnz")} + u32(f)];
    }
    out[u32(p[${S.rowsAt} + u32(f)]) * ${S.cols} + k] = acc;
  }
`,
    workgroup: TEAM,
    dispatch: (s) => gridFor(s.cols),
  });
  return [emitZeros(node, { ...options, name: "sp_zero" }), chunks, sum];
}
