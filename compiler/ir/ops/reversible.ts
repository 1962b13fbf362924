import { dimAttr, intAttr } from "../attrs.js";
import { dimDiv } from "../dims.js";
import type { OpSpec } from "../spec.js";
import { formatType, typesEqual } from "../type-utils.js";
import type { Region, TensorType, Type } from "../types.js";
import type { InterpretContext } from "../spec.js";
import type { TensorValue } from "../values.js";
import { alloc, asTensor, concrete, elementsOf, fail, sizeOf, streamingCost, tensorAt } from "./common.js";

/**
 * `s.reversible{trip, groups}(x) { F_0 } … { F_{C−1} }`: a stack of `trip` grouped reversible
 * blocks (RevGNN's group-additive coupling). The channels (last axis) split into C groups; block i
 * computes, with F_g = region g applied to (i, ·):
 *
 *     z = Σ_{g≥1} x_g;   y_0 = x_0 + F_0(z);   y_g = x_g + F_g(y_{g−1})  (g ≥ 1)
 *
 * and its exact inverse recovers x from y in the other order:
 *
 *     x_g = y_g − F_g(y_{g−1})  (g = C−1 … 1);   x_0 = y_0 − F_0(Σ_{g≥1} x_g).
 *
 * The op exists so that autodiff can reconstruct each block's input from its output instead of
 * storing it (activation memory flat in depth). `inverse = true` runs the inverse stack (blocks
 * trip−1 … 0): it maps the stack's output back to its input.
 */

function chunkType(x: TensorType, groups: number): TensorType | undefined {
  const axis = x.shape.length - 1;
  const chunk = axis < 0 ? undefined : dimDiv(x.shape[axis], groups);
  if (chunk === undefined) return undefined;
  return { ...x, shape: x.shape.map((d, k) => (k === axis ? chunk : d)) };
}

function resultType(region: Region, id: number): Type | undefined {
  return (region.params.find((p) => p.id === id) ?? region.body.find((n) => n.id === id))?.type;
}

/** Channel group g of x (last axis), as a new tensor. */
function group(x: TensorValue, g: number, groups: number, precision: InterpretContext["precision"]): TensorValue {
  const width = x.shape[x.shape.length - 1];
  const chunk = width / groups;
  const rows = x.data.length / width;
  const out = alloc(x.dtype, [...x.shape.slice(0, -1), chunk], precision);
  for (let r = 0; r < rows; r++) out.data.set(x.data.subarray(r * width + g * chunk, r * width + (g + 1) * chunk), r * chunk);
  return out;
}

function joinGroups(parts: readonly TensorValue[], like: TensorValue, precision: InterpretContext["precision"]): TensorValue {
  const width = like.shape[like.shape.length - 1];
  const chunk = width / parts.length;
  const rows = like.data.length / width;
  const out = alloc(like.dtype, like.shape, precision);
  parts.forEach((p, g) => {
    for (let r = 0; r < rows; r++) out.data.set(p.data.subarray(r * chunk, (r + 1) * chunk), r * width + g * chunk);
  });
  return out;
}

/** a + sign·b, elementwise, in the run's precision (f32 results rounded once, as the device does). */
function combine(a: TensorValue, b: TensorValue, sign: 1 | -1, precision: InterpretContext["precision"]): TensorValue {
  const out = alloc(a.dtype, a.shape, precision);
  for (let k = 0; k < out.data.length; k++) out.data[k] = a.data[k] + sign * b.data[k];
  return out;
}

