import type { Node, Type } from "../ir/types.js";
import { assembleKernel } from "./assemble.js";
import { BindingList } from "./bindings.js";
import { CodegenError, DEFAULT_WORKGROUP, tensorOperand, tensorResult, type EmitOptions } from "./emit-context.js";
import { LINEAR_WORKGROUP, gridFor, groupsFor } from "./grid.js";
import type { KernelSpec } from "./kernel.js";
import { SizeTable } from "./wgsl.js";

/**
 * The patterned matmuls whose other operand is stored [F, H] (matmul-pattern.ts has P·Wᵀ and
 * Dᵀ·P): the features times every ingredient's weights side by side (compiler/schedules/batch-models.ts).
 *
 *  - rowsN: out[i,j] = Σ_{e ∈ row i} p[e] · W[cols[e], j]               (P·W, W stored [F, H])
 *  - colsT: out[k,h] = Σ_{e ∈ column k} D[rows[e], h] · p[perm[e]]      (Pᵀ·D, the gradient of P·W's weight)
 *
 * One invocation per output element; sums in index order. Neighbouring invocations take
 * neighbouring j (h), so W is read (and the gradient written) contiguously along a row, which
 * matters when H is wide (ten models side by side: H = 160).
 */

/** Columns of the [F, H] operand read per sweep over the rows: one 64-byte line of each row. */
const TILE = 16;

/**
 * Work item q as (row, column) of a [rows, H] result swept a tile of TILE columns at a time:
 * every row of the tile, then the next tile. A sweep reads one line of each row of the wide
 * operand, so what it touches stays in cache however wide H is.
 */
function columnTiles(row: string, col: string, rows: string, h: string, sizes: SizeTable): string {
  const width = sizes.known("h");
  const tile = width !== undefined && width % TILE === 0 ? TILE : undefined;
  if (tile === undefined) return `  let ${row} = q / ${h};\n  let ${col} = q % ${h};`;
  return `  let sweep = q / (${rows} * ${tile}u);
  let ${row} = (q / ${tile}u) % ${rows};
  let ${col} = sweep * ${tile}u + q % ${tile}u;`;
}

/** P·W (no transposes) or Pᵀ·D (transA), P the first operand. */
export function emitWidePatternMatmul(node: Node, inputs: readonly Type[], options: EmitOptions): KernelSpec {
  const transA = node.attrs.transA === true;
  if (node.attrs.transB === true) throw new CodegenError(node.op, "a wide patterned matmul is P·W or Pᵀ·D", node.span);
  const a = tensorOperand(node, inputs, 0);
  const b = tensorOperand(node, inputs, 1);
  tensorResult(node);
  if (a.dtype !== "f32" || b.dtype !== "f32") throw new CodegenError(node.op, "only f32 has a patterned kernel", node.span);
  const sizes = new SizeTable(options.symbols);
  const list = new BindingList();
  const q = `let q = ${LINEAR_WORKGROUP} * ${DEFAULT_WORKGROUP}u + lid;`;
  let body: string;
  let units: (s: Readonly<Record<string, number>>) => number;
  if (!transA) {
    // a = P [N, F], b = W [F, H], out [N, H]
    const n = sizes.add("n", a.shape[0], "runtime");
    sizes.add("f", a.shape[1]);
    const h = sizes.add("h", b.shape[1]);
    list
      .add("rowptr", "read", "array<i32>", { kind: "pattern", input: 0, array: "rowptr" })
      .add("cols", "read", "array<i32>", { kind: "pattern", input: 0, array: "cols" })
      .add("p", "read", "array<f32>", { kind: "input", input: 0 })
      .add("w", "read", "array<f32>", { kind: "input", input: 1 })
      .add("out", "read_write", "array<f32>", { kind: "output" });
    body = `  ${q}
  if (q >= ${n} * ${h}) {
    return;
  }
${columnTiles("i", "j", n, h, sizes)}
  var acc = 0.0;
  for (var e = rowptr[i]; e < rowptr[i + 1u]; e++) {
    acc += p[e] * w[u32(cols[e]) * ${h} + j];
  }
  out[i * ${h} + j] = acc;
`;
    units = (s) => s.n * s.h;
  } else {
    // a = P [N, F], b = D [N, H], out [F, H]
    const h = sizes.add("h", b.shape[1]);
    const f = sizes.add("f", a.shape[1]);
    list
      .add("colptr", "read", "array<i32>", { kind: "pattern", input: 0, array: "colptr" })
      .add("rows", "read", "array<i32>", { kind: "pattern", input: 0, array: "rows" })
      .add("perm", "read", "array<i32>", { kind: "pattern", input: 0, array: "perm" })
      .add("d", "read", "array<f32>", { kind: "input", input: 1 })
      .add("p", "read", "array<f32>", { kind: "input", input: 0 })
      .add("out", "read_write", "array<f32>", { kind: "output" });
    body = `  ${q}
  if (q >= ${h} * ${f}) {
    return;
  }
${columnTiles("k", "j", f, h, sizes)}
  var acc = 0.0;
  for (var e = colptr[k]; e < colptr[k + 1u]; e++) {
    acc += d[u32(rows[e]) * ${h} + j] * p[perm[e]];
  }
  out[k * ${h} + j] = acc;
`;
    units = (s) => s.h * s.f;
  }
  return assembleKernel(node, {
    name: options.name ?? (transA ? "t_matmul_pattern_cols_t" : "t_matmul_pattern_rows_n"),
    summary: transA ? "Pᵀ·D over P's nonzeros (CSC pattern)" : "P·W over P's nonzeros (CSR pattern)",
    sizes,
    bindings: list.finish(sizes),
    body,
    workgroup: DEFAULT_WORKGROUP,
    dispatch: (s) => gridFor(groupsFor(units(s), DEFAULT_WORKGROUP)),
  });
}
