import type { Span } from "../../grammar/span.js";
import { FuncBuilder } from "../ir/builder.js";
import type { Dim, Func } from "../ir/types.js";
import { project, type LevelSet } from "./admm-levels.js";
import { IrMath } from "./ir-math.js";

/**
 * One iteration of pdADMM-G (techniques.md §2), per layer, as IR. Rows are the training nodes
 * (T of them); layer l maps its input p_l [T, d_in] by W_l [d_out, d_in] (Linear's layout) and
 * b_l to the pre-activation z_l [T, d_out]; a hidden layer's output q_l is coupled to the next
 * layer's input by p_{l+1} = q_l, with the dual u_l. Minimised:
 *
 *   R(z_L; y) + ν/2 Σ ‖z_l − p_l W_lᵀ − b_l‖² + ν/2 Σ_{l<L} ‖q_l − relu(z_l)‖²
 *     + Σ_{l<L} ⟨u_l, p_{l+1} − q_l⟩ + ρ/2 ‖p_{l+1} − q_l‖² + μ/2 Σ ‖W_l‖²
 *
 * with R the cross-entropy of softmax(z_L) summed over the rows. An iteration runs every layer's
 * p-update (l ≥ 2; it reads the previous layer's q and u), then every layer's update of W, b, z,
 * q and u (it reads the next layer's p): within each, the layers are independent.
 */

/** The state entries a layer's functions read and write. */
export interface LayerEntries {
  /** 1-based; the output layer is the stage's last. */
  index: number;
  W: string;
  b: string;
  z: string;
  /** The layer's input: the augmented features for the first layer. */
  p: string;
  din: Dim;
  dout: Dim;
  /** A hidden layer's output, dual and the next layer's input. */
  coupling?: { q: string; u: string; next: string };
  /** The previous layer's output and dual (every layer but the first). */
  previous?: { q: string; u: string };
  /** [objective part, residual part] of this layer, for the iteration's report. */
  terms: string;
}

export interface UpdateSettings {
  rows: Dim;
  classes: Dim;
  /** ADMM's penalties: device state, grown by the report function. */
  rho: string;
  nu: string;
  /** Weight decay of W (the reference code's μ/2 ‖W‖²). */
  mu: number;
  /** Backtracking: the first τ, and at most this many tries, doubling τ after each. */
  tau: number;
  tries: number;
  /** FISTA for the output layer's z. */
  fista: { iterations: number; tol: number; step: number };
  /** One-hot labels of the rows, [T, classes]. */
  labels: string;
  /** pdADMM-G-Q: which of p and q lies on the level set, and the set's table entry. */
  quantize?: { target: "p" | "q"; set: LevelSet; table: string };
  span: Span;
}

/** The state entry names of layer `l`'s p-update function and update function. */
export const pFuncName = (stage: string, l: number) => `admm.${stage}.l${l}.p`;
export const updateFuncName = (stage: string, l: number) => `admm.${stage}.l${l}.update`;

class LayerMath extends IrMath {
  constructor(
    b: FuncBuilder,
    readonly s: UpdateSettings,
  ) {
    super(b);
  }

  rho(): number {
    return this.param(this.s.rho, this.f32());
  }
  nu(): number {
    return this.param(this.s.nu, this.f32());
  }
  matrix(name: string, rows: Dim, cols: Dim): number {
    return this.param(name, this.f32(rows, cols));
  }
  vector(name: string, n: Dim): number {
    return this.param(name, this.f32(n));
  }
  /** p Wᵀ + b. */
  affine(p: number, W: number, b: number): number {
    return this.add(this.matmul(p, W, { b: true }), b);
  }
  /** x projected onto the level set when `target` is the quantised one. */
  quantized(x: number, target: "p" | "q"): number {
    const q = this.s.quantize;
    if (!q || q.target !== target) return x;
    return project(this, x, q.set, this.param(q.table, this.f32(q.set.values.length, 1)));
  }

  /**
   * One gradient step x − g/τ with backtracking on the quadratic majoriser: the first τ of the
   * tries (τ = τ₀, 2τ₀, 4τ₀, …) whose candidate c satisfies f(c) ≤ f(x) + ⟨g, c − x⟩ + τ/2 ‖c − x‖²
   * is kept; if none does, `fallback`. For the quadratic f of these subproblems the test is
   * exactly ½(c − x)ᵀ H (c − x) ≤ τ/2 ‖c − x‖², which `curvature(d)` = dᵀHd computes without
   * subtracting two large objective values.
   *
   * Data-dependent control in IR: an equilibrium loop whose first carried value is τ. A try
   * that is accepted leaves τ as it was, so the loop stops after it (tol 0); a refused one
   * doubles τ. On the GPU the loop runs in chunks between flag readbacks; iterations past the
   * accepted one change nothing.
   */
  backtrack(x: number, g: number, curvature: (d: number) => number, quantize: (c: number) => number, fallback: number): number {
    const { tau, tries } = this.s;
    const [, kept] = this.b.loop([this.c(tau), fallback], { trip: tries, mode: "equilibrium", max_iter: tries, tol: 0 }, (_i, [t, current]) => {
      const candidate = quantize(this.sub(x, this.div(g, t)));
      const d = this.sub(candidate, x);
      const accept = this.step(this.sub(this.mul(t, this.sq(d)), curvature(d)), 1);
      return [this.mul(t, this.sub(this.c(2), accept)), this.choose(accept, candidate, current)];
    });
    return kept;
  }

