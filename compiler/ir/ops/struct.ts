import { dimAttr, intAttr } from "../attrs.js";
import { foldKey } from "../rng.js";
import type { OpSpec } from "../spec.js";
import { formatType, typesEqual } from "../type-utils.js";
import type { Region, Type } from "../types.js";
import type { FloatPrecision, TensorValue, Value } from "../values.js";
import { AndersonMixer, MAX_ANDERSON_MEMORY } from "./anderson.js";
import { alloc, asRng, concrete, fail, rngAt } from "./common.js";
import { reversible } from "./reversible.js";

/** Structure: leaves bound from outside, loops with a region body, and RNG key derivation. */

/** Ops whose type is given when they are built (builder.leaf / region params), never inferred or interpreted. */
export const LEAF_OPS: ReadonlySet<string> = new Set(["s.input", "s.param", "s.arg"]);

/** `pure`: whether two such leaves with the same attrs hold the same value (the same input or parameter). */
function leaf(name: string, summary: string, attrs: OpSpec["attrs"], pure = true): OpSpec {
  return {
    name,
    summary,
    arity: 0,
    attrs,
    pure,
    infer() {
      return fail(`${name} is a leaf: its type is given when it is built, not inferred`);
    },
    interpret() {
      throw new Error(`${name} is bound by the interpreter, not computed`);
    },
    cost() {
      return { flops: 0, bytes: 0 };
    },
  };
}

/** The type of a value defined directly in a region (a param or a body node). */
function regionValueType(region: Region, id: number): Type | undefined {
  return (region.params.find((p) => p.id === id) ?? region.body.find((n) => n.id === id))?.type;
}

/** Largest |a − b| over two tensors of the same shape (the equilibrium loop's convergence test). */
function maxAbsChange(a: Value, b: Value): number {
  if (a.kind !== "tensor" || b.kind !== "tensor") throw new Error("an equilibrium loop must carry a tensor");
  let m = 0;
  for (let k = 0; k < a.data.length; k++) m = Math.max(m, Math.abs(a.data[k] - b.data[k]));
  return m;
}

function copyValue(v: Value): Value {
  return v.kind === "tensor" ? { ...v, data: v.data.slice() } : v;
}

/** x_{k+1} from (x_k, f(x_k)) by Anderson mixing, in a fresh tensor of the run's precision. */
function andersonMixer(m: number, init: Value, precision: FloatPrecision | undefined): (x: TensorValue, g: TensorValue) => TensorValue {
  if (init.kind !== "tensor") throw new Error("anderson acceleration mixes a tensor");
  const mixer = new AndersonMixer(m, init.data.length, precision === "f64" ? (v) => v : Math.fround);
  return (x, g) => {
    const out = alloc(g.dtype, g.shape, precision);
    mixer.next(x.data, g.data, out.data);
    return out;
  };
}

/** The loop's result: its one carried value, or a tuple of all of them. */
function carriedResult(items: readonly Type[]): Type {
  return items.length === 1 ? items[0] : { kind: "tuple", items };
}

