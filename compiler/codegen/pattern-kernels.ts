import type { Node, TensorType } from "../ir/types.js";
import { assembleKernel } from "./assemble.js";
import { BindingList } from "./bindings.js";
import { CodegenError, DEFAULT_WORKGROUP } from "./emit-context.js";
import { LINEAR_WORKGROUP, gridFor, groupsFor } from "./grid.js";
import type { KernelSpec } from "./kernel.js";
import { PHILOX_WGSL } from "./philox.js";
import { dropoutDraw } from "./rng.js";
import { SizeTable } from "./wgsl.js";

/**
 * Kernels over a compactly stored mostly-zero matrix P [N, F] (pattern.ts: its nonzero values in
 * row order). One invocation per row: rows are short (Cora's average 18 nonzeros). Dropout
 * visits the rows most nonzeros first (the pattern's `roworder`), so that neighbouring
 * invocations, which run in lockstep on SIMD hardware, loop about equally long (Cora: 643 →
 * 550 µs on lavapipe, one microbenchmark).
 *
 * - dropout: compact in, compact out. Nonzero (i, k) draws Philox element i·F + k, exactly the
 *   draw the dense kernel (rng.ts) and the interpreter make, so the masks agree bit for bit; the
 *   zeros of P stay zero under any mask, so the result keeps P's pattern. It also packs each
 *   row's kept nonzeros at the row's start (pattern.ts KEPT_ARRAYS), for the matmuls.
 * - kept columns: the same by column, from the dropout's values, for the matmuls that walk columns.
 * - densify: the dense [N, F] matrix, for an op with no pattern-aware kernel.
 */


/** The matrix's sizes; `rows` false: a kernel over its columns only, which declares no row count (an unread uniform would leave the layout). */
function matrixSizes(node: Node, type: TensorType, options: { symbols?: Readonly<Record<string, number>> }, rows = true) {
  if (type.shape.length !== 2 || type.dtype !== "f32") throw new CodegenError(node.op, "a patterned operand is a 2-D f32 matrix", node.span);
  const sizes = new SizeTable(options.symbols);
  const n = rows ? sizes.add("n", type.shape[0], "runtime") : "";
  const f = sizes.add("f", type.shape[1]);
  return { sizes, n, f };
}

/**
 * WGSL packing nonzero `v` (its index in `indices`) at `at`, which moves on only when v is kept:
 * every value but ±0 (bits, not `!=`: a NaN, x · 0 of an x not finite, must still reach the
 * sums). Stored whether kept or not: at ≤ e, so a store stays in the row's (column's) range, and
 * a branch-free store cost lavapipe a third of what a masked one did (Cora, isolated: 0.12
 * against 0.37 ms over the plain dropout's 0.43–0.46).
 */
function packKept(indices: string, index: string): string {
  return `    ${indices}[at] = ${index};
    kept_values[at] = v;
    at += select(0u, 1u, (bitcast<u32>(v) << 1u) != 0u);`;
}

/** `nn.dropout{p}(P, rng)` over P's nonzeros, and the row side of its kept view. */
export function emitPatternDropout(node: Node, type: TensorType, options: { symbols?: Readonly<Record<string, number>> }): KernelSpec {
  const { threshold, scale, p } = dropoutDraw(node);
  const { sizes, n, f } = matrixSizes(node, type, options);
  const bindings = new BindingList()
    .add("rowptr", "read", "array<i32>", { kind: "pattern", input: 0, array: "rowptr" })
    .add("cols", "read", "array<i32>", { kind: "pattern", input: 0, array: "cols" })
    .add("roworder", "read", "array<i32>", { kind: "pattern", input: 0, array: "roworder" })
    .add("x", "read", "array<f32>", { kind: "input", input: 0 })
    .add("rng", "read", "array<u32>", { kind: "input", input: 1 })
    .add("out", "read_write", "array<f32>", { kind: "output" })
    .add("kept_end", "read_write", "array<i32>", { kind: "kept", array: "rowend" })
    .add("kept_cols", "read_write", "array<i32>", { kind: "kept", array: "cols" })
    .add("kept_values", "read_write", "array<f32>", { kind: "kept", array: "values" })
    .finish(sizes);
  const body = `  let t = ${LINEAR_WORKGROUP} * ${DEFAULT_WORKGROUP}u + lid;
  if (t >= ${n}) {
    return;
  }
  let i = u32(roworder[t]);
  let key = vec2<u32>(rng[0], rng[1]);
  var at = u32(rowptr[i]);
  for (var e = u32(rowptr[i]); e < u32(rowptr[i + 1u]); e++) {
    let k = i * ${f} + u32(cols[e]);
    let words = gnnc_philox(vec4<u32>(k / 4u, 0u, 0u, 0u), key);
    let v = x[e] * select(0.0, ${scale}, (words[k % 4u] >> 8u) >= ${threshold}u);
    out[e] = v;
${packKept("kept_cols", "cols[e]")}
  }
  kept_end[i] = i32(at);
`;
  return assembleKernel(node, {
    name: "nn_dropout_pattern",
    summary: `dropout with p = ${p} over a compact mostly-zero matrix's nonzeros, one row per invocation, its kept nonzeros packed by row`,
    sizes,
    bindings,
    helpers: [PHILOX_WGSL],
    body,
    workgroup: DEFAULT_WORKGROUP,
    dispatch: (s) => gridFor(groupsFor(s.n, DEFAULT_WORKGROUP)),
  });
}

