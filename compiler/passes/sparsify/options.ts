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
 * instead of dense kernels. Measured on lavapipe (bench/sparsity.ts): on Coauthor CS, GCN hidden
 * 512 (ERK), an epoch at density 0.2 takes 0.87× the dense one and at 0.05 0.44×; on Cora,
 * hidden 256 (uniform), compressed over dense kernels is 1.21× at 0.3, 1.04× at 0.2, 0.84× at
 * 0.1. Each pattern product reads scattered weights, so near density 1 it does more work per
 * multiply than a tiled matmul.
 */
export const SPARSE_BELOW = 0.2;

/**
 * A weight with fewer rows or columns than this keeps dense kernels at any density: its products
 * are too narrow for skipping zeros to pay (Cora hidden 256, the [7, 256] output layer at density
 * 0.2: its input's gradient took 5.9 ms compressed, 3.2 ms dense).
 */
export const SPARSE_MIN_WIDTH = 16;

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