  /**
   * backtrack() for a candidate that is not projected: then c − x = −g/τ, and the test
   * τ/2 ‖c − x‖² ≥ ½ (c − x)ᵀ H (c − x) reads τ ‖g‖² ≥ gᵀHg, so one curvature — of g, passed as
   * `curvatureOfG` — decides every try, the loop runs over scalars, and the large products are
   * formed once, not once per try (Coauthor CS's first layer reads 34,025-wide inputs: per-try
   * products dominated its iteration). Returns the step length taken: 1/τ of the first accepted
   * try, 0 when none is (x kept); the update is x − length · g.
   */
  stepLength(g: number, curvatureOfG: number): number {
    const { tau, tries } = this.s;
    const g2 = this.sq(g);
    const [t, accepted] = this.b.loop([this.c(tau), this.c(0)], { trip: tries, mode: "equilibrium", max_iter: tries, tol: 0 }, (_i, [t]) => {
      const accept = this.step(this.sub(this.mul(t, g2), curvatureOfG), 1);
      return [this.mul(t, this.sub(this.c(2), accept)), accept];
    });
    return this.div(accepted, t);
  }
}

/**
 * p_l ← argmin ν/2 ‖z − p Wᵀ − b‖² + ⟨u_{l−1}, p − q_{l−1}⟩ + ρ/2 ‖p − q_{l−1}‖² by one
 * backtracking gradient step (projected onto the level set under -Q of p; with no step
 * accepted, the old p projected, as the reference code does).
 */
export function pUpdateFunc(name: string, layer: LayerEntries, s: UpdateSettings): Func {
  const m = new LayerMath(new FuncBuilder(name).at(s.span), s);
  const prev = layer.previous!;
  const p = m.matrix(layer.p, s.rows, layer.din);
  const W = m.matrix(layer.W, layer.dout, layer.din);
  const b = m.vector(layer.b, layer.dout);
  const z = m.matrix(layer.z, s.rows, layer.dout);
  const q = m.matrix(prev.q, s.rows, layer.din);
  const u = m.matrix(prev.u, s.rows, layer.din);
  const [rho, nu] = [m.rho(), m.nu()];
  const r = m.sub(m.affine(p, W, b), z);
  const g = m.add(m.add(m.mul(nu, m.matmul(r, W)), u), m.mul(rho, m.sub(p, q)));
  const curvature = (d: number) => m.add(m.mul(nu, m.sq(m.matmul(d, W, { b: true }))), m.mul(rho, m.sq(d)));
  const next = s.quantize?.target === "p" ? m.backtrack(p, g, curvature, (c) => m.quantized(c, "p"), m.quantized(p, "p")) : m.sub(p, m.mul(m.stepLength(g, curvature(g)), g));
  return m.b.finish([next], [layer.p]);
}

/**
 * W, b, z, then (hidden layers) q and u of one layer, and its terms of the objective:
 *  - W by a backtracking gradient step on ν/2 ‖z − p Wᵀ − b‖² + μ/2 ‖W‖²;
 *  - b = the mean over rows of z − p Wᵀ (closed form);
 *  - hidden z per element: the better of min((a + z_old)/2, 0) and max((a + q + z_old)/3, 0),
 *    a = p Wᵀ + b, the two branches' minimisers of (z − a)² + (q − relu z)² + (z − z_old)²;
 *  - output z by FISTA on R(z; y) + ν/2 ‖z − a‖²;
 *  - q = (ρ p_{l+1} + u + ν relu(z)) / (ρ + ν) (projected under -Q of q); u += ρ (p_{l+1} − q).
 */
