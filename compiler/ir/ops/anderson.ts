import type { TensorData } from "../values.js";

/**
 * Anderson acceleration of a fixed-point iteration x ← f(x), as the equilibrium loop applies it
 * (`s.loop{mode=equilibrium, anderson=m}`). The variant — which the GPU kernels
 * (compiler/codegen/anderson.ts) follow step for step — is Walker & Ni's type-II Anderson mixing
 * with damping β = 1, written with differences and a small Tikhonov term:
 *
 *   at iteration k (0-based) with iterate x_k and g_k = f(x_k), residual r_k = g_k − x_k;
 *   for k ≥ 1, ring slot s = (k − 1) mod m stores ΔR_s = r_k − r_{k−1} and ΔG_s = g_k − g_{k−1};
 *   with m_k = min(m, k) stored slots (slots 0..m_k−1, ring order):
 *     H = ΔRᵀΔR (m_k × m_k),  b = ΔRᵀ r_k,  λ = ANDERSON_LAMBDA · max_i H_ii + ANDERSON_FLOOR,
 *     γ solves (H + λI) γ = b (Gaussian elimination without pivoting: H + λI is SPD),
 *     x_{k+1} = g_k − Σ_s γ_s ΔG_s        (x_1 = g_0: plain iteration while no history exists).
 *
 * The loop stops exactly as without acceleration — after the first iteration whose max |r_k| ≤ tol,
 * with x = g_k (the last evaluation of f, not a mixed point).
 */

/** Tikhonov weight relative to the largest diagonal entry of ΔRᵀΔR: keeps the solve well posed in f32 (cond ≤ 1e4). */
export const ANDERSON_LAMBDA = 1e-4;
/** Absolute floor of λ, for an all-zero history (representable as an f32 normal). */
export const ANDERSON_FLOOR = 1e-30;
/** The largest memory the GPU kernels support (their m × m system lives in registers). */
export const MAX_ANDERSON_MEMORY = 16;

/**
 * Solve (H + λI) γ = b for the leading `k` × `k` block of the row-major `m` × `m` matrix `h`, in
 * f64. Shared by the interpreter; the GPU's solve kernel does the same steps in f32.
 */
export function andersonSolve(h: Float64Array, b: Float64Array, m: number, k: number): Float64Array {
  let diag = 0;
  for (let i = 0; i < k; i++) diag = Math.max(diag, h[i * m + i]);
  const lambda = ANDERSON_LAMBDA * diag + ANDERSON_FLOOR;
  const a = new Float64Array(k * k);
  const y = Float64Array.from(b.subarray(0, k));
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) a[i * k + j] = h[i * m + j] + (i === j ? lambda : 0);
  for (let p = 0; p < k; p++) {
    for (let i = p + 1; i < k; i++) {
      const f = a[i * k + p] / a[p * k + p];
      for (let j = p; j < k; j++) a[i * k + j] -= f * a[p * k + j];
      y[i] -= f * y[p];
    }
  }
  const gamma = new Float64Array(k);
  for (let i = k - 1; i >= 0; i--) {
    let s = y[i];
    for (let j = i + 1; j < k; j++) s -= a[i * k + j] * gamma[j];
    gamma[i] = s / a[i * k + i];
  }
  return gamma;
}

/** The mixing state of one run of an accelerated loop (a ring of the last m differences). */
export class AndersonMixer {
  private readonly dR: Float64Array;
  private readonly dG: Float64Array;
  private readonly rPrev: Float64Array;
  private readonly gPrev: Float64Array;
  private k = 0;

  /** `f32`: differences are rounded to f32 as the GPU stores them; `f64` runs keep full precision. */
  constructor(
    private readonly m: number,
    private readonly n: number,
    private readonly round: (v: number) => number = Math.fround,
  ) {
    this.dR = new Float64Array(m * n);
    this.dG = new Float64Array(m * n);
    this.rPrev = new Float64Array(n);
    this.gPrev = new Float64Array(n);
  }

  /** Record iteration k's (x_k, g_k) and write x_{k+1} into `out`. */
  next(x: TensorData, g: TensorData, out: TensorData): void {
    const { m, n, k, round } = this;
    const s = (k - 1) % m;
    for (let e = 0; e < n; e++) {
      const r = round(g[e] - x[e]);
      if (k >= 1) {
        this.dR[s * n + e] = round(r - this.rPrev[e]);
        this.dG[s * n + e] = round(g[e] - this.gPrev[e]);
      }
      this.rPrev[e] = r;
      this.gPrev[e] = g[e];
    }
    this.k++;
    const mk = Math.min(m, k);
    if (mk === 0) {
      for (let e = 0; e < n; e++) out[e] = g[e];
      return;
    }
    const h = new Float64Array(m * m);
    const b = new Float64Array(m);
    for (let i = 0; i < mk; i++) {
      b[i] = dot(this.dR, i * n, this.rPrev, 0, n);
      for (let j = 0; j < mk; j++) h[i * m + j] = j < i ? h[j * m + i] : dot(this.dR, i * n, this.dR, j * n, n);
    }
    const gamma = andersonSolve(h, b, m, mk);
    for (let e = 0; e < n; e++) {
      let v = g[e];
      for (let i = 0; i < mk; i++) v -= gamma[i] * this.dG[i * n + e];
      out[e] = v;
    }
  }
}

function dot(a: Float64Array, ao: number, b: Float64Array, bo: number, n: number): number {
  let s = 0;
  for (let e = 0; e < n; e++) s += a[ao + e] * b[bo + e];
  return s;
}
