import type { OptionSchema } from "../pass.js";

/**
 * The options of `sparsify`. Steps are training steps (one per epoch in full-batch training);
 * phase boundaries are fractions of the train block's `epochs`.
 */

export const METHODS = ["rigl", "set", "gmp", "prune_admm", "prune_slr"] as const;
export type Method = (typeof METHODS)[number];

export const DISTRIBUTIONS = ["erk", "uniform"] as const;
export type Distribution = (typeof DISTRIBUTIONS)[number];

export interface SparsifyOptions {
  density: number;
  method: Method;
  distribution: Distribution;
  every: number;
  drop: number;
  end: number;
  dense: number;
  penalty: number;
  rho: number;
  slr_step: number;
  sparse_below: number;
}

const fraction = (doc: string, value: number): OptionSchema => ({ kind: "float", default: value, min: 0, max: 1, doc });

/**
 * Below this density a weight's matmuls run on its compressed pattern (sp.matmul, sp.sddmm)
 * instead of dense kernels. Measured on lavapipe (bench/sparse.ts, Coauthor CS, hidden 512): the
 * pattern kernels' epoch time is below the dense one's under about 0.3 — each pattern product
 * reads scattered weights, so near density 1 it does more work per multiply than a tiled matmul.
 */
export const SPARSE_BELOW = 0.3;

export const SPARSIFY_OPTIONS: Record<keyof SparsifyOptions, OptionSchema> = {
  density: { kind: "float", min: 0, minExclusive: true, max: 1, doc: "the fraction of weights kept, over all weight matrices (0 < density ≤ 1)" },
  method: {
    kind: "enum",
    values: METHODS,
    default: "rigl",
    doc: "rigl (sparse from the start, regrow by gradient) | set (regrow at random) | gmp (prune gradually, cubic) | prune_admm | prune_slr (dense, penalty, hard prune, retrain)",
  },
  distribution: { kind: "enum", values: DISTRIBUTIONS, default: "erk", doc: "per-layer densities: erk (∝ (n_in + n_out)/(n_in·n_out)) or uniform" },
  every: { kind: "int", default: 50, min: 1, doc: "steps between topology updates (rigl, set), pruning steps (gmp), and ADMM dual updates" },
  drop: fraction("rigl, set: the fraction of each layer's kept weights dropped and regrown at the first update, cosine-decayed to 0 at `end`", 0.3),
  end: fraction("rigl, set, gmp: where topology updates (gmp: pruning) end, as a fraction of the block's epochs", 0.75),
  dense: fraction("prune_admm, prune_slr: where dense training ends and the penalty phase starts, as a fraction of the block's epochs", 0.3),
  penalty: fraction("prune_admm, prune_slr: where the penalty phase ends (hard prune, then retraining with the mask fixed), as a fraction of the block's epochs", 0.6),
  rho: { kind: "float", default: 0.01, min: 0, minExclusive: true, doc: "prune_admm, prune_slr: the penalty ρ of ρ/2‖W − Z + U‖²" },
  slr_step: { kind: "float", default: 0.01, min: 0, minExclusive: true, doc: "prune_slr: the multiplier step s (Λ ← Λ + s(W − Z), taken only when the Lagrangian decreased)" },
  sparse_below: fraction("weights of a density below this run their matmuls on the compressed mask (skipping zeros); 0 never", SPARSE_BELOW),
};
