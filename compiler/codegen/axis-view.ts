import { normAxis } from "../ir/ops/common.js";
import type { Dim, Node, TensorType } from "../ir/types.js";
import { CodegenError } from "./emit-context.js";
import { product } from "./words.js";

/**
 * A tensor seen around one axis as [outer, dim, inner]: what slice, pad, select, concat and the
 * slice updates need, since each moves whole runs of `inner` (or `dim·inner`) contiguous words.
 */
export interface AxisView {
  axis: number;
  outer: Dim;
  dim: Dim;
  inner: Dim;
}

export function axisView(node: Node, t: TensorType, axisAttr: unknown): AxisView {
  const axis = typeof axisAttr === "number" ? normAxis(axisAttr, t.shape.length) : undefined;
  if (axis === undefined) throw new CodegenError(node.op, `axis ${String(axisAttr)} is out of range`, node.span);
  return {
    axis,
    outer: product(t.shape.slice(0, axis)),
    dim: t.shape[axis],
    inner: product(t.shape.slice(axis + 1)),
  };
}
