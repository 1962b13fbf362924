import { dimMul } from "../ir/dims.js";
import type { Dim } from "../ir/types.js";
import type { SizeTable } from "./wgsl.js";

/**
 * Index arithmetic for NumPy broadcasting in a flat elementwise kernel. The output's axes are
 * merged wherever every operand treats neighbouring axes alike (both present, or both broadcast),
 * so the common cases cost at most one division: `[N,C] + [C]` reads `b[e % C]`, `[N,C] · [N,1]`
 * reads `b[e / C]`, equal shapes read `[e]` and one-element operands read `[0]`.
 */

/** Per merged axis: its size, and for each operand whether it varies along it. */
interface MergedAxis {
  size: Dim;
  present: boolean[];
}

function mergeAxes(out: readonly Dim[], operands: readonly (readonly Dim[])[]): MergedAxis[] {
  const axes: MergedAxis[] = [];
  out.forEach((size, k) => {
    if (size === 1) return; // nobody varies along a size-1 axis
    const present = operands.map((shape) => {
      const j = k - (out.length - shape.length);
      return j >= 0 && shape[j] !== 1;
    });
    const last = axes[axes.length - 1];
    if (last && last.present.every((p, i) => p === present[i])) last.size = dimMul(last.size, size);
    else axes.push({ size, present });
  });
  return axes;
}

export interface BroadcastPlan {
  /** WGSL statements that define one index variable per operand from the flat output index `e`. */
  code: string;
  /** The innermost merged axis's size (undefined for a one-element output). */
  innermost?: Dim;
  /**
   * Per operand: whether it varies along the innermost axis. Such an operand's elements for
   * consecutive outputs are consecutive too; the others repeat one element along that axis.
   */
  contiguous: boolean[];
}

/**
 * The index plan of `operands` broadcast to `out`, defining `names[i]` for operand i. Sizes of
 * merged axes are declared in `sizes` as `d0, d1, …`.
 */
export function broadcastIndices(
  out: readonly Dim[],
  operands: readonly (readonly Dim[])[],
  names: readonly string[],
  sizes: SizeTable,
): BroadcastPlan {
  const axes = mergeAxes(out, operands);
  const dims = axes.map((a, k) => sizes.add(`d${k}`, a.size));
  const lines: string[] = [];
  const coords = new Set<number>();
  const exprs = operands.map((_, i) => {
    const mine = axes.flatMap((a, k) => (a.present[i] ? [k] : []));
    if (mine.length === axes.length) return "e";
    if (mine.length === 0) return "0u";
    // Row-major strides over this operand's own (present) axes.
    const terms: string[] = [];
    let stride: string[] = [];
    for (let q = mine.length - 1; q >= 0; q--) {
      const k = mine[q];
      coords.add(k);
      terms.push(stride.length === 0 ? `c${k}` : `c${k} * ${stride.join(" * ")}`);
      stride = [dims[k], ...stride];
    }
    return terms.reverse().join(" + ");
  });
  // Coordinate k of e: divide out the later axes, then wrap by this axis (the first needs no wrap).
  for (const k of [...coords].sort((a, b) => a - b)) {
    const later = dims.slice(k + 1);
    const quotient = later.length === 0 ? "e" : `e / (${later.join(" * ")})`;
    lines.push(k === 0 ? `let c${k} = ${quotient};` : `let c${k} = (${quotient}) % ${dims[k]};`);
  }
  names.forEach((n, i) => lines.push(`let ${n} = ${exprs[i]};`));
  const last = axes[axes.length - 1];
  return {
    code: lines.join("\n"),
    innermost: last?.size,
    contiguous: operands.map((_, i) => (last ? last.present[i] : true)),
  };
}
