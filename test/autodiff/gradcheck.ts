import { FuncBuilder, withDefaults } from "../../compiler/ir/builder.js";
import { graphFromEdges } from "../../compiler/ir/graph-value.js";
import { getOpSpec } from "../../compiler/ir/ops/index.js";
import type { OpSpec } from "../../compiler/ir/spec.js";
import { keyFromSeed } from "../../compiler/ir/rng.js";
import { formatType, typesEqual } from "../../compiler/ir/type-utils.js";
import type { Attrs, Func, Node, Type } from "../../compiler/ir/types.js";
import type { GraphValue, RngValue, TensorValue, Value } from "../../compiler/ir/values.js";
import { verifyFunc } from "../../compiler/ir/verify.js";
import { runFunc } from "../../runtime/reference/index.js";
import { random, randomTensor, UNIFORM } from "../support/tensors.js";
import { oneOpFunc } from "../support/one-op.js";

/**
 * Finite-difference check of one op's gradient rule. A tiny function holds leaves for the inputs
 * and for a cotangent c, the op node, and whatever the op's `vjp` emits (into the same builder);
 * run in f64, its results are the analytic gradients of L = Σ c ⊙ op(inputs). They are compared
 * against central differences of L, element by element.
 */

export interface GradCheckOptions {
  attrs?: Attrs;
  /** Leaf types (to give symbolic dims); by default each input's concrete type. */
  types?: readonly Type[];
  /** Central-difference step. */
  h?: number;
  /** |analytic − numeric| ≤ tol·(1 + |numeric|). */
  tol?: number;
  seed?: number;
  /** A rule to check instead of the op's own (to test the harness with a wrong rule). */
  rule?: NonNullable<OpSpec["vjp"]>;
}

export interface GradCheckResult {
  /** The rule's answer per input: undefined where it says no gradient flows. */
  grads: readonly (number | undefined)[];
  /** Problems found: type mismatches, verifier complaints, elements out of tolerance. */
  problems: string[];
  /** Largest scaled error seen, |a − n| / (1 + |n|). */
  maxError: number;
}

/** The concrete type of a value (leaves are declared with it unless the case gives symbolic types). */
export function typeOfValue(v: Value): Type {
  if (v.kind === "tensor") return { kind: "tensor", dtype: v.dtype, shape: v.shape };
  if (v.kind === "graph") return { kind: "graph", nodes: v.numNodes, edges: v.numEdges, selfLoops: v.selfLoops };
  return { kind: "rng" };
}

function isFloatTensor(v: Value): v is TensorValue {
  return v.kind === "tensor" && (v.dtype === "f32" || v.dtype === "f16");
}

/** Float tensors as Float64Array (the f64 mode's storage); other values as they are. */
function toF64(v: Value): Value {
  return isFloatTensor(v) ? { ...v, data: Float64Array.from(v.data) } : v;
}

interface Built {
  forward: Func;
  withGrads: Func;
  grads: (number | undefined)[];
  problems: string[];
}

/** The op and its gradient rule's output as one function (leaves in0…, cotangent). */
export function gradientFunc(op: string, types: readonly Type[], attrs: Attrs = {}): Func {
  return build(op, types, attrs).withGrads;
}

function build(op: string, types: readonly Type[], attrs: Attrs, override?: GradCheckOptions["rule"]): Built {
  const rule = override ?? getOpSpec(op)?.vjp;
  if (!rule) throw new Error(`${op} has no gradient rule`);
  const forward = oneOpFunc(op, types, attrs);

  const g = new FuncBuilder(`grad_${op}`);
  const gIds = types.map((t, i) => g.leaf("s.input", t, { name: `in${i}` }));
  const gOut = g.emit(op, gIds, attrs);
  const cot = g.leaf("s.input", g.typeOf(gOut), { name: "cotangent" });
  const node: Node = { id: gOut, op, type: g.typeOf(gOut), inputs: gIds, attrs: withDefaults(op, attrs) };
  const grads = [...rule(g, { node, output: gOut, cotangent: cot })];
  const problems: string[] = [];
  if (grads.length !== types.length) problems.push(`vjp returned ${grads.length} gradients for ${types.length} inputs`);
  grads.forEach((id, i) => {
    if (id === undefined) return;
    const t = g.typeOf(id);
    if (!typesEqual(t, types[i])) problems.push(`gradient ${i} is ${formatType(t)}, input is ${formatType(types[i])}`);
  });
  const defined = grads.filter((id): id is number => id !== undefined);
  const withGrads = g.finish([gOut, ...defined], ["out", ...defined.map((_, k) => `grad${k}`)]);
  for (const p of [...verifyFunc(forward), ...verifyFunc(withGrads)]) problems.push(`verifier: ${JSON.stringify(p)}`);
  return { forward, withGrads, grads, problems };
}

