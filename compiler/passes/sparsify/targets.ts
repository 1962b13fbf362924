import { evalDim } from "../../ir/dims.js";
import { paramName } from "../../ir/struct-views.js";
import type { Func, Module, Node, ParamInfo } from "../../ir/types.js";
import type { Distribution } from "./options.js";

/**
 * Which tensors `sparsify` masks, and how densely.
 *
 * The rule: a **weight matrix** is a trainable parameter that is a matrix per layer — rank 2, or
 * rank 3 for a stacked `repeat(n)` parameter ([L, out, in], one matrix per layer) — and that a
 * `t.matmul` of the training step reads, directly or through a layer's slice. Biases, norm
 * weights (vectors per layer) and attention vectors (read elementwise) are left dense, as in
 * RigL and torch.nn.utils.prune's usual use. Each gets one mask, a non-trainable parameter named
 * `<param>_mask` of its shape; a stacked weight's mask selects per layer.
 *
 * Densities: `uniform` gives every matrix the density asked for; `erk` (Erdős–Rényi-kernel, as in
 * RigL) gives matrix l a density ∝ (n_in + n_out)/(n_in·n_out), scaled so that the kept weights
 * total density × all weights, and capped at 1 (capped matrices are kept dense and the rest
 * rescaled). Each layer keeps round(density_l · n_in·n_out) ≥ 1 weights.
 */

export interface Target {
  param: ParamInfo;
  /** The mask parameter's name. */
  mask: string;
  /** The name of the mask's compressed pattern when it is kept as state (see patternParam). */
  pattern: string;
  /** Layers (1 unless stacked) and the weights of one layer. */
  slices: number;
  rows: number;
  cols: number;
  size: number;
  /** Weights each layer keeps at the target density. */
  keep: number;
}

export const maskName = (param: string) => `${param}_mask`;
export const patternName = (param: string) => `${param}_pattern`;

/** Ids derived from `ids` by taking a layer's slice, reshaping or transposing (one matrix, viewed differently). */
const VIEWS = new Set(["t.select", "t.slice", "t.reshape", "t.transpose"]);

function readByMatmul(func: Func, param: string): boolean {
  const views = new Set<number>();
  let found = false;
  const visit = (nodes: readonly Node[]) => {
    for (const n of nodes) {
      if (paramName(n) === param) views.add(n.id);
      else if (VIEWS.has(n.op) && views.has(n.inputs[0])) views.add(n.id);
      else if (n.op === "t.matmul" && n.inputs.some((i) => views.has(i))) found = true;
      for (const r of n.regions ?? []) visit(r.body);
    }
  };
  visit(func.body);
  return found;
}

/** The weight matrices of `module` that `step` trains, by the rule above. */
export function weightMatrices(module: Module, step: Func): ParamInfo[] {
  return module.params.filter((p) => {
    const rank = p.type.shape.length - (p.stacked ? 1 : 0);
    return p.trainable && rank === 2 && readByMatmul(step, p.name);
  });
}

/** Per-matrix densities whose kept weights total `density` of all (see the rule above). */
export function densities(shapes: readonly { rows: number; cols: number; count: number }[], density: number, distribution: Distribution): number[] {
  if (distribution === "uniform") return shapes.map(() => density);
  const raw = shapes.map((s) => (s.rows + s.cols) / (s.rows * s.cols));
  const dense = new Set<number>();
  for (;;) {
    let kept = 0;
    let weighted = 0;
    shapes.forEach((s, i) => {
      if (dense.has(i)) kept -= s.count * (1 - density);
      else {
        kept += s.count * density;
        weighted += raw[i] * s.count;
      }
    });
    const eps = kept / weighted;
    const over = shapes.map((_, i) => i).filter((i) => !dense.has(i) && eps * raw[i] > 1);
    if (over.length === 0 || dense.size + over.length === shapes.length) {
      return shapes.map((_, i) => (dense.has(i) || over.includes(i) ? 1 : eps * raw[i]));
    }
    const worst = Math.max(...over.map((i) => raw[i]));
    for (const i of over) if (raw[i] === worst) dense.add(i);
  }
}

/** The targets of `params` at `density`; undefined with the name of a parameter whose size is not known at compile time. */
export function targetsOf(params: readonly ParamInfo[], symbols: Readonly<Record<string, number>>, density: number, distribution: Distribution): Target[] | { unknown: ParamInfo } {
  const shapes: { rows: number; cols: number; count: number; slices: number }[] = [];
  for (const p of params) {
    const dims = p.type.shape.map((d) => evalDim(d, symbols));
    if (dims.some((d) => d === undefined)) return { unknown: p };
    const [rows, cols] = dims.slice(-2) as number[];
    const slices = p.stacked ? (dims[0] as number) : 1;
    shapes.push({ rows, cols, slices, count: slices * rows * cols });
  }
  const ds = densities(shapes, density, distribution);
  return params.map((param, i) => {
    const { rows, cols, slices } = shapes[i];
    const size = rows * cols;
    return { param, mask: maskName(param.name), pattern: patternName(param.name), slices, rows, cols, size, keep: Math.max(1, Math.min(size, Math.round(ds[i] * size))) };
  });
}
