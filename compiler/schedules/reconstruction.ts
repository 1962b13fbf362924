import type { FuncBuilder } from "../ir/builder.js";
import type { Dim } from "../ir/types.js";

/**
 * The masked reconstruction loss of a graph auto-encoder module (techniques.md §1's
 * unsupervised modules, as SGNN's reference defines it) on a batch of nodes with embeddings
 * `h` [B, d]: the decoder σ(clamp(H Hᵀ, ±40)) against the batch's adjacency block, a weighted
 * binary cross-entropy whose positive entries are weighted by (entries kept / edges kept − 1),
 * over the entries kept: the diagonal is never scored, and each other entry is left out with
 * probability `maskRate` (symmetrically), drawn from `key`.
 */
export function reconstructionLoss(b: FuncBuilder, h: number, graph: number, idx: number, rows: Dim, key: number | undefined, maskRate: number): number {
  const c = (v: number) => b.emit("t.const", [], { value: v, dtype: "f32" });
  const oneMinus = (x: number) => b.emit("t.sub", [c(1), x]);
  const adjacency = b.emit("g.adjacency_block", [graph, idx]);
  const scores = b.emit("t.matmul", [h, h], { transB: true });
  // clamp(z, −40, 40) = −max(−max(z, −40), −40)
  const clamped = b.emit("t.neg", [b.emit("t.maximum", [b.emit("t.neg", [b.emit("t.maximum", [scores, c(-40)])]), c(-40)])]);
  const recon = b.emit("t.sigmoid", [clamped]);

  // The diagonal: entries whose row and column name the same node.
  const ids = b.emit("t.cast", [idx], { dtype: "f32" });
  const same = b.emit("t.sub", [b.emit("t.reshape", [ids], { shape: [rows, 1] }), b.emit("t.reshape", [ids], { shape: [1, rows] })]);
  let ignored = b.emit("t.step", [b.emit("t.neg", [b.emit("t.abs", [same])])], { at_zero: 1 });
  if (maskRate > 0 && key !== undefined) {
    const kept = b.emit("t.step", [b.emit("nn.dropout_mask", [adjacency, key], { p: maskRate })]);
    const dropped = oneMinus(kept);
    ignored = b.emit("t.maximum", [ignored, b.emit("t.maximum", [dropped, b.emit("t.transpose", [dropped])])]);
  }
  const weight = oneMinus(ignored);

  const all = { axes: [0, 1] };
  const positives = b.emit("t.sum", [b.emit("t.mul", [adjacency, weight])], all);
  const scored = b.emit("t.sum", [weight], all);
  const posWeight = b.emit("t.stop_gradient", [b.emit("t.sub", [b.emit("t.div", [scored, b.emit("t.maximum", [positives, c(1)])]), c(1)])]);
  const logOf = (x: number) => b.emit("t.log", [b.emit("t.maximum", [x, c(1e-6)])]);
  const pos = b.emit("t.mul", [b.emit("t.mul", [b.emit("t.mul", [adjacency, logOf(recon)]), weight]), posWeight]);
  const neg = b.emit("t.mul", [b.emit("t.mul", [oneMinus(adjacency), logOf(oneMinus(recon))]), weight]);
  return b.emit("t.neg", [b.emit("t.add", [b.emit("t.mean", [pos], all), b.emit("t.mean", [neg], all)])]);
}
