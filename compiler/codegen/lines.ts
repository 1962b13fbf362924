import { intsAttr } from "../ir/attrs.js";
import { dimMul } from "../ir/dims.js";
import { normAxis } from "../ir/ops/common.js";
import type { Dim, Node, TensorType } from "../ir/types.js";
import { CodegenError } from "./emit-context.js";
import { SizeTable, wgslScalar } from "./wgsl.js";

/**
 * Lines: the groups of elements that a reduction folds into one output, or that a softmax or a
 * normalisation standardises together. A tensor of `shape` split by a set of `axes` has one line
 * per index of the other (kept) axes, row-major — exactly the flat order of the reduced result,
 * with or without keepdims — and each line holds the elements along `axes`, row-major too.
 *
 * Neighbouring axes of the same kind are merged first (size-1 axes vanish), so the usual cases
 * cost one multiply per element: a row of [N,C] over its last axis starts at `o·C` and steps by
 * 1, a column over axis 0 starts at `o` and steps by C, and a whole tensor is one line.
 */

interface Run {
  size: Dim;
  /** Whether the run is along the line (one of `axes`) or across lines. */
  along: boolean;
}

export interface LineLayout {
  /** WGSL expressions of the number of lines and of elements per line. */
  lines: string;
  length: string;
  /** Defines `gnnc_line_base(o)` (flat index of line o's first element) and `gnnc_line_step(j)` (offset of its j-th). */
  helpers: string;
  /** A line's elements are consecutive (`gnnc_line_step(j)` is `j`). */
  contiguous: boolean;
  /**
   * When the innermost run is across lines (lines are columns, as in a sum over axis 0 of
   * [N,C]) and its size is known: that size, the number of lines lying side by side in memory.
   */
  sideBySide?: number;
}

function mergeRuns(shape: readonly Dim[], axes: readonly number[]): Run[] {
  const runs: Run[] = [];
  shape.forEach((size, k) => {
    if (size === 1) return;
    const along = axes.includes(k);
    const last = runs[runs.length - 1];
    if (last && last.along === along) last.size = dimMul(last.size, size);
    else runs.push({ size, along });
  });
  return runs;
}

/**
 * The flat offset contributed by `index` enumerating, row-major, the runs that have `along`:
 * each such run's coordinate times the product of every run after it.
 */
function offsetExpr(runs: readonly Run[], exprs: readonly string[], along: boolean, index: string): string {
  const mine = runs.flatMap((r, i) => (r.along === along ? [i] : []));
  if (mine.length === 0) return "0u";
  return mine
    .map((i, q) => {
      const later = mine.slice(q + 1).map((k) => exprs[k]);
      let coord = later.length === 0 ? index : `(${index} / (${later.join(" * ")}))`;
      if (q > 0) coord = `(${coord} % ${exprs[i]})`;
      const stride = exprs.slice(i + 1);
      return stride.length === 0 ? coord : `${coord} * ${stride.join(" * ")}`;
    })
    .join(" + ");
}

/**
 * The lines of `shape` along `axes` (normalised, each in range). Declares `d0, d1, …` (the merged
 * runs), `lines` and `len` in `sizes`.
 */
export function lineLayout(shape: readonly Dim[], axes: readonly number[], sizes: SizeTable): LineLayout {
  const runs = mergeRuns(shape, axes);
  const exprs = runs.map((r, i) => sizes.add(`d${i}`, r.size));
  const product = (along: boolean) => runs.filter((r) => r.along === along).reduce<Dim>((n, r) => dimMul(n, r.size), 1);
  const lines = sizes.add("lines", product(false));
  const length = sizes.add("len", product(true));
  const step = offsetExpr(runs, exprs, true, "j");
  const helpers =
    `fn gnnc_line_base(o: u32) -> u32 {\n  return ${offsetExpr(runs, exprs, false, "o")};\n}\n\n` +
    `fn gnnc_line_step(j: u32) -> u32 {\n  return ${step};\n}\n`;
  const last = runs.length - 1;
  const sideBySide = last >= 0 && !runs[last].along ? sizes.known(`d${last}`) : undefined;
  return { lines, length, helpers, contiguous: step === "j" || step === "0u", sideBySide };
}

/**
 * The lines a reduction over `node.attrs.axes` of `x` folds, with a fresh size table and x's WGSL
 * scalar; refuses dtypes without a kernel and axes out of range.
 */
export function reducedLines(node: Node, x: TensorType, symbols?: Readonly<Record<string, number>>): { scalar: "f32" | "i32" | "u32"; sizes: SizeTable; layout: LineLayout } {
  const scalar = wgslScalar(x.dtype);
  if (!scalar) throw new CodegenError(node.op, `dtype ${x.dtype} has no GPU kernel yet`, node.span);
  const axes = intsAttr(node.attrs, "axes").map((a) => normAxis(a, x.shape.length));
  if (axes.some((a) => a === undefined)) throw new CodegenError(node.op, "an axis is out of range", node.span);
  const sizes = new SizeTable(symbols);
  return { scalar, sizes, layout: lineLayout(x.shape, axes as number[], sizes) };
}
