import { FuncBuilder } from "../../compiler/ir/builder.js";
import type { Attrs, Func, Node, Type } from "../../compiler/ir/types.js";
import type { Value } from "../../compiler/ir/values.js";
import { runFunc } from "../../runtime/reference/index.js";

/** The concrete type of a value, to declare the leaf it is bound to. */
export function typeOf(v: Value): Type {
  if (v.kind === "tensor") return { kind: "tensor", dtype: v.dtype, shape: v.shape };
  if (v.kind === "graph") return { kind: "graph", nodes: v.numNodes, edges: v.numEdges, selfLoops: v.selfLoops };
  return { kind: "rng" };
}

/** `out = op(in0, in1, …)` with inputs of the given types, built so that the op's type inference runs. */
export function oneOpFunc(op: string, types: readonly Type[], attrs: Attrs = {}): Func {
  const b = new FuncBuilder("one_op");
  const ids = types.map((t, i) => b.leaf("s.input", t, { name: `in${i}` }));
  return b.finish([b.emit(op, ids, attrs)], ["out"]);
}

/** The op's node in its one-op function. */
export function opNode(func: Func): Node {
  return func.body[func.body.length - 1];
}

export interface OneOpOptions {
  /** Leaf types to declare (default: the values' concrete types); symbolic dims take `symbols`. */
  types?: readonly Type[];
  symbols?: Readonly<Record<string, number>>;
}

/**
 * Run `op(inputs…)` on the reference interpreter as a one-op function. The inputs are copied first:
 * the interpreter may update a dead operand in place, and callers compare against the originals.
 */
export function runOneOp(op: string, inputs: readonly Value[], attrs: Attrs = {}, { types, symbols }: OneOpOptions = {}): Value {
  const func = oneOpFunc(op, types ?? inputs.map(typeOf), attrs);
  const env = Object.fromEntries(inputs.map((v, i) => [`in${i}`, v.kind === "tensor" ? { ...v, data: v.data.slice() } : v]));
  return runFunc(func, { inputs: env, params: {}, symbols })[0];
}