const loop: OpSpec = {
  name: "s.loop",
  summary:
    "carried = inits; for i in 0..trip (trip-1..0 when reverse): carried = region(i, ...carried); the region takes (i: i32[], ...carried) " +
    "and returns the next carried values. One carried value is the result; several make a tuple (see s.get). " +
    "mode=equilibrium stops after the first iteration that changes no element of carried value 0 by more than tol; " +
    "with anderson=m (one carried f32 value) the next iterate is Anderson-mixed from the last m residuals (see ops/anderson.ts)",
  arity: [1, Infinity],
  attrs: {
    trip: { kind: "dim", doc: "iteration count (a size or a symbol); for equilibrium, the iteration cap" },
    // The frontend records which stack a loop came from: autodiff picks the backward by it.
    mode: { kind: "string", optional: true, oneOf: ["repeat", "equilibrium"] },
    max_iter: { kind: "int", optional: true, doc: "equilibrium: the user's max_iter (= trip)" },
    tol: { kind: "float", optional: true, doc: "equilibrium: stop once max |next − carried| ≤ tol" },
    reverse: { kind: "bool", optional: true, doc: "count the index down (a backward sweep over a stack)" },
    anderson: { kind: "int", optional: true, doc: "equilibrium: Anderson acceleration memory m (0 or absent: plain iteration)" },
  },
  regions: 1,
  pure: true,
  trip: (attrs) => dimAttr(attrs, "trip"),
  infer(inputs, attrs, regions) {
    if (inputs.length === 0) return fail("s.loop needs an initial carried value");
    const trip = attrs.trip;
    if (typeof trip === "number" && !(Number.isInteger(trip) && trip >= 0)) {
      return fail(`loop trip count ${trip} is not a non-negative integer`);
    }
    const bad = inputs.findIndex((t) => t.kind === "tuple");
    if (bad >= 0) return fail(`carried value ${bad} is a tuple; carry its items instead`, [bad]);
    if (!regions || regions.length !== 1) return fail(`s.loop needs exactly 1 region, got ${regions?.length ?? 0}`);
    const r = regions[0];
    const want = `(i: i32[], ${inputs.map(formatType).join(", ")})`;
    if (r.params.length !== inputs.length + 1) return fail(`the loop region must take ${want}, got ${r.params.length} param(s)`);
    if (!typesEqual(r.params[0].type, { kind: "tensor", dtype: "i32", shape: [] })) {
      return fail(`loop region param 0 (the index) must be i32[], got ${formatType(r.params[0].type)}`);
    }
    for (let k = 0; k < inputs.length; k++) {
      if (!typesEqual(r.params[k + 1].type, inputs[k])) {
        return fail(`loop region param ${k + 1} is ${formatType(r.params[k + 1].type)} but carried value ${k} is ${formatType(inputs[k])}`, [k]);
      }
    }
    const m = attrs.anderson;
    if (m !== undefined && m !== 0) {
      if (attrs.mode !== "equilibrium") return fail("anderson acceleration needs mode=equilibrium");
      if (!(typeof m === "number" && Number.isInteger(m) && m >= 1 && m <= MAX_ANDERSON_MEMORY)) return fail(`anderson memory ${String(m)} is not an int in [0, ${MAX_ANDERSON_MEMORY}]`);
      const t = inputs[0];
      if (inputs.length !== 1 || t.kind !== "tensor" || t.dtype !== "f32") return fail("anderson acceleration mixes one carried f32 tensor");
    }
    if (r.results.length !== inputs.length) return fail(`the loop region must return ${inputs.length} value(s), got ${r.results.length}`);
    for (let k = 0; k < inputs.length; k++) {
      const next = regionValueType(r, r.results[k]);
      if (!next) return fail(`loop region result %${r.results[k]} must be defined inside the region`);
      if (!typesEqual(next, inputs[k])) {
        return fail(`the loop region returns ${formatType(next)} for carried value ${k}, which is ${formatType(inputs[k])}`, [k]);
      }
    }
    return carriedResult(inputs);
  },
  interpret(inputs, attrs, ctx) {
    const region = ctx.regions?.[0];
    if (!region) throw new Error("s.loop: the interpreter gave no region");
    const trip = concrete(attrs.trip, "trip");
    const equilibrium = attrs.mode === "equilibrium";
    const tol = equilibrium && typeof attrs.tol === "number" ? attrs.tol : undefined;
    // Update chains (accumulators, stashes) get one private copy, then are updated in place. An
    // equilibrium loop compares each iterate with the previous one, so it keeps both (no chains).
    const owned = equilibrium || !ctx.updateChains ? region.params.map(() => false) : ctx.updateChains(region);
    const mixer = equilibrium && typeof attrs.anderson === "number" && attrs.anderson > 0 ? andersonMixer(attrs.anderson, inputs[0], ctx.precision) : undefined;
    let carried: Value[] = inputs.map((v, k) => (owned[k + 1] && trip > 0 ? copyValue(v) : v));
    for (let step = 0; step < trip; step++) {
      const i = attrs.reverse ? trip - 1 - step : step;
      const index: TensorValue = { kind: "tensor", dtype: "i32", shape: [], data: Int32Array.of(i) };
      const next = ctx.runRegion(region, [index, ...carried], owned);
      const converged = tol !== undefined && maxAbsChange(next[0], carried[0]) <= tol;
      carried = converged || !mixer ? next : [mixer(carried[0] as TensorValue, next[0] as TensorValue)];
      if (converged) break;
    }
    return carried.length === 1 ? carried[0] : { kind: "tuple", items: carried };
  },
  cost() {
    // The body's cost belongs to the region's nodes; the cost model multiplies it by `trip`.
    return { flops: 0, bytes: 0 };
  },
};

