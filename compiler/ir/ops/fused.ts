import { freeValues } from "../reads.js";
import type { InferError, OpSpec } from "../spec.js";
import { formatType, typesEqual } from "../type-utils.js";
import type { Dim, Region, TensorType, Type } from "../types.js";
import { broadcastShapes } from "./broadcast.js";
import { fail, streamingCost } from "./common.js";

/**
 * `t.fused(a, b, …) { ^(a′, b′, …) … }`: a chain of elementwise ops computed as one kernel. The
 * region's params take the operands (same types), its body is the chain — the ordinary ops,
 * unchanged — and its one result is the fused value. Every value in the region broadcasts onto the
 * result's shape, so element e of the result depends only on the operands' elements broadcast onto
 * e: a GPU kernel evaluates the body once per output element, with no intermediate buffers.
 *
 * The region is closed (it reads only its params): a kernel can bind nothing else, and passes that
 * share or hoist values across region boundaries (CSE, LICM) then find nothing to move. Made by the
 * `fuse-elementwise` pass after autodiff; it has no gradient rule.
 */

/** One-operand elementwise ops a fused region may hold (each has a WGSL expression). */
export const FUSABLE_UNARY: readonly string[] = [
  "t.neg", "t.abs", "t.relu", "t.exp", "t.log", "t.sqrt", "t.rsqrt", "t.tanh", "t.sigmoid", "t.gelu", "t.erf",
  "t.step", "t.round", "t.leaky_relu", "t.elu",
];

/** Two-operand elementwise ops (NumPy broadcasting) a fused region may hold. */
export const FUSABLE_BINARY: readonly string[] = ["t.add", "t.sub", "t.mul", "t.div", "t.maximum", "sp.mask"];

/**
 * Every op a fused region may hold. Besides arithmetic: `t.broadcast_to` (per output element the
 * identity: its operand is read broadcast anyway) and `nn.dropout` (its mask element is a pure
 * function of the key and the element's flat index, which is the output's index when the shapes
 * are equal — required below).
 */
export const FUSABLE_OPS: ReadonlySet<string> = new Set([...FUSABLE_UNARY, ...FUSABLE_BINARY, "t.broadcast_to", "nn.dropout"]);

/**
 * Fusable ops whose element e depends on e itself, not only on their operands' elements (dropout
 * draws its mask by flat index): in a fused region they must have the result's type, so that
 * their index is the output's.
 */
export const INDEXED_OPS: ReadonlySet<string> = new Set(["nn.dropout"]);

/** Whether `shape` broadcasts onto `onto` unchanged (NumPy rules; symbolic dims by identity). */
function broadcastsOnto(shape: readonly Dim[], onto: readonly Dim[]): boolean {
  const r = broadcastShapes(shape, onto);
  return !("conflict" in r) && r.shape.length === onto.length && r.shape.every((d, k) => d === onto[k]);
}

/** The result type of a fused region on operands of `inputs`, or why the region is not a fusable elementwise body. */
function fusedResultType(r: Region, inputs: readonly Type[]): InferError | TensorType {
  if (r.params.length !== inputs.length) return fail(`the fused region must take ${inputs.length} param(s), got ${r.params.length}`);
  for (let k = 0; k < inputs.length; k++) {
    if (!typesEqual(r.params[k].type, inputs[k])) {
      return fail(`fused region param ${k} is ${formatType(r.params[k].type)} but operand ${k} is ${formatType(inputs[k])}`, [k]);
    }
    if (inputs[k].kind !== "tensor" && inputs[k].kind !== "rng") return fail(`operand ${k} must be a tensor or an rng key, got ${formatType(inputs[k])}`, [k]);
  }
  if (r.results.length !== 1) return fail(`the fused region must return one value, got ${r.results.length}`);
  const root = r.body.find((n) => n.id === r.results[0]);
  if (!root) return fail(`the fused region's result %${r.results[0]} must be computed in its body`);
  if (root.type.kind !== "tensor") return fail(`the fused result must be a tensor, got ${formatType(root.type)}`);
  const out = root.type;
  const free = [...freeValues(r)];
  if (free.length) return fail(`the fused region reads %${free[0]} from outside; it may read only its params`);
  const values = [...r.params.filter((p) => p.type.kind === "tensor"), ...r.body];
  for (const n of r.body) {
    if (!FUSABLE_OPS.has(n.op) || n.regions?.length) return fail(`${n.op} (%${n.id}) is not an elementwise op a fused region may hold`);
    if (INDEXED_OPS.has(n.op) && !typesEqual(n.type, out)) {
      return fail(`${n.op} (%${n.id}) is ${formatType(n.type)}; in a fused region it must have the result's type ${formatType(out)}`);
    }
  }
  // One element type throughout (a kernel computes in one scalar type), every value indexable by the result's element.
  for (const { id, type } of values) {
    if (type.kind !== "tensor" || type.dtype !== out.dtype) return fail(`%${id} is ${formatType(type)}; every value of this fused region must be ${out.dtype}`);
    if (!broadcastsOnto(type.shape, out.shape)) return fail(`%${id}: ${formatType(type)} does not broadcast onto the fused result ${formatType(out)}`);
  }
  return out;
}

const fused: OpSpec = {
  name: "t.fused",
  summary:
    "a chain of elementwise ops as one op: the region (params = the operands) evaluated per element of its result, " +
    "every value broadcasting onto the result's shape; made by fuse-elementwise after autodiff",
  arity: [1, Infinity],
  attrs: {},
  regions: 1,
  pure: true,
  regionOperands: (node) => node.inputs,
  infer(inputs, _attrs, regions) {
    if (regions?.length !== 1) return fail(`t.fused needs exactly 1 region, got ${regions?.length ?? 0}`);
    return fusedResultType(regions[0], inputs);
  },
  // The body's ops on whole (broadcast) tensors: elementwise ops commute with broadcasting, so this
  // is the per-element evaluation, and it rounds every intermediate exactly as the unfused ops do.
  interpret(inputs, _attrs, ctx) {
    const region = ctx.regions?.[0];
    if (!region) throw new Error("t.fused: the interpreter gave no region");
    return ctx.runRegion(region, [...inputs])[0];
  },
  // The region's nodes carry the arithmetic; the fused op moves its operands and result once.
  cost(inputs, output, _attrs, symbols) {
    return streamingCost(inputs, output, symbols, 0);
  },
};

export const fusedOps: readonly OpSpec[] = [fused];
