import type { Span } from "../../grammar/span.js";
import { FuncBuilder } from "../ir/builder.js";
import type { Dim, Func, ParamInfo, TensorType } from "../ir/types.js";

/**
 * k-means on an embedding held in state (`from`, f32[N, d]) as IR functions: the host only
 * draws k-means++'s seeds from the distances they return and decides when to stop.
 *   kmeans.seed     centers = from[picks]                           (picks: i32[K])
 *   kmeans.nearest  d2 = squared distance to the nearest chosen center (chosen: 0/1 f32[K])
 *   kmeans.step     one Lloyd step: assign each row to its nearest center, move the centers to
 *                   their rows' means (an empty cluster keeps its center); `changed` counts rows
 *                   whose cluster changed
 */
export const KMEANS = {
  seed: "kmeans.seed",
  nearest: "kmeans.nearest",
  step: "kmeans.step",
  centers: "kmeans.centers",
  assign: "kmeans.assign",
  picks: "kmeans.picks",
  chosen: "kmeans.chosen",
  distances: "d2",
  changed: "changed",
} as const;

const f32 = (...shape: Dim[]): TensorType => ({ kind: "tensor", dtype: "f32", shape });

/** Squared distances [N, K] between the rows of x and the centers. */
function distances(b: FuncBuilder, x: number, centers: number): number {
  const sq = (v: number) => b.emit("t.sum", [b.emit("t.mul", [v, v])], { axes: [1], keepdims: true });
  const cross = b.emit("t.matmul", [x, centers], { transB: true });
  const twice = b.emit("t.mul", [cross, b.emit("t.const", [], { value: 2, dtype: "f32" })]);
  return b.emit("t.add", [b.emit("t.sub", [sq(x), twice]), b.emit("t.transpose", [sq(centers)])]);
}

/** The k-means functions over state entry `from` ([nodes, width]) with `k` clusters, and the state they keep. */
export function kmeansFuncs(from: string, nodes: Dim, width: Dim, k: Dim, span: Span): { funcs: Func[]; state: ParamInfo[] } {
  const leafs = (b: FuncBuilder) => ({
    x: b.leaf("s.param", f32(nodes, width), { name: from }),
    centers: b.leaf("s.param", f32(k, width), { name: KMEANS.centers }),
  });
  const c = (b: FuncBuilder, v: number) => b.emit("t.const", [], { value: v, dtype: "f32" });

  const seed = new FuncBuilder(KMEANS.seed).at(span);
  const x0 = seed.leaf("s.param", f32(nodes, width), { name: from });
  const picks = seed.leaf("s.input", { kind: "tensor", dtype: "i32", shape: [k] }, { name: KMEANS.picks });

  const near = new FuncBuilder(KMEANS.nearest).at(span);
  const n = leafs(near);
  const chosen = near.leaf("s.input", f32(k), { name: KMEANS.chosen });
  const far = near.emit("t.mul", [near.emit("t.sub", [c(near, 1), chosen]), c(near, 1e30)]);
  const masked = near.emit("t.add", [distances(near, n.x, n.centers), near.emit("t.reshape", [far], { shape: [1, k] })]);
  const nearest = near.emit("t.neg", [near.emit("t.max", [near.emit("t.neg", [masked])], { axes: [1] })]);

  const step = new FuncBuilder(KMEANS.step).at(span);
  const s = leafs(step);
  const old = step.leaf("s.param", f32(nodes, k), { name: KMEANS.assign });
  const onehot = step.emit("t.argmax_onehot", [step.emit("t.neg", [distances(step, s.x, s.centers)])], { axes: [1] });
  const counts = step.emit("t.sum", [onehot], { axes: [0] });
  const sums = step.emit("t.matmul", [onehot, s.x], { transA: true });
  const empty = step.emit("t.sub", [c(step, 1), step.emit("t.step", [counts])]);
  const column = (v: number) => step.emit("t.reshape", [v], { shape: [k, 1] });
  const kept = step.emit("t.mul", [s.centers, column(empty)]);
  const moved = step.emit("t.div", [step.emit("t.add", [sums, kept]), column(step.emit("t.maximum", [counts, c(step, 1)]))]);
  const changed = step.emit("t.mul", [step.emit("t.sum", [step.emit("t.abs", [step.emit("t.sub", [onehot, old])])], { axes: [0, 1] }), c(step, 0.5)]);

  const zeros = (name: string, shape: Dim[]): ParamInfo => ({ name, type: f32(...shape), init: { kind: "zeros" }, trainable: false, span });
  return {
    funcs: [
      seed.finish([seed.emit("t.gather_rows", [x0, picks])], [KMEANS.centers]),
      near.finish([nearest], [KMEANS.distances]),
      step.finish([changed, moved, onehot], [KMEANS.changed, KMEANS.centers, KMEANS.assign]),
    ],
    state: [zeros(KMEANS.centers, [k, width]), zeros(KMEANS.assign, [nodes, k])],
  };
}