/** `s.get{index}(t)`: one item of a tuple (a value carried by a multi-value loop). */
const get: OpSpec = {
  name: "s.get",
  summary: "item `index` of a tuple-typed value",
  arity: 1,
  attrs: { index: { kind: "int" } },
  pure: true,
  infer(inputs, attrs) {
    const t = inputs[0];
    if (t.kind !== "tuple") return fail(`s.get takes a tuple, got ${formatType(t)}`, [0]);
    const item = t.items[intAttr(attrs, "index")];
    if (!item) return fail(`index ${attrs.index} is out of range for ${formatType(t)}`, [0]);
    return item;
  },
  interpret(inputs, attrs) {
    const t = inputs[0];
    if (t.kind !== "tuple") throw new Error("s.get takes a tuple");
    return t.items[intAttr(attrs, "index")];
  },
  cost() {
    return { flops: 0, bytes: 0 };
  },
};

/**
 * `s.rng_fold{salt}(rng)` or `s.rng_fold{salt}(rng, i)`: an independent key per random site, and
 * with `i` (an i32 scalar, typically a loop index) per iteration as well, so a dropout inside a
 * `repeat` body draws a new mask on every iteration.
 */
const rngFold: OpSpec = {
  name: "s.rng_fold",
  summary: "derive an independent rng key from a key, a salt and optionally a dynamic i32 index (see rng.ts foldKey)",
  arity: [1, 2],
  attrs: { salt: { kind: "int" } },
  pure: true,
  infer(inputs, attrs) {
    const salt = intAttr(attrs, "salt");
    if (!(salt >= 0 && salt <= 0xffffffff)) return fail(`salt ${salt} is not a u32`);
    const index = inputs[1];
    if (index && !(index.kind === "tensor" && index.dtype === "i32" && index.shape.length === 0))
      return fail(`operand 1 must be an i32 scalar index, got ${formatType(index)}`, [1]);
    return rngAt(inputs, 0) ?? { kind: "rng" };
  },
  interpret(inputs, attrs) {
    const salted = foldKey(asRng(inputs[0]).key, intAttr(attrs, "salt"));
    const index = inputs[1];
    if (index === undefined) return { kind: "rng", key: salted };
    if (index.kind !== "tensor") throw new Error("expected an i32 index tensor");
    return { kind: "rng", key: foldKey(salted, index.data[0] >>> 0) };
  },
  nondifferentiable: true, // keys carry no gradient
  // Philox rounds are integer arithmetic: no FLOPs.
  cost() {
    return { flops: 0, bytes: 16 };
  },
};

export const structOps: readonly OpSpec[] = [
  leaf("s.input", "a function input bound by name (features, graph, rng, labels, …)", { name: { kind: "string" } }),
  leaf("s.param", "a parameter or buffer bound by name (described in Module.params)", { name: { kind: "string" } }),
  // Region params of different regions (or entries) hold different values whatever their index.
  leaf("s.arg", "a region parameter, bound on each entry to the region", { index: { kind: "int" } }, false),
  loop,
  get,
  reversible,
  rngFold,
];
