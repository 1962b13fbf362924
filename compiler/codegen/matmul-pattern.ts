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
 *  - rows:  out[i,j] = Σ_{e ∈ row i} p[e] · W[j, cols[e]]               (P·Wᵀ, a layer's forward: transB)
 *  - rowsN: out[i,j] = Σ_{e ∈ row i} p[e] · W[cols[e], j]               (P·W, W stored [F, H])
 *  - cols:  out[h,k] = Σ_{e ∈ column k} D[rows[e], h] · p[perm[e]]      (Dᵀ·P, the weight's gradient: transA)
 *  - colsT: out[k,h] = the same sum, stored [F, H]                       (Pᵀ·D, the gradient of P·W's weight)
 *
 * One invocation per output element; sums in index order. Neighbouring invocations take
 * neighbouring j (h): the [F, H] forms read W (and write the gradient) contiguously along a row,
 * which matters when H is wide (several models side by side, compiler/schedules/batch-models.ts).
 */

type Variant = "rows" | "rowsN" | "cols" | "colsT";

/** Columns of the [F, H] operand read per sweep over the rows: one 64-byte line of each row. */
const TILE = 16;

/**
 * Work item q as (row, column) of a [rows, H] result swept a tile of TILE columns at a time:
 * every row of the tile, then the next tile. A sweep reads one line of each row of the wide
 * operand (W [F, H], or the gradient's D [N, H]), so what it touches stays in cache however wide
 * H is (ten models side by side: H = 160).
 */
function columnTiles(row: string, col: string, rows: string, h: string, sizes: SizeTable): string {
  const width = sizes.known("h");
  const tile = width !== undefined && width % TILE === 0 ? TILE : undefined;
  if (tile === undefined) return `  let ${row} = q / ${h};\n  let ${col} = q % ${h};`;
  return `  let sweep = q / (${rows} * ${tile}u);
  let ${row} = (q / ${tile}u) % ${rows};
  let ${col} = sweep * ${tile}u + q % ${tile}u;`;
}

function variantOf(node: Node): Variant | undefined {
  const transA = node.attrs.transA === true;
  const transB = node.attrs.transB === true;
  if (!transA) return transB ? "rows" : "rowsN";
  if (!transB) return "cols"; // Dᵀ·P or Pᵀ·D: which operand is P decides (see emitPatternMatmul)
  return undefined;
}

/** The patterned kernel of a matmul whose operand `patterned` (0 or 1) is P. */
export function emitPatternMatmul(node: Node, inputs: readonly Type[], options: EmitOptions, patterned: 0 | 1 = node.attrs.transA === true ? 1 : 0): KernelSpec {
  let variant = variantOf(node);
  if (variant === "cols" && patterned === 0) variant = "colsT";
  if (variant === undefined || (variant !== "cols") !== (patterned === 0)) throw new CodegenError(node.op, "a patterned matmul is P·Wᵀ, P·W, Dᵀ·P or Pᵀ·D", node.span);
  const a = tensorOperand(node, inputs, 0);
  const b = tensorOperand(node, inputs, 1);
  tensorResult(node);
  if (a.dtype !== "f32" || b.dtype !== "f32") throw new CodegenError(node.op, "only f32 has a patterned kernel", node.span);
  const sizes = new SizeTable(options.symbols);
  const list = new BindingList();
  const q = `let q = ${LINEAR_WORKGROUP} * ${DEFAULT_WORKGROUP}u + lid;`;
  let body: string;
  let units: (s: Readonly<Record<string, number>>) => number;
  if (variant === "rows" || variant === "rowsN") {
    // a = P [N, F], b = W [H, F] (rows) or [F, H] (rowsN), out [N, H]
    const n = sizes.add("n", a.shape[0], "runtime");
    const f = sizes.add("f", a.shape[1]);
    const h = sizes.add("h", variant === "rows" ? b.shape[0] : b.shape[1]);
    list
      .add("rowptr", "read", "array<i32>", { kind: "pattern", input: 0, array: "rowptr" })
      .add("cols", "read", "array<i32>", { kind: "pattern", input: 0, array: "cols" })
      .add("p", "read", "array<f32>", { kind: "input", input: 0 })
      .add("w", "read", "array<f32>", { kind: "input", input: 1 })
      .add("out", "read_write", "array<f32>", { kind: "output" });
    const w = variant === "rows" ? `w[j * ${f} + u32(cols[e])]` : `w[u32(cols[e]) * ${h} + j]`;
    body = `  ${q}
  if (q >= ${n} * ${h}) {
    return;
  }
${variant === "rows" ? `  let i = q / ${h};
  let j = q % ${h};` : columnTiles("i", "j", n, h, sizes)}
  var acc = 0.0;
  for (var e = rowptr[i]; e < rowptr[i + 1u]; e++) {
    acc += p[e] * ${w};
  }
  out[i * ${h} + j] = acc;
`;
    units = (s) => s.n * s.h;
  } else {
    // cols: a = D [N, H], b = P [N, F], out [H, F]; colsT: a = P [N, F], b = D [N, H], out [F, H]
    const [d, pIndex, pt] = variant === "cols" ? [a, 1, b] : [b, 0, a];
    const h = sizes.add("h", d.shape[1]);
    const f = sizes.add("f", pt.shape[1]);
    list
      .add("colptr", "read", "array<i32>", { kind: "pattern", input: pIndex, array: "colptr" })
      .add("rows", "read", "array<i32>", { kind: "pattern", input: pIndex, array: "rows" })
      .add("perm", "read", "array<i32>", { kind: "pattern", input: pIndex, array: "perm" })
      .add("d", "read", "array<f32>", { kind: "input", input: 1 - pIndex })
      .add("p", "read", "array<f32>", { kind: "input", input: pIndex })
      .add("out", "read_write", "array<f32>", { kind: "output" });
    body = `  ${q}
  if (q >= ${h} * ${f}) {
    return;
  }
  // Neighbouring invocations share column k (its nonzeros are few or many: Zipf-like words):
  // they loop equally long and read neighbouring d elements.
${variant === "cols" ? `  let k = q / ${h};
  let j = q % ${h};` : columnTiles("k", "j", f, h, sizes)}
  var acc = 0.0;
  for (var e = colptr[k]; e < colptr[k + 1u]; e++) {
    acc += d[u32(rows[e]) * ${h} + j] * p[perm[e]];
  }
  out[${variant === "cols" ? `j * ${f} + k` : `k * ${h} + j`}] = acc;
`;
    units = (s) => s.h * s.f;
  }
  const bindings = list.finish(sizes);
  const names: Record<Variant, [string, string]> = {
    rows: ["t_matmul_pattern_rows", "P·Wᵀ over P's nonzeros (CSR pattern)"],
    rowsN: ["t_matmul_pattern_rows_n", "P·W over P's nonzeros (CSR pattern)"],
    cols: ["t_matmul_pattern_cols", "Dᵀ·P over P's nonzeros (CSC pattern)"],
    colsT: ["t_matmul_pattern_cols_t", "Pᵀ·D over P's nonzeros (CSC pattern)"],
  };
  return assembleKernel(node, {
    name: options.name ?? names[variant][0],
    summary: names[variant][1],
    sizes,
    bindings,
    body,
    workgroup: DEFAULT_WORKGROUP,
    dispatch: (s) => gridFor(groupsFor(units(s), DEFAULT_WORKGROUP)),
  });
}