export function updateFunc(name: string, layer: LayerEntries, s: UpdateSettings): Func {
  const m = new LayerMath(new FuncBuilder(name).at(s.span), s);
  const p = m.matrix(layer.p, s.rows, layer.din);
  const W = m.matrix(layer.W, layer.dout, layer.din);
  const b = m.vector(layer.b, layer.dout);
  const zOld = m.matrix(layer.z, s.rows, layer.dout);
  const [rho, nu] = [m.rho(), m.nu()];

  // Three products with p, whatever the tries: p Wᵀ, rᵀ p (the gradient) and p gᵀ, from which
  // the curvature and p W1ᵀ = p Wᵀ − length · p gᵀ follow.
  const pW = m.matmul(p, W, { b: true });
  const r = m.sub(m.add(pW, b), zOld);
  const gradW = m.add(m.mul(nu, m.matmul(r, p, { a: true })), m.scale(W, s.mu));
  const pg = m.matmul(p, gradW, { b: true });
  const length = m.stepLength(gradW, m.add(m.mul(nu, m.sq(pg)), m.scale(m.sq(gradW), s.mu)));
  const W1 = m.sub(W, m.mul(length, gradW));
  const pW1 = m.sub(pW, m.mul(length, pg));
  const b1 = m.columnMean(m.sub(zOld, pW1));
  const a = m.add(pW1, b1);
  const decay = m.scale(m.sq(W1), s.mu / 2);
  const fit = (z: number) => m.mul(m.scale(nu, 0.5), m.sq(m.sub(z, a)));

  if (!layer.coupling) {
    const y = m.matrix(s.labels, s.rows, s.classes);
    const z1 = fista(m, a, zOld, y, nu);
    const objective = m.add(m.add(crossEntropy(m, z1, y), fit(z1)), decay);
    return m.b.finish([W1, b1, z1, terms(m, objective, m.c(0))], [layer.W, layer.b, layer.z, layer.terms]);
  }
  const { q: qName, u: uName, next: nextName } = layer.coupling;
  const q = m.matrix(qName, s.rows, layer.dout);
  const u = m.matrix(uName, s.rows, layer.dout);
  const next = m.matrix(nextName, s.rows, layer.dout);
  const z1 = reluProx(m, a, zOld, q);
  const q1 = m.quantized(m.div(m.add(m.add(m.mul(rho, next), u), m.mul(nu, m.relu(z1))), m.add(rho, nu)), "q");
  const gap = m.sub(next, q1);
  const u1 = m.add(u, m.mul(rho, gap));
  const coupling = m.add(m.mul(m.scale(nu, 0.5), m.sq(m.sub(q1, m.relu(z1)))), m.add(m.dot(u1, gap), m.mul(m.scale(rho, 0.5), m.sq(gap))));
  const objective = m.add(m.add(fit(z1), decay), coupling);
  return m.b.finish([W1, b1, z1, q1, u1, terms(m, objective, m.sq(gap))], [layer.W, layer.b, layer.z, qName, uName, layer.terms]);
}

/** [objective, residual] as an f32[2]. */
function terms(m: IrMath, objective: number, residual: number): number {
  const one = (x: number) => m.b.emit("t.reshape", [x], { shape: [1] });
  return m.b.emit("t.concat", [one(objective), one(residual)], { axis: 0 });
}

/** The per-element minimiser of (z − a)² + (q − relu z)² + (z − z_old)²: each branch's closed form, the better kept. */
export function reluProx(m: IrMath, a: number, zOld: number, q: number): number {
  const below = m.min(m.scale(m.add(a, zOld), 0.5), m.c(0));
  const above = m.relu(m.scale(m.add(m.add(a, zOld), q), 1 / 3));
  const cost = (z: number) => m.add(m.add(m.mul(m.sub(z, a), m.sub(z, a)), m.mul(m.sub(q, m.relu(z)), m.sub(q, m.relu(z)))), m.mul(m.sub(z, zOld), m.sub(z, zOld)));
  return m.choose(m.step(m.sub(cost(below), cost(above))), above, below);
}

/** −Σ y ⊙ log softmax(z): the cross-entropy summed over the rows. */
function crossEntropy(m: IrMath, z: number, y: number): number {
  return m.neg(m.dot(y, m.b.emit("t.log_softmax", [z], { axis: 1 })));
}

/**
 * The output layer's z ← argmin R(z; y) + ν/2 ‖z − a‖² by FISTA with a fixed step η, as the
 * reference code runs it: at most `iterations` steps, stopping once the objective changes by less
 * than `tol`. An equilibrium loop carries the objective first: the iteration that finds it
 * settled keeps z and the momentum as they were, and the loop stops after it.
 */
function fista(m: LayerMath, a: number, zOld: number, y: number, nu: number): number {
  const { iterations, tol, step } = m.s.fista;
  const objective = (z: number) => m.add(crossEntropy(m, z, y), m.mul(m.scale(nu, 0.5), m.sq(m.sub(z, a))));
  const inits = [m.c(1e11), zOld, zOld, m.c(1)];
  const [, z] = m.b.loop(inits, { trip: iterations, mode: "equilibrium", max_iter: iterations, tol }, (_i, [fPrev, z, zeta, lambda]) => {
    const f = objective(z);
    const settled = m.step(m.sub(m.c(tol), m.abs(m.sub(f, fPrev))));
    const lambdaNext = m.scale(m.add(m.c(1), m.sqrt(m.add(m.c(1), m.scale(m.mul(lambda, lambda), 4)))), 0.5);
    const gamma = m.div(m.sub(m.c(1), lambda), lambdaNext);
    const grad = m.sub(m.b.emit("t.softmax", [z], { axis: 1 }), y);
    const zetaNext = m.div(m.add(m.mul(nu, a), m.sub(m.scale(z, 1 / step), grad)), m.add(nu, m.c(1 / step)));
    const zNext = m.add(m.mul(m.sub(m.c(1), gamma), zetaNext), m.mul(gamma, zeta));
    return [f, m.choose(settled, z, zNext), m.choose(settled, zeta, zetaNext), m.choose(settled, lambda, lambdaNext)];
  });
  return z;
}
