import type { Attrs } from "../ir/types.js";
import { f32Literal } from "./wgsl.js";

/**
 * The WGSL of each elementwise op, per scalar type, following the interpreter's definitions in
 * compiler/ir/ops/elementwise.ts (NaN in → NaN out where the definition propagates it). Floats
 * compute in f32 where the interpreter computes in f64 and rounds: within f32 tolerances.
 */

export type Scalar = "f32" | "i32" | "u32";

/** `x` / `a`, `b` are WGSL expressions; the result is an expression of the same scalar type. */
export interface UnaryWgsl {
  expr(x: string, attrs: Attrs, scalar: Scalar): string;
  /** Scalar types the op is defined on. */
  scalars: readonly Scalar[];
  /** Helper functions the expression calls (names from `HELPERS`). */
  helpers?: readonly HelperName[];
}

export interface BinaryWgsl {
  expr(a: string, b: string, scalar: Scalar): string;
  helpers?: readonly HelperName[];
}

/**
 * erf by Abramowitz & Stegun 7.1.26 (|error| ≤ 1.5e-7, below f32 tolerance for values ≤ 1);
 * WGSL has no erf. Odd symmetry handles negative x.
 */
const ERF = `fn gnnc_erf(x: f32) -> f32 {
  let ax = abs(x);
  let t = 1.0 / (1.0 + 0.3275911 * ax);
  let poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  let y = 1.0 - poly * exp(-ax * ax);
  return select(y, -y, x < 0.0);
}
`;

/** Logistic sigmoid from e^(−|x|), which never overflows. */
const SIGMOID = `fn gnnc_sigmoid(x: f32) -> f32 {
  let t = exp(-abs(x));
  return select(t / (1.0 + t), 1.0 / (1.0 + t), x >= 0.0);
}
`;

/**
 * NaN test on the bits: WGSL lets compilers assume floats are never NaN, so `x != x` may fold to
 * false (lavapipe's does).
 */
const ISNAN = `fn gnnc_isnan(x: f32) -> bool {
  return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u;
}
`;

/** tanh saturates to ±1 in f32 beyond |x| = 9; clamping keeps exp-based implementations finite. */
const TANH = `fn gnnc_tanh(x: f32) -> f32 {
  return select(tanh(clamp(x, -15.0, 15.0)), x, gnnc_isnan(x));
}
`;

/** Helper functions by name, in the order they are emitted (a helper may call those before it). */
export const HELPERS = { gnnc_isnan: ISNAN, gnnc_erf: ERF, gnnc_sigmoid: SIGMOID, gnnc_tanh: TANH } as const;
export type HelperName = keyof typeof HELPERS;

/** The helpers a set of names needs, dependencies included, in emission order. */
export function helperTexts(names: readonly HelperName[]): string[] {
  const needed = new Set<HelperName>(names);
  if (needed.has("gnnc_tanh")) needed.add("gnnc_isnan");
  return (Object.keys(HELPERS) as HelperName[]).filter((h) => needed.has(h)).map((h) => HELPERS[h]);
}

const FLOAT: readonly Scalar[] = ["f32"];
const NUMERIC: readonly Scalar[] = ["f32", "i32", "u32"];

export const UNARY: Readonly<Record<string, UnaryWgsl>> = {
  "t.neg": { scalars: NUMERIC, expr: (x, _a, s) => (s === "u32" ? `(0u - ${x})` : `(-${x})`) },
  "t.abs": { scalars: NUMERIC, expr: (x, _a, s) => (s === "u32" ? x : `abs(${x})`) },
  // NaN stays NaN (x > 0 is false for NaN, so keep x when it is NaN).
  "t.relu": {
    scalars: NUMERIC,
    expr: (x, _a, s) => (s === "f32" ? `select(0.0, ${x}, ${x} > 0.0 || gnnc_isnan(${x}))` : s === "u32" ? x : `max(${x}, 0i)`),
    helpers: ["gnnc_isnan"],
  },
  "t.exp": { scalars: FLOAT, expr: (x) => `exp(${x})` },
  "t.log": { scalars: FLOAT, expr: (x) => `log(${x})` },
  "t.sqrt": { scalars: FLOAT, expr: (x) => `sqrt(${x})` },
  // 1/sqrt rather than inverseSqrt, whose result WGSL leaves undefined at 0 (the interpreter gives Inf).
  // WGSL's round() takes ties to even, as the interpreter does.
  "t.round": { scalars: FLOAT, expr: (x) => `round(${x})` },
  "t.rsqrt": { scalars: FLOAT, expr: (x) => `(1.0 / sqrt(${x}))` },
  "t.tanh": { scalars: FLOAT, expr: (x) => `gnnc_tanh(${x})`, helpers: ["gnnc_tanh"] },
  "t.sigmoid": { scalars: FLOAT, expr: (x) => `gnnc_sigmoid(${x})`, helpers: ["gnnc_sigmoid"] },
  "t.gelu": { scalars: FLOAT, expr: (x) => `(0.5 * ${x} * (1.0 + gnnc_erf(${x} * 0.7071067811865476)))`, helpers: ["gnnc_erf"] },
  "t.erf": { scalars: FLOAT, expr: (x) => `gnnc_erf(${x})`, helpers: ["gnnc_erf"] },
  // 1 / 0 / at_zero, NaN passes through.
  "t.step": {
    scalars: FLOAT,
    expr: (x, a) => `select(select(select(${x}, ${f32Literal(a.at_zero as number)}, ${x} == 0.0), 0.0, ${x} < 0.0), 1.0, ${x} > 0.0)`,
  },
  "t.leaky_relu": { scalars: FLOAT, expr: (x, a) => `select(${f32Literal(a.slope as number)} * ${x}, ${x}, ${x} > 0.0)` },
  "t.elu": { scalars: FLOAT, expr: (x, a) => `select(${f32Literal(a.alpha as number)} * (exp(${x}) - 1.0), ${x}, ${x} > 0.0)` },
};

/** Integer division by zero gives 0 (the interpreter stores ±Inf/NaN into an integer array as 0). */
const intDiv = (a: string, b: string, zero: string) => `select(${a} / ${b}, ${zero}, ${b} == ${zero})`;

export const BINARY: Readonly<Record<string, BinaryWgsl>> = {
  "t.add": { expr: (a, b) => `(${a} + ${b})` },
  "t.sub": { expr: (a, b) => `(${a} - ${b})` },
  "t.mul": { expr: (a, b) => `(${a} * ${b})` },
  // A weight times its 0/1 mask (compiler/ir/ops/sparse.ts).
  "sp.mask": { expr: (a, b) => `(${a} * ${b})` },
  "t.div": { expr: (a, b, s) => (s === "f32" ? `(${a} / ${b})` : intDiv(a, b, s === "i32" ? "0i" : "0u")) },
  // Math.max propagates NaN; WGSL's max need not, so pass NaN operands through explicitly.
  "t.maximum": {
    expr: (a, b, s) =>
      s === "f32" ? `select(select(max(${a}, ${b}), ${b}, gnnc_isnan(${b})), ${a}, gnnc_isnan(${a}))` : `max(${a}, ${b})`,
    helpers: ["gnnc_isnan"],
  },
};
