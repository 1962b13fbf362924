import type { Node, TensorType, Type } from "../ir/types.js";
import { tensorOperand } from "./emit-context.js";
import type { SizeTable } from "./wgsl.js";
import { lanesFor, product, type Lanes } from "./words.js";

/**
 * The optional edge weights of a (g, [w], x) aggregation, as `g.spmm` defines them: w [E] scales
 * a whole message row, w [E,H] scales head h's slice of an x [N,H,C] row. A vec4 of the row must
 * then lie within one head, so per-head weights need C to be a multiple of 4 for vec4 lanes.
 */
export interface EdgeWeights {
  /** The weights' type; undefined without weights. */
  w?: TensorType;
  perHead: boolean;
  /** Lanes of the message rows (4 when the row, and each head's slice, holds whole vec4s). */
  lanes: Lanes;
  /**
   * WGSL prefix `… * ` scaling unit `unit` (a u32 expression, in lanes) of edge `e`'s message; ""
   * without weights. Per-edge weights read `we`, which the kernel loads once per edge.
   */
  scale(unit: string): string;
}

/** Read the weights of a (g, [w], x) node and declare their sizes (`heads`, `c`) in `sizes`. */
export function edgeWeights(node: Node, inputs: readonly Type[], sizes: SizeTable, symbols: Readonly<Record<string, number>>): EdgeWeights {
  const x = tensorOperand(node, inputs, inputs.length - 1);
  const w = inputs.length === 3 ? tensorOperand(node, inputs, 1) : undefined;
  const perHead = w !== undefined && w.shape.length === 2;
  const row = product(x.shape.slice(1));
  const lanes = lanesFor(perHead ? [row, x.shape[2]] : [row], symbols);
  if (!w) return { perHead, lanes, scale: () => "" };
  if (!perHead) return { w, perHead, lanes, scale: () => "we * " };
  const heads = sizes.add("heads", w.shape[1]);
  const headWidth = sizes.add("c", x.shape[2]);
  return { w, perHead, lanes, scale: (unit) => `w[e * ${heads} + (${unit}) * ${lanes}u / ${headWidth}] * ` };
}
