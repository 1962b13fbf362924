import { FuncBuilder } from "../../compiler/ir/builder.js";
import type { Attrs, Func, Node, Type } from "../../compiler/ir/types.js";
import type { TensorValue, Value } from "../../compiler/ir/values.js";
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

/** The node of `op(in0, in1, …)`, freshly built (so repeated calls are independent builds). */
export function oneOpNode(op: string, types: readonly Type[], attrs: Attrs = {}): Node {
  return opNode(oneOpFunc(op, types, attrs));
}

/**
 * A one-op function's result on the reference interpreter, `inputs[k]` bound to `in{k}`. The inputs
 * are copied first: the interpreter may update a dead operand in place, and callers compare
 * against the originals.
 */
export function runOneOpFunc(func: Func, inputs: readonly Value[], symbols?: Readonly<Record<string, number>>): Value {
  const env = Object.fromEntries(inputs.map((v, i) => [`in${i}`, v.kind === "tensor" ? { ...v, data: v.data.slice() } : v]));
  return runFunc(func, { inputs: env, params: {}, symbols })[0];
}

/** `op(inputs…)` on the reference interpreter, the inputs declared with their concrete types. */
export function runOneOp(op: string, inputs: readonly Value[], attrs: Attrs = {}): Value {
  return runOneOpFunc(oneOpFunc(op, inputs.map(typeOf), attrs), inputs);
}

/** runOneOp for an op that gives a tensor. */
export function runTensorOp(op: string, inputs: readonly Value[], attrs: Attrs = {}): TensorValue {
  const v = runOneOp(op, inputs, attrs);
  if (v.kind !== "tensor") throw new Error(`${op} did not return a tensor`);
  return v;
}