export const reversible: OpSpec = {
  name: "s.reversible",
  summary:
    "trip grouped reversible blocks over the last axis: z = Σ_{g≥1} x_g, y_0 = x_0 + F_0(i, z), y_g = x_g + F_g(i, y_{g−1}); " +
    "region g is F_g: (i: i32[], chunk) → chunk. inverse=true maps the output back to the input",
  arity: 1,
  attrs: {
    trip: { kind: "dim", doc: "the number of blocks" },
    groups: { kind: "int", doc: "channel groups C ≥ 2 (one region per group)" },
    inverse: { kind: "bool", default: false, doc: "run the inverse stack (blocks trip−1 … 0)" },
  },
  regions: [2, Infinity],
  pure: true,
  trip: (attrs) => dimAttr(attrs, "trip"),
  infer(inputs, attrs, regions) {
    const x = tensorAt(inputs, 0, "operand");
    if ("error" in x) return x;
    const groups = intAttr(attrs, "groups");
    if (!(Number.isInteger(groups) && groups >= 2)) return fail(`groups must be an integer ≥ 2, got ${groups}`);
    const trip = attrs.trip;
    if (typeof trip === "number" && !(Number.isInteger(trip) && trip >= 0)) return fail(`trip ${trip} is not a non-negative integer`);
    const chunk = chunkType(x, groups);
    if (!chunk) return fail(`the last axis of ${formatType(x)} does not split into ${groups} groups`, [0]);
    if (regions?.length !== groups) return fail(`s.reversible with ${groups} groups needs ${groups} regions, got ${regions?.length ?? 0}`);
    for (const [g, r] of regions.entries()) {
      const ok =
        r.params.length === 2 &&
        typesEqual(r.params[0].type, { kind: "tensor", dtype: "i32", shape: [] }) &&
        typesEqual(r.params[1].type, chunk) &&
        r.results.length === 1;
      if (!ok) return fail(`region ${g} must take (i: i32[], z: ${formatType(chunk)}) and return one ${formatType(chunk)}`);
      const out = resultType(r, r.results[0]);
      if (!out || !typesEqual(out, chunk)) return fail(`region ${g} returns ${out ? formatType(out) : "a value from outside"}, not ${formatType(chunk)}`);
    }
    return x;
  },
  interpret(inputs, attrs, ctx) {
    const regions = ctx.regions;
    if (!regions) throw new Error("s.reversible: the interpreter gave no regions");
    const trip = concrete(attrs.trip, "trip");
    const groups = intAttr(attrs, "groups");
    const p = ctx.precision;
    const f = (g: number, i: number, z: TensorValue): TensorValue => {
      const index: TensorValue = { kind: "tensor", dtype: "i32", shape: [], data: Int32Array.of(i) };
      return asTensor(ctx.runRegion(regions[g], [index, z])[0], `region ${g}'s result`);
    };
    let h = asTensor(inputs[0], "operand");
    for (let step = 0; step < trip; step++) {
      const parts = Array.from({ length: groups }, (_, g) => group(h, g, groups, p));
      if (attrs.inverse) {
        const i = trip - 1 - step;
        for (let g = groups - 1; g >= 1; g--) parts[g] = combine(parts[g], f(g, i, parts[g - 1]), -1, p);
        parts[0] = combine(parts[0], f(0, i, sumOfRest(parts, p)), -1, p);
      } else {
        let z = sumOfRest(parts, p);
        for (let g = 0; g < groups; g++) z = parts[g] = combine(parts[g], f(g, step, z), 1, p);
      }
      h = joinGroups(parts, h, p);
    }
    return h;
  },
  // The coupling's own sums, per block: Σ_{g≥1} x_g (C − 2 chunk adds) and y_g = x_g + F_g (C
  // more), reading the block's input and writing its output. The blocks F_g are the regions'
  // nodes, which the cost model (plan/flops.ts) counts once per block.
  cost(inputs, output, attrs, symbols) {
    const blocks = sizeOf(dimAttr(attrs, "trip"), symbols);
    const groups = intAttr(attrs, "groups");
    const perBlock = streamingCost(inputs, output, symbols, ((2 * groups - 2) * elementsOf(output, symbols)) / groups);
    return { flops: blocks * perBlock.flops, bytes: blocks * perBlock.bytes };
  },
};

/** Σ_{g≥1} parts[g], summed left to right as the lowered IR does. */
function sumOfRest(parts: readonly TensorValue[], precision: InterpretContext["precision"]): TensorValue {
  let z = parts[1];
  for (let g = 2; g < parts.length; g++) z = combine(z, parts[g], 1, precision);
  return z;
}
