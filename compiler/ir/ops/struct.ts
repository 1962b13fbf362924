import { foldKey } from "../rng.js";
import type { OpSpec } from "../spec.js";
import { formatType, typesEqual } from "../type-utils.js";
import type { Region, Type } from "../types.js";
import type { TensorValue, Value } from "../values.js";
import { asRng, concrete, fail, rngAt } from "./common.js";

/** Structure: leaves bound from outside, loops with a region body, and RNG key derivation. */

/** Ops whose type is given when they are built (builder.leaf / region params), never inferred or interpreted. */
export const LEAF_OPS: ReadonlySet<string> = new Set(["s.input", "s.param", "s.arg"]);

function leaf(name: string, summary: string, attrs: OpSpec["attrs"]): OpSpec {
  return {
    name,
    summary,
    arity: 0,
    attrs,
    pure: true,
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

const loop: OpSpec = {
  name: "s.loop",
  summary:
    "carried = init; for i in 0..trip: carried = region(i, carried); the region takes (i: i32[], carried) and returns [next carried]. " +
    "mode=equilibrium stops after the first iteration that changes no element by more than tol",
  arity: 1,
  attrs: {
    trip: { kind: "dim", doc: "iteration count (a size or a symbol); for equilibrium, the iteration cap" },
    // The frontend records which stack a loop came from: reversible and equilibrium backward passes key on it.
    mode: { kind: "string", optional: true, oneOf: ["repeat", "reversible", "equilibrium"] },
    groups: { kind: "int", optional: true, doc: "reversible: channel groups of the coupling (informational)" },
    max_iter: { kind: "int", optional: true, doc: "equilibrium: the user's max_iter (= trip)" },
    tol: { kind: "float", optional: true, doc: "equilibrium: stop once max |next − carried| ≤ tol" },
  },
  regions: 1,
  pure: true,
  infer(inputs, attrs, regions) {
    const init = inputs[0];
    if (!init) return fail("s.loop needs an initial carried value");
    const trip = attrs.trip;
    if (typeof trip === "number" && !(Number.isInteger(trip) && trip >= 0)) {
      return fail(`loop trip count ${trip} is not a non-negative integer`);
    }
    if (!regions || regions.length !== 1) return fail(`s.loop needs exactly 1 region, got ${regions?.length ?? 0}`);
    const r = regions[0];
    if (r.params.length !== 2) {
      return fail(`the loop region must take 2 params (i: i32[], carried: ${formatType(init)}), got ${r.params.length}`);
    }
    const [i, carried] = r.params;
    if (!typesEqual(i.type, { kind: "tensor", dtype: "i32", shape: [] })) {
      return fail(`loop region param 0 (the index) must be i32[], got ${formatType(i.type)}`);
    }
    if (!typesEqual(carried.type, init)) {
      return fail(`loop region param 1 is ${formatType(carried.type)} but the carried value is ${formatType(init)}`, [0]);
    }
    if (r.results.length !== 1) return fail(`the loop region must return 1 value, got ${r.results.length}`);
    const next = regionValueType(r, r.results[0]);
    if (!next) return fail(`loop region result %${r.results[0]} must be defined inside the region`);
    if (!typesEqual(next, init)) {
      return fail(`the loop region returns ${formatType(next)} but the carried value is ${formatType(init)}`, [0]);
    }
    return init;
  },
  interpret(inputs, attrs, ctx) {
    const region = ctx.regions?.[0];
    if (!region) throw new Error("s.loop: the interpreter gave no region");
    const trip = concrete(attrs.trip, "trip");
    const tol = attrs.mode === "equilibrium" && typeof attrs.tol === "number" ? attrs.tol : undefined;
    let carried: Value = inputs[0];
    for (let i = 0; i < trip; i++) {
      const index: TensorValue = { kind: "tensor", dtype: "i32", shape: [], data: Int32Array.of(i) };
      const [next] = ctx.runRegion(region, [index, carried]);
      const converged = tol !== undefined && maxAbsChange(next, carried) <= tol;
      carried = next;
      if (converged) break;
    }
    return carried;
  },
  cost() {
    // The body's cost belongs to the region's nodes; the cost model multiplies it by `trip`.
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
    const salt = attrs.salt as number;
    if (!(salt >= 0 && salt <= 0xffffffff)) return fail(`salt ${salt} is not a u32`);
    const index = inputs[1];
    if (index && !(index.kind === "tensor" && index.dtype === "i32" && index.shape.length === 0))
      return fail(`operand 1 must be an i32 scalar index, got ${formatType(index)}`, [1]);
    return rngAt(inputs, 0) ?? { kind: "rng" };
  },
  interpret(inputs, attrs) {
    const salted = foldKey(asRng(inputs[0]).key, attrs.salt as number);
    const index = inputs[1];
    if (index === undefined) return { kind: "rng", key: salted };
    if (index.kind !== "tensor") throw new Error("expected an i32 index tensor");
    return { kind: "rng", key: foldKey(salted, index.data[0] >>> 0) };
  },
  nondifferentiable: true, // keys carry no gradient
  cost(inputs) {
    return { flops: 20 * inputs.length, bytes: 16 };
  },
};

export const structOps: readonly OpSpec[] = [
  leaf("s.input", "a function input bound by name (features, graph, rng, labels, …)", { name: { kind: "string" } }),
  leaf("s.param", "a parameter or buffer bound by name (described in Module.params)", { name: { kind: "string" } }),
  leaf("s.arg", "a region parameter, bound on each entry to the region", { index: { kind: "int" } }),
  loop,
  rngFold,
];