function env(inputs: readonly Value[], cotangent?: Value) {
  const named: Record<string, Value> = Object.fromEntries(inputs.map((v, i) => [`in${i}`, v]));
  if (cotangent) named.cotangent = cotangent;
  return { inputs: named, params: {} };
}

/** Σ c ⊙ op(inputs), in f64. */
function objective(forward: Func, inputs: readonly Value[], c: TensorValue): number {
  const out = runFunc(forward, env(inputs), { precision: "f64" })[0] as TensorValue;
  let s = 0;
  for (let k = 0; k < out.data.length; k++) s += out.data[k] * c.data[k];
  return s;
}

export function gradcheck(op: string, inputs: readonly Value[], opts: GradCheckOptions = {}): GradCheckResult {
  const attrs = opts.attrs ?? {};
  const h = opts.h ?? 1e-6;
  const tol = opts.tol ?? 1e-6;
  const types = opts.types ?? inputs.map(typeOfValue);
  const { forward, withGrads, grads, problems } = build(op, types, attrs, opts.rule);
  const x = inputs.map(toF64);

  const out0 = runFunc(forward, env(x), { precision: "f64" })[0] as TensorValue;
  const c = cotangentFor(out0, opts.seed ?? 7);
  const results = runFunc(withGrads, env(x, c), { precision: "f64" });
  let next = 1;
  let maxError = 0;
  grads.forEach((id, i) => {
    const v = x[i];
    if (!isFloatTensor(v)) {
      if (id !== undefined) problems.push(`input ${i} (${v.kind}) got a gradient`);
      return;
    }
    // Where the rule gives no gradient, the true one must be zero.
    const analytic = id === undefined ? new Float64Array(v.data.length) : (results[next++] as TensorValue).data;
    const data = v.data as Float64Array;
    for (let k = 0; k < data.length; k++) {
      const keep = data[k];
      data[k] = keep + h;
      const up = objective(forward, x, c);
      data[k] = keep - h;
      const down = objective(forward, x, c);
      data[k] = keep;
      const numeric = (up - down) / (2 * h);
      const err = Math.abs(analytic[k] - numeric) / (1 + Math.abs(numeric));
      maxError = Math.max(maxError, err);
      if (!(err <= tol)) problems.push(`d/d input ${i}[${k}]: rule ${analytic[k]}, central difference ${numeric}`);
    }
  });
  return { grads, problems: problems.slice(0, 8), maxError };
}

/** A random cotangent of the output's type (integer outputs get small integers). */
function cotangentFor(out: TensorValue, seed: number): TensorValue {
  const values = randomTensor(out.shape, random(seed), UNIFORM).data;
  if (out.dtype === "f32" || out.dtype === "f16") return { ...out, data: Float64Array.from(values) };
  const ints = Array.from(values, (v) => Math.round(3 * v));
  const data = out.dtype === "i32" ? Int32Array.from(ints) : out.dtype === "u32" ? Uint32Array.from(ints, Math.abs) : Uint8Array.from(ints, (v) => (v ? 1 : 0));
  return { ...out, data };
}

// ------------------------------------------------------------------ inputs

/** Seeded values with |x| ∈ [0.1, 1): away from the kink of relu, abs, leaky_relu, elu at 0. */
export function awayFromZero(shape: number[], seed: number): TensorValue {
  const t = randomTensor(shape, random(seed), UNIFORM);
  for (let k = 0; k < t.data.length; k++) t.data[k] = Math.sign(t.data[k] || 1) * (0.1 + 0.9 * Math.abs(t.data[k]));
  return t;
}

export function indexScalar(i: number): TensorValue {
  return { kind: "tensor", dtype: "i32", shape: [], data: Int32Array.of(i) };
}

export function rngKey(seed: number): RngValue {
  return { kind: "rng", key: keyFromSeed(seed) };
}

/**
 * 6 nodes and 9 edges: node 3 has no incoming edge (an empty CSR row) but sends messages, node 5
 * is isolated, node 1 has a self loop, node 2 has three in-edges.
 */
export function testGraph(): GraphValue {
  const edges: [number, number][] = [
    [0, 1], [1, 0], [2, 1], [3, 0], [0, 2], [1, 2], [3, 2], [2, 4], [1, 1],
  ];
  return graphFromEdges(6, Int32Array.from(edges.map((e) => e[0])), Int32Array.from(edges.map((e) => e[1])));
}
