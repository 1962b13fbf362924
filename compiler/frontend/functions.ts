import { argFloat, argInt } from "./signature.js";
import { float, int, type TensorValue } from "./value.js";
import { applyDropout, hops, probability, withSelfLoops } from "./layers/common.js";
import { checkedDim, tensorArg as input, unary, X, type FunctionDef } from "./function-def.js";
import { GRAPH_FUNCTIONS } from "./graph-functions.js";
import { SHAPE_FUNCTIONS } from "./shape-functions.js";

export type { FunctionDef } from "./function-def.js";

/** softmax / log_softmax over `dim` (negative counts from the end, as in torch). */
function softmaxLike(name: string, op: string): FunctionDef {
  return {
    signature: { name, params: [X, { name: "dim", kind: "int", default: int(-1) }] },
    apply(ctx, args) {
      const x = input(args);
      return ctx.tensor(op, [x.id], { axis: checkedDim(ctx, name, args, x.type.shape.length) });
    },
  };
}

const FUNCTIONS: ReadonlyMap<string, FunctionDef> = new Map(
  [
    unary("relu", "t.relu"),
    unary("gelu", "t.gelu"),
    unary("tanh", "t.tanh"),
    unary("sigmoid", "t.sigmoid"),
    unary("exp", "t.exp"),
    unary("log", "t.log"),
    unary("sqrt", "t.sqrt"),
    unary("abs", "t.abs"),
    {
      signature: { name: "leaky_relu", params: [X, { name: "negative_slope", kind: "float", default: float(0.01) }] },
      apply: (ctx, args) => ctx.tensor("t.leaky_relu", [input(args).id], { slope: argFloat(args, "negative_slope") }),
    } satisfies FunctionDef,
    {
      signature: { name: "elu", params: [X, { name: "alpha", kind: "float", default: float(1.0) }] },
      apply: (ctx, args) => ctx.tensor("t.elu", [input(args).id], { alpha: argFloat(args, "alpha") }),
    } satisfies FunctionDef,
    softmaxLike("softmax", "t.softmax"),
    softmaxLike("log_softmax", "t.log_softmax"),
    {
      signature: { name: "dropout", params: [X, probability("p", 0.5)] },
      apply: (ctx, args) => applyDropout(ctx, input(args), argFloat(args, "p")),
    } satisfies FunctionDef,
    {
      signature: { name: "concat", params: [{ name: "tensors", kind: "tensors" }, { name: "dim", kind: "int", default: int(-1) }] },
      apply(ctx, args) {
        const list = args.get("tensors")!.value;
        const xs = list.kind === "list" ? (list.items as TensorValue[]) : [];
        const rank = xs[0].type.shape.length;
        return ctx.tensor("t.concat", xs.map((x) => x.id), { axis: checkedDim(ctx, "concat", args, rank) });
      },
    } satisfies FunctionDef,
    {
      // Âᴷx with Â the GCN-normalised adjacency (self loops added): SGC / GA-MLP feature propagation.
      signature: { name: "propagate", params: [X, { name: "g", kind: "graph" }, hops(0)] },
      apply(ctx, args) {
        const g = args.get("g")!.value;
        const hops = argInt(args, "K");
        if (g.kind !== "graph") throw new Error("internal: propagate's g is not a graph");
        if (typeof hops !== "number") return ctx.fail("E311", "the number of hops `K` of `propagate` must be known at compile time");
        const graph = withSelfLoops(ctx, g);
        const weights = ctx.tensor("g.gcn_norm", [graph.id]);
        let h = input(args);
        for (let k = 0; k < hops; k++) h = ctx.tensor("g.spmm", [graph.id, weights.id, h.id], { reduce: "sum" });
        return h;
      },
    } satisfies FunctionDef,
    {
      // The mask dropout(x) would apply (0 or 1/(1−p)), so one draw can be shared by many layers;
      // all ones in eval mode.
      signature: { name: "dropout_mask", params: [X, probability("p")] },
      apply(ctx, args) {
        const x = input(args);
        const p = argFloat(args, "p");
        if (!ctx.training || p === 0) return ctx.tensor("t.full", [], { value: 1, shape: [...x.type.shape] });
        if (p === 1) return ctx.tensor("t.full", [], { value: 0, shape: [...x.type.shape] });
        return ctx.tensor("nn.dropout_mask", [x.id, ctx.rng()], { p });
      },
    } satisfies FunctionDef,
    ...SHAPE_FUNCTIONS,
    ...GRAPH_FUNCTIONS,
  ].map((f) => [f.signature.name, f]),
);

export function getFunction(name: string): FunctionDef | undefined {
  return FUNCTIONS.get(name);
}

export function functionNames(): string[] {
  return [...FUNCTIONS.keys()];
}
