import type { Dim, Node } from "../ir/types.js";
import { assembleKernel } from "./assemble.js";
import { gridFor, groupsFor, LINEAR_WORKGROUP } from "./grid.js";
import { MAX_STORAGE_BUFFERS, type KernelBinding, type KernelSpec } from "./kernel.js";
import type { SizeTable } from "./wgsl.js";
import type { BindingList } from "./bindings.js";
import { addDivisor, type Lanes } from "./words.js";

/**
 * The skeleton of the row-per-invocation graph kernels — `g.spmm` (spmm.ts), `g.scatter_sum`,
 * `g.scatter_sum_src` and `g.spmm_t` (graph-sum.ts): each invocation owns one node's row of the
 * result — or, for wide rows, one slice of it — and walks that node's edges in order:
 * deterministic, no atomics. A slice is up to `MAX_ACCUMULATORS` units (vec4 or scalar) kept in
 * registers; consecutive invocations take consecutive slices of the same row, which keeps their
 * loads of a source row contiguous. When one invocation holds a whole row, neighbouring
 * invocations hold different rows and loop in lockstep as long as the longest of them, so rows are
 * visited most edges first (`orderRows`: about equally long neighbours). The kernels differ only
 * in the edges they walk and what they do with each; `rowKernel` gives them the rest.
 */

/**
 * Accumulators (vec4 or scalar) one invocation keeps in registers. On lavapipe 4 and 8 run at
 * about the same speed (4 GB/s on Amazon Computers' 64-wide rows) while 8 takes twice as long to
 * compile and 16 spills; 1 or 2 re-read each row's edge list too often.
 */
const MAX_ACCUMULATORS = 4;
/**
 * Scalar accumulators (rows whose width is not a multiple of 4) hold a quarter as much: up to 16,
 * so that a row of 7 classes is one invocation's, not two with guarded halves (3× faster on
 * lavapipe for Cora's output layer).
 */
const MAX_SCALAR_ACCUMULATORS = 16;

/** How the rows of a kernel are sliced across invocations. */
export interface RowSlices {
  /** Units per row and slices per row, as WGSL u32 expressions (literals when the width is known). */
  G: string;
  S: string;
  /** Accumulator indices of one invocation: acc0 … acc{perInvocation−1}, units g0 … g0 + perInvocation − 1 of its row. */
  accs: readonly number[];
  /** `stmt` for accumulator p, guarded when the row may end before unit g0 + p. */
  guarded(p: number, stmt: string): string;
}

/**
 * Declare the sizes a row kernel reads — `n` (the node count, passed at run time so one pipeline
 * serves every graph) and `f` (a row's elements; a zero width is passed at run time, as WGSL
 * rejects a division by a constant zero) — and return `n`'s WGSL expression.
 */
export function rowSizes(sizes: SizeTable, nodes: Dim, rowElements: Dim, symbols: Readonly<Record<string, number>>): string {
  const n = sizes.add("n", nodes, "runtime");
  addDivisor(sizes, "f", rowElements, symbols);
  return n;
}

/** The slicing of rows of `lanes`-wide units declared by rowSizes. */
export function rowSlices(sizes: SizeTable, lanes: Lanes): RowSlices & { perInvocation: number; slices?: number } {
  const f = sizes.known("f") || undefined; // a zero width is read from the uniform
  const groups = f !== undefined ? f / lanes : undefined; // units per row
  const most = lanes === 4 ? MAX_ACCUMULATORS : MAX_SCALAR_ACCUMULATORS;
  const perInvocation = groups !== undefined ? Math.max(1, Math.min(most, groups)) : 1;
  const slices = groups !== undefined ? Math.ceil(groups / perInvocation) : undefined;
  const G = groups !== undefined ? `${groups}u` : sizes.expr("f");
  const S = slices !== undefined ? `${slices}u` : sizes.expr("f");
  const guarded = (p: number, stmt: string) => (groups !== undefined && groups % perInvocation === 0 ? stmt : `if (g0 + ${p}u < ${G}) { ${stmt} }`);
  return { G, S, accs: Array.from({ length: perInvocation }, (_, p) => p), guarded, perInvocation, ...(slices !== undefined ? { slices } : {}) };
}

/**
 * Whether rows are visited most edges first (graph_order, by the side whose edges the kernel
 * walks): only when one invocation holds a whole row, and when a storage binding is left beside
 * the output for it (a fused epilogue's operands come first). Adds the order's binding to `list`. On
 * lavapipe, an SpMM of 16 columns took 22% less time on Cora, 37% less on Amazon Computers and 7%
 * less on Coauthor CS; with a row in slices (64 columns: 4) it gained nothing, and with ten slices
 * it lost 12% (the slices of one row already loop in lockstep; the order only scatters the stores).
 */
export function orderRows(rows: { slices?: number }, list: BindingList, by: "dst" | "src"): boolean {
  if (rows.slices !== 1 || list.storage + 2 > MAX_STORAGE_BUFFERS) return false;
  list.add("order", "read", "array<i32>", { kind: "graph_order", input: 0, by });
  return true;
}

export interface RowKernelParts {
  node: Node;
  name: string;
  summary: string;
  sizes: SizeTable;
  bindings: readonly KernelBinding[];
  helpers?: readonly string[];
  workgroup: number;
  /** rowSizes' node count. */
  n: string;
  lanes: Lanes;
  rows: ReturnType<typeof rowSlices>;
  /** Rows are visited in the order of the `order` binding (orderRows). */
  ordered: boolean;
  /**
   * The statements after the prologue (indented by two spaces, newline-terminated). They see
   * `i` (the row), `g0` (the invocation's first unit of it) and `first`/`last` (the row's range
   * in the CSR `indptr` binding).
   */
  body: string;
}

/** A complete row kernel: the prologue that finds the invocation's row and slice, then `body`. */
export function rowKernel(p: RowKernelParts): KernelSpec {
  const { rows, workgroup: wg } = p;
  const prologue = `  let t = ${LINEAR_WORKGROUP} * ${wg}u + lid;
  if (t >= ${p.n} * ${rows.S}) {
    return;
  }
  let i = ${p.ordered ? "u32(order[t])" : `t / ${rows.S}`};
  let g0 = (t % ${rows.S}) * ${rows.perInvocation}u;
  let first = u32(indptr[i]);
  let last = u32(indptr[i + 1u]);
`;
  return assembleKernel(p.node, {
    name: p.name,
    summary: p.summary,
    sizes: p.sizes,
    bindings: p.bindings,
    helpers: p.helpers,
    body: prologue + p.body,
    workgroup: wg,
    dispatch: (s) => gridFor(groupsFor(s.n * (rows.slices ?? Math.ceil(s.f / p.lanes / rows.perInvocation)), wg)),
  });
}
