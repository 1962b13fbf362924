import { expect } from "vitest";
import { FuncBuilder } from "../../../compiler/ir/builder.js";
import { graphFromEdges } from "../../../compiler/ir/graph-value.js";
import type { Attrs, DType, Type } from "../../../compiler/ir/types.js";
import type { GraphValue, TensorValue, Value } from "../../../compiler/ir/values.js";
import { runFunc } from "../../../runtime/reference/index.js";

/** Small builders for interpreter tests: concrete values, graphs, and running one op end to end. */

export function tensor(shape: number[], data: ArrayLike<number>, dtype: DType = "f32"): TensorValue {
  const arr =
    dtype === "i32" ? Int32Array.from(data) : dtype === "u32" ? Uint32Array.from(data) : dtype === "bool" ? Uint8Array.from(data) : Float32Array.from(data);
  return { kind: "tensor", dtype, shape, data: arr };
}

export function scalarI32(v: number): TensorValue {
  return tensor([], [v], "i32");
}

/** A graph from `[src, dst]` pairs. */
export function graph(numNodes: number, edges: Array<[number, number]>): GraphValue {
  return graphFromEdges(numNodes, Int32Array.from(edges.map((e) => e[0])), Int32Array.from(edges.map((e) => e[1])));
}

/** The concrete type of a value, used to declare leaves. */
export function typeOf(v: Value): Type {
  if (v.kind === "tensor") return { kind: "tensor", dtype: v.dtype, shape: v.shape };
  if (v.kind === "graph") return { kind: "graph", nodes: v.numNodes, edges: v.numEdges, selfLoops: v.selfLoops };
  return { kind: "rng" };
}

/** Build `op(inputs…)` with concrete leaf types (so infer runs too) and interpret it. */
export function runOp(op: string, inputs: Value[], attrs: Attrs = {}): Value {
  const b = new FuncBuilder("one_op");
  const ids = inputs.map((v, i) => b.leaf("s.input", typeOf(v), { name: `in${i}` }));
  const out = b.emit(op, ids, attrs);
  const env = Object.fromEntries(inputs.map((v, i) => [`in${i}`, v]));
  return runFunc(b.finish([out], ["out"]), { inputs: env, params: {} })[0];
}

export function runTensorOp(op: string, inputs: Value[], attrs: Attrs = {}): TensorValue {
  const v = runOp(op, inputs, attrs);
  if (v.kind !== "tensor") throw new Error(`${op} did not return a tensor`);
  return v;
}

/** Elementwise closeness with a helpful failure message. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-6): void {
  expect(actual.length).toBe(expected.length);
  for (let k = 0; k < expected.length; k++) {
    const a = actual[k];
    const e = expected[k];
    const ok = Number.isNaN(e) ? Number.isNaN(a) : Math.abs(a - e) <= tol * Math.max(1, Math.abs(e));
    if (!ok) expect.fail(`element ${k}: got ${a}, expected ${e} (tol ${tol})`);
  }
}
