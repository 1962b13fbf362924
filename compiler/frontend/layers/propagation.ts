import { aggregateMessages } from "../aggregate.js";
import type { BoundArgs } from "../signature.js";
import type { GraphValue, TensorValue } from "../value.js";
import { withSelfLoops } from "./common.js";
import type { LayerContext } from "./layer.js";

/**
 * Message passing for the layers written in TypeScript, lowered as a `.gnn` block's is
 * (message-passing.ts): node rows gathered onto edges, the message's math per edge, a segment
 * reduction. fuse-message turns a message that is an edge term times x_j into one SpMM.
 */

/** An edge's two ends in a message: `i(x)` the destination's row of x (PyG's x_i), `j(x)` the source's (x_j). */
export interface Ends {
  i(x: TensorValue): TensorValue;
  j(x: TensorValue): TensorValue;
}

/** aggr over each node's in-edges of `message(ends)` (an [E, …] tensor). */
export function propagateMessages(ctx: LayerContext, g: GraphValue, message: (ends: Ends) => TensorValue, aggr = "sum"): TensorValue {
  const m = message({
    i: (x) => ctx.tensor("g.gather_dst", [g.id, x.id]),
    j: (x) => ctx.tensor("g.gather_src", [g.id, x.id]),
  });
  return aggregateMessages((op, inputs, attrs) => ctx.tensor(op, inputs, attrs), () => ctx.constant(1), aggr, g, m);
}

/** `w` [E] or [E, H] as a factor of edge rows [E, …]: trailing axes of size 1. */
export function perEdge(ctx: LayerContext, w: TensorValue, rows: TensorValue): TensorValue {
  const shape = [...w.type.shape, ...rows.type.shape.slice(w.type.shape.length).map(() => 1)];
  return shape.length === w.type.shape.length ? w : ctx.tensor("t.reshape", [w.id], { shape });
}

export interface GcnNormOptions {
  improved: boolean;
  addSelfLoops: boolean;
  /** PyG's `edge_weight` [E]; absent: every edge weighs 1. */
  edgeWeight?: TensorValue;
}

/**
 * PyG's `gcn_norm`: self loops added (weight 2 when `improved`, else 1; PyG's
 * add_remaining_self_loops), then w_e · deg^-½[src] · deg^-½[dst] with deg the in-degree by weight
 * (0 where deg = 0). Returns the graph the weights are for. Unweighted, it is one `g.gcn_norm`;
 * with edge weights it is built from ops (differentiable, and computed once per run when the
 * weights are data).
 */
export function gcnNormalization(ctx: LayerContext, g: GraphValue, o: GcnNormOptions): { graph: GraphValue; weights: TensorValue } {
  if (!o.edgeWeight) {
    const graph = o.addSelfLoops ? withSelfLoops(ctx, g) : g;
    return { graph, weights: ctx.tensor("g.gcn_norm", [graph.id], { improved: o.improved }) };
  }
  let graph = g;
  let w = o.edgeWeight;
  if (o.addSelfLoops && !g.type.selfLoops) {
    const fill = ctx.tensor("t.full", [], { value: o.improved ? 2 : 1, shape: [g.type.nodes] });
    w = ctx.tensor("g.append_loops", [g.id, w.id, fill.id]);
    graph = ctx.graph("g.add_self_loops", [g.id]);
  }
  const deg = ctx.tensor("g.scatter_sum", [graph.id, w.id]);
  const positive = ctx.tensor("t.step", [deg.id]);
  // rsqrt of deg where deg > 0 (of 1 elsewhere, then zeroed): no Inf ever forms.
  const safe = ctx.tensor("t.add", [deg.id, ctx.tensor("t.sub", [ctx.constant(1).id, positive.id]).id]);
  const invSqrt = ctx.tensor("t.mul", [ctx.tensor("t.rsqrt", [safe.id]).id, positive.id]);
  const column = ctx.tensor("t.reshape", [invSqrt.id], { shape: [g.type.nodes, 1] });
  const ends = ctx.tensor("g.sddmm", [graph.id, column.id, column.id], { op: "dot" });
  return { graph, weights: ctx.tensor("t.mul", [w.id, ends.id]) };
}

/**
 * Edge features for the graph with self loops: each loop takes the mean of its node's in-edge
 * features (PyG's fill_value = "mean"; 0 for a node without in-edges).
 */
export function edgeAttrWithLoops(ctx: LayerContext, g: GraphValue, attr: TensorValue): { graph: GraphValue; attr: TensorValue } {
  if (g.type.selfLoops) return { graph: g, attr };
  const mean = aggregateMessages((op, inputs, attrs) => ctx.tensor(op, inputs, attrs), () => ctx.constant(1), "mean", g, attr);
  return { graph: ctx.graph("g.add_self_loops", [g.id]), attr: ctx.tensor("g.append_loops", [g.id, attr.id, mean.id]) };
}

/** The `edge_attr` input, checked against `edge_dim` (one without the other is refused, as a likely mistake). */
export function edgeFeatures(ctx: LayerContext, args: BoundArgs, attr: TensorValue | undefined): TensorValue | undefined {
  const dim = args.get("edge_dim")?.value;
  if (!attr && !dim) return undefined;
  if (!attr) return ctx.fail("E402", "this layer has `edge_dim` set but was called without `edge_attr`", { help: "call it as `conv(x, g, edge_attr)`" });
  if (!dim) return ctx.fail("E405", "`edge_attr` was given, but the layer has no `edge_dim`", { help: "declare it with `edge_dim = ...` (the width of the edge features)" });
  ctx.expectWidth(2, dim.kind === "int" ? dim.value : 0, "edge_dim");
  return attr;
}