/**
 * The dense form of the patterned operand `input` of `node` (the node that reads it densely; its
 * span names the kernel's source). Writes every element, zeros included: the buffer may be reused.
 */
export function emitDensify(node: Node, input: number, type: TensorType, options: { symbols?: Readonly<Record<string, number>> }): KernelSpec {
  const { sizes, n, f } = matrixSizes(node, type, options);
  const bindings = new BindingList()
    .add("rowptr", "read", "array<i32>", { kind: "pattern", input, array: "rowptr" })
    .add("cols", "read", "array<i32>", { kind: "pattern", input, array: "cols" })
    .add("x", "read", "array<f32>", { kind: "input", input })
    .add("out", "read_write", "array<f32>", { kind: "output" })
    .finish(sizes);
  const body = `  let i = ${LINEAR_WORKGROUP} * ${DEFAULT_WORKGROUP}u + lid;
  if (i >= ${n}) {
    return;
  }
  var e = u32(rowptr[i]);
  let end = u32(rowptr[i + 1u]);
  for (var k = 0u; k < ${f}; k++) {
    var v = 0.0;
    if (e < end && u32(cols[e]) == k) {
      v = x[e];
      e++;
    }
    out[i * ${f} + k] = v;
  }
`;
  return assembleKernel(node, {
    name: "pattern_densify",
    summary: "the dense form of a compact mostly-zero matrix, one row per invocation",
    sizes,
    bindings,
    body,
    workgroup: DEFAULT_WORKGROUP,
    dispatch: (s) => gridFor(groupsFor(s.n, DEFAULT_WORKGROUP)),
  });
}

/**
 * The column side of the kept view of `node`'s compact operand `input`, dropout of a mostly-zero
 * matrix (its values in row order): column k's kept nonzeros packed from P's `colptr[k]`, in row
 * order, with their values, ending at `colend[k]`. One column per invocation, longest first.
 */
export function emitKeptColumns(node: Node, input: number, type: TensorType, options: { symbols?: Readonly<Record<string, number>> }): KernelSpec {
  const { sizes, f } = matrixSizes(node, type, options, false);
  const bindings = new BindingList()
    .add("colptr", "read", "array<i32>", { kind: "pattern", input, array: "colptr" })
    .add("rows", "read", "array<i32>", { kind: "pattern", input, array: "rows" })
    .add("perm", "read", "array<i32>", { kind: "pattern", input, array: "perm" })
    .add("order", "read", "array<i32>", { kind: "pattern", input, array: "order" })
    .add("x", "read", "array<f32>", { kind: "input", input })
    .add("kept_end", "read_write", "array<i32>", { kind: "kept", input, array: "colend" })
    .add("kept_rows", "read_write", "array<i32>", { kind: "kept", input, array: "rows" })
    .add("kept_values", "read_write", "array<f32>", { kind: "kept", input, array: "column_values" })
    .finish(sizes);
  const body = `  let t = ${LINEAR_WORKGROUP} * ${DEFAULT_WORKGROUP}u + lid;
  if (t >= ${f}) {
    return;
  }
  let c = u32(order[t]);
  var at = u32(colptr[c]);
  for (var e = at; e < u32(colptr[c + 1u]); e++) {
    let v = x[perm[e]];
${packKept("kept_rows", "rows[e]")}
  }
  kept_end[c] = i32(at);
`;
  return assembleKernel(node, {
    name: "nn_dropout_pattern_columns",
    summary: "the kept nonzeros of dropout of a compact mostly-zero matrix, packed by column, one column per invocation",
    sizes,
    bindings,
    body,
    workgroup: DEFAULT_WORKGROUP,
    dispatch: (s) => gridFor(groupsFor(s.f, DEFAULT_WORKGROUP)),
  });
}
