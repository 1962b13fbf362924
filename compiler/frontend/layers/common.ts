import type { Dim, InitSpec } from "../../ir/types.js";
import type { SigParam } from "../signature.js";
import { LIMITS } from "../../train/limits.js";
import { bool, float, int, type GraphValue, type TensorValue } from "../value.js";
import type { LayerContext, LayerInput, LocalParam } from "./layer.js";

/** The inputs of every message-passing layer, named as in PyG's `forward(x, edge_index)`. */
export const NODE_AND_GRAPH: readonly LayerInput[] = [
  { name: "x", kind: "tensor" },
  { name: "edge_index", kind: "graph" },
];

/** PyG's optional `edge_weight` [E] input of GCN-style layers. */
export const EDGE_WEIGHT_INPUT: LayerInput = { name: "edge_weight", kind: "tensor", optional: true };
/** PyG's optional `edge_attr` [E, edge_dim] input of edge-feature layers. */
export const EDGE_ATTR_INPUT: LayerInput = { name: "edge_attr", kind: "tensor", optional: true };

/** PyTorch's Linear weight init: kaiming_uniform with a = √5, i.e. U(±1/√fan_in). */
export const KAIMING_LINEAR: InitSpec = { kind: "kaiming_uniform", a: Math.sqrt(5) };
export const GLOROT: InitSpec = { kind: "glorot" };
export const ZEROS: InitSpec = { kind: "zeros" };
export const ONES: InitSpec = { kind: "ones" };

/**
 * PyTorch's Linear bias init: U(±1/√fan_in) with the weight's fan_in. The bound is only known
 * when the input width is; a symbolic width leaves `fanIn` to be resolved with the data.
 */
export function biasInit(fanIn: Dim): InitSpec {
  return typeof fanIn === "number" ? { kind: "uniform_fan_in", fanIn } : { kind: "uniform_fan_in" };
}

/** A positive channel count. */
export function channels(name: string): SigParam {
  return { name, kind: "int", min: 1, max: LIMITS.channels.max, boundsHelp: LIMITS.channels.why };
}

/** `K`, the hops of a propagation (unrolled: one IR node per hop). */
export function hops(min: number): SigParam {
  return { name: "K", kind: "int", default: int(1), min, max: LIMITS.hops.max, boundsHelp: LIMITS.hops.why };
}

export function flag(name: string, value: boolean): SigParam {
  return { name, kind: "bool", default: bool(value) };
}

export function number(name: string, value: number, bounds: Partial<SigParam> = {}): SigParam {
  return { name, kind: "float", default: float(value), ...bounds };
}

/** A dropout probability: PyTorch accepts [0, 1]. */
export function probability(name: string, value?: number): SigParam {
  return { name, kind: "float", ...(value === undefined ? {} : { default: float(value) }), min: 0, max: 1 };
}

/** The parameters of a Linear map `in → out` under `prefix` (`lin.` or ``). */
export function linearParams(prefix: string, inC: Dim, outC: Dim, bias: boolean, weightInit: InitSpec = KAIMING_LINEAR): LocalParam[] {
  const ps: LocalParam[] = [{ name: `${prefix}weight`, shape: [outC, inC], init: weightInit, trainable: true }];
  if (bias) ps.push({ name: `${prefix}bias`, shape: [outC], init: biasInit(inC), trainable: true });
  return ps;
}

/** y = x Wᵀ (+ b): the weight is stored PyG-style as [out, in]. */
export function applyLinear(ctx: LayerContext, x: TensorValue, weight: string, bias?: string): TensorValue {
  const y = ctx.tensor("t.matmul", [x.id, ctx.param(weight).id], { transB: true });
  return bias ? ctx.tensor("t.add", [y.id, ctx.param(bias).id]) : y;
}

/** `y + bias` when the layer has a bias. */
export function addBias(ctx: LayerContext, y: TensorValue, has: boolean, name = "bias"): TensorValue {
  return has ? ctx.tensor("t.add", [y.id, ctx.param(name).id]) : y;
}

/** Dropout in training mode; the identity in eval mode or for p = 0. */
export function applyDropout(ctx: LayerContext, x: TensorValue, p: number): TensorValue {
  if (!ctx.training || p === 0) return x;
  // PyTorch zeroes everything at p = 1; the op's 1/(1-p) scale would divide by zero.
  if (p === 1) return ctx.tensor("t.mul", [x.id, ctx.constant(0).id]);
  return ctx.tensor("nn.dropout", [x.id, ctx.rng()], { p });
}

/** The graph with one self loop per node (a graph that already has them is kept). */
export function withSelfLoops(ctx: LayerContext, g: GraphValue): GraphValue {
  return g.type.selfLoops ? g : ctx.graph("g.add_self_loops", [g.id]);
}
