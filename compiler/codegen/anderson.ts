import { ANDERSON_FLOOR, ANDERSON_LAMBDA } from "../ir/ops/anderson.js";
import type { Node } from "../ir/types.js";
import { assembleKernel } from "./assemble.js";
import { BindingList } from "./bindings.js";
import { LINEAR_WORKGROUP, gridFor, groupsFor } from "./grid.js";
import type { KernelSpec } from "./kernel.js";
import { f32Literal, SizeTable } from "./wgsl.js";

/**
 * Anderson mixing on the GPU: the steps of compiler/ir/ops/anderson.ts (which states the variant)
 * in f32, after an equilibrium loop's convergence check (equilibrium.ts; its flag words say
 * whether the iteration counts and how many have). Four launches per iteration:
 *   history — r = g − x; ring slot (k−1) mod m ← (r − r_prev, g − g_prev); r_prev, g_prev ← r, g
 *   gram    — one workgroup per entry of [ΔRᵀΔR | ΔRᵀr] (m × (m+1)), a fixed-order tree sum
 *   solve   — one invocation: (H + λI) γ = b by Gaussian elimination, γ after the entries
 *   mix     — x ← g − Σ γ_s ΔG_s (x ← g once converged, or while there is no history)
 * State (slots, allocated once per loop): r_prev [n], g_prev [n], ΔR [m·n], ΔG [m·n], and the
 * `gram` buffer: H and b (m·(m+1), row i = H_i0..H_i(m−1), b_i), then γ (m).
 * As in equilibrium.ts, binding `{input: k}` is the k-th slot the launch plan lists.
 */

const ELEMENT_WORKGROUP = 64;
const GRAM_WORKGROUP = 128;

/** f32 words of the `gram` buffer for memory m. */
export function gramWords(m: number): number {
  return m * (m + 1) + m;
}

function elementSizes(count: number): { sizes: SizeTable; n: string } {
  const sizes = new SizeTable();
  return { sizes, n: sizes.add("total", count, "runtime") };
}

const ELEMENT_INDEX = `  let e = ${LINEAR_WORKGROUP} * ${ELEMENT_WORKGROUP}u + lid;`;

/** Slots: g, x, flag, r_prev, g_prev, dR, dG. */
export function andersonHistoryKernel(loop: Node, count: number, m: number): KernelSpec {
  const { sizes, n } = elementSizes(count);
  const bindings = new BindingList()
    .add("g", "read", "array<f32>", { kind: "input", input: 0 })
    .add("x", "read", "array<f32>", { kind: "input", input: 1 })
    .add("flag", "read", "array<u32>", { kind: "input", input: 2 })
    .add("r_prev", "read_write", "array<f32>", { kind: "input", input: 3 })
    .add("g_prev", "read_write", "array<f32>", { kind: "input", input: 4 })
    .add("d_r", "read_write", "array<f32>", { kind: "input", input: 5 })
    .add("d_g", "read_write", "array<f32>", { kind: "input", input: 6 })
    .finish(sizes);
  const body = `${ELEMENT_INDEX}
  if (e >= ${n} || flag[1] == 0u) {
    return;
  }
  let k = flag[2] - 1u;
  let r = g[e] - x[e];
  if (k >= 1u) {
    let s = (k - 1u) % ${m}u;
    d_r[s * ${n} + e] = r - r_prev[e];
    d_g[s * ${n} + e] = g[e] - g_prev[e];
  }
  r_prev[e] = r;
  g_prev[e] = g[e];
`;
  return assembleKernel(loop, {
    name: `anderson${m}_history`,
    summary: "Anderson mixing: residual and the ring of residual / evaluation differences",
    sizes,
    bindings,
    body,
    workgroup: ELEMENT_WORKGROUP,
    dispatch: (s) => gridFor(groupsFor(s.total, ELEMENT_WORKGROUP)),
  });
}

