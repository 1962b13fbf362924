import { argInt } from "./signature.js";
import { tensorArg, X, type FunctionDef } from "./function-def.js";
import { withSelfLoops } from "./layers/common.js";
import type { LayerContext } from "./layers/layer.js";
import { formatTensorType, type GraphValue, type TensorValue } from "./value.js";
import type { BoundArgs } from "./signature.js";

/**
 * PyG's graph utilities as functions: `add_self_loops(g)`, `degree(g)`, `edge_softmax(alpha)` (PyG's
 * `softmax(alpha, index)`: normalise edge scores over each destination's in-edges — inside a
 * `message` it takes the graph being propagated over) and the readouts `global_add_pool`,
 * `global_mean_pool` and `global_max_pool` over a batch vector.
 */

const GRAPH = { name: "g", kind: "graph" } as const;

function graphArg(args: BoundArgs): GraphValue | undefined {
  const v = args.get("g")?.value;
  return v?.kind === "graph" ? v : undefined;
}

/** `global_*_pool(x, batch, size = B)`: one row per graph, `size` graphs (B, the dataset's graph count). */
function globalPool(reduce: "sum" | "mean" | "max", name: string): FunctionDef {
  return {
    signature: { name, params: [X, { name: "batch", kind: "tensor", optional: true }, { name: "size", kind: "int", optional: true }] },
    apply(ctx, args) {
      const x = tensorArg(args);
      if (x.type.shape.length < 2) return ctx.fail("E302", `\`${name}\` pools node rows [N, F], found ${formatTensorType(x.type)}`);
      if (!args.has("batch")) {
        // PyG's batch=None: every node is one graph's.
        return ctx.tensor(reduce === "sum" ? "t.sum" : reduce === "mean" ? "t.mean" : "t.max", [x.id], { axes: [0], keepdims: true });
      }
      const batch = tensorArg(args, "batch");
      const graphs = args.has("size") ? argInt(args, "size") : "B";
      return ctx.tensor("g.pool", [x.id, batch.id], { reduce, graphs });
    },
  };
}

function scores(ctx: LayerContext, args: BoundArgs): { g: GraphValue; alpha: TensorValue } {
  const alpha = tensorArg(args, "src");
  const g = graphArg(args) ?? ctx.messageGraph;
  if (!g) {
    return ctx.fail("E305", "`edge_softmax` normalises over each node's in-edges: call it inside `message`, or give the graph: `edge_softmax(alpha, g)`");
  }
  return { g, alpha };
}

export const GRAPH_FUNCTIONS: readonly FunctionDef[] = [
  {
    signature: { name: "add_self_loops", params: [GRAPH] },
    apply: (ctx, args) => withSelfLoops(ctx, graphArg(args)!),
  },
  {
    // PyG's degree(col, N): each node's in-degree (self loops included), as f32[N].
    signature: { name: "degree", params: [GRAPH] },
    apply: (ctx, args) => ctx.tensor("g.degree", [graphArg(args)!.id]),
  },
  {
    signature: { name: "edge_softmax", params: [{ name: "src", kind: "tensor" }, { ...GRAPH, optional: true }] },
    apply(ctx, args) {
      const { g, alpha } = scores(ctx, args);
      return ctx.tensor("g.edge_softmax", [g.id, alpha.id]);
    },
  },
  globalPool("sum", "global_add_pool"),
  globalPool("mean", "global_mean_pool"),
  globalPool("max", "global_max_pool"),
];
