import type { KernelEmitter, LaunchesEmitter } from "./emit-context.js";
import { emitPattern, patternLaunches } from "./sparse-pattern.js";
import { emitSparseMatmul, emitSparseSddmm } from "./sparse-matmul.js";
import { emitSparseSelect } from "./sparse-select.js";

/**
 * Kernels of the sparse-weight ops (sp.*), keyed by op (the map in emit.ts spreads this list).
 * `sp.mask` is elementwise (elementwise-ops.ts); `sp.pattern` runs as three launches
 * (SPARSE_LAUNCHES); products with a compactly stored operand are chosen by the launch plan
 * (plan/compact-values.ts).
 */
export const SPARSE_EMITTERS: readonly [string, KernelEmitter][] = [
  ["sp.drop", emitSparseSelect],
  ["sp.grow", emitSparseSelect],
  ["sp.topk", emitSparseSelect],
  ["sp.pattern", emitPattern],
  ["sp.matmul", emitSparseMatmul],
  ["sp.sddmm", emitSparseSddmm],
];

export const SPARSE_LAUNCHES: readonly [string, LaunchesEmitter][] = [["sp.pattern", patternLaunches]];