/** Slots: flag, dR, r_prev, gram. Entries past the stored history are computed too (the solve ignores them). */
export function andersonGramKernel(loop: Node, count: number, m: number): KernelSpec {
  const { sizes, n } = elementSizes(count);
  const bindings = new BindingList()
    .add("flag", "read", "array<u32>", { kind: "input", input: 0 })
    .add("d_r", "read", "array<f32>", { kind: "input", input: 1 })
    .add("r_prev", "read", "array<f32>", { kind: "input", input: 2 })
    .add("gram", "read_write", "array<f32>", { kind: "input", input: 3 })
    .finish(sizes);
  const body = `  let w = ${LINEAR_WORKGROUP};
  let i = w / ${m + 1}u;
  let j = w % ${m + 1}u;
  var s = 0.0;
  for (var e = lid; e < ${n}; e += ${GRAM_WORKGROUP}u) {
    var b: f32;
    if (j == ${m}u) {
      b = r_prev[e];
    } else {
      b = d_r[j * ${n} + e];
    }
    s += d_r[i * ${n} + e] * b;
  }
  part[lid] = s;
  for (var stride = ${GRAM_WORKGROUP / 2}u; stride > 0u; stride /= 2u) {
    workgroupBarrier();
    if (lid < stride) {
      part[lid] += part[lid + stride];
    }
  }
  if (lid == 0u && flag[1] == 1u) {
    gram[w] = part[0];
  }
`;
  return assembleKernel(loop, {
    name: `anderson${m}_gram`,
    summary: "Anderson mixing: the normal equations [dR^T dR | dR^T r], one workgroup per entry",
    sizes,
    bindings,
    helpers: [`var<workgroup> part: array<f32, ${GRAM_WORKGROUP}>;\n`],
    body,
    workgroup: GRAM_WORKGROUP,
    dispatch: () => gridFor(m * (m + 1)),
  });
}

/** Slots: flag, gram. One invocation solves the (at most m × m) regularised system. */
export function andersonSolveKernel(loop: Node, m: number): KernelSpec {
  const sizes = new SizeTable();
  const bindings = new BindingList()
    .add("flag", "read", "array<u32>", { kind: "input", input: 0 })
    .add("gram", "read_write", "array<f32>", { kind: "input", input: 1 })
    .finish(sizes);
  const w = m + 1;
  const body = `  if (lid != 0u || flag[1] == 0u) {
    return;
  }
  let k = min(${m}u, flag[2] - 1u);
  var a: array<f32, ${m * m}>;
  var y: array<f32, ${m}>;
  var gamma: array<f32, ${m}>;
  var diag = 0.0;
  for (var i = 0u; i < k; i++) {
    diag = max(diag, gram[i * ${w}u + i]);
  }
  let lambda = ${f32Literal(ANDERSON_LAMBDA)} * diag + ${f32Literal(ANDERSON_FLOOR)};
  for (var i = 0u; i < k; i++) {
    for (var j = 0u; j < k; j++) {
      a[i * k + j] = gram[i * ${w}u + j] + select(0.0, lambda, i == j);
    }
    y[i] = gram[i * ${w}u + ${m}u];
  }
  for (var p = 0u; p < k; p++) {
    for (var i = p + 1u; i < k; i++) {
      let f = a[i * k + p] / a[p * k + p];
      for (var j = p; j < k; j++) {
        a[i * k + j] -= f * a[p * k + j];
      }
      y[i] -= f * y[p];
    }
  }
  for (var step = 0u; step < k; step++) {
    let i = k - 1u - step;
    var s = y[i];
    for (var j = i + 1u; j < k; j++) {
      s -= a[i * k + j] * gamma[j];
    }
    gamma[i] = s / a[i * k + i];
  }
  for (var i = 0u; i < k; i++) {
    gram[${m * w}u + i] = gamma[i];
  }
`;
  return assembleKernel(loop, {
    name: `anderson${m}_solve`,
    summary: "Anderson mixing: solve (H + lambda I) gamma = b (Gaussian elimination, one invocation)",
    sizes,
    bindings,
    body,
    workgroup: 1,
    dispatch: () => gridFor(1),
  });
}

/** Slots: g, flag, gram, dG, x (the carried state, written). */
export function andersonMixKernel(loop: Node, count: number, m: number): KernelSpec {
  const { sizes, n } = elementSizes(count);
  const bindings = new BindingList()
    .add("g", "read", "array<f32>", { kind: "input", input: 0 })
    .add("flag", "read", "array<u32>", { kind: "input", input: 1 })
    .add("gram", "read", "array<f32>", { kind: "input", input: 2 })
    .add("d_g", "read", "array<f32>", { kind: "input", input: 3 })
    .add("x", "read_write", "array<f32>", { kind: "input", input: 4 })
    .finish(sizes);
  const body = `${ELEMENT_INDEX}
  if (e >= ${n} || flag[1] == 0u) {
    return;
  }
  var v = g[e];
  if (flag[0] == 0u) {
    let k = min(${m}u, flag[2] - 1u);
    for (var i = 0u; i < k; i++) {
      v -= gram[${m * (m + 1)}u + i] * d_g[i * ${n} + e];
    }
  }
  x[e] = v;
`;
  return assembleKernel(loop, {
    name: `anderson${m}_mix`,
    summary: "Anderson mixing: x = g - dG gamma (x = g once converged)",
    sizes,
    bindings,
    body,
    workgroup: ELEMENT_WORKGROUP,
    dispatch: (s) => gridFor(groupsFor(s.total, ELEMENT_WORKGROUP)),
  });
}
