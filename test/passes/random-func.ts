import { FuncBuilder } from "../../compiler/ir/builder.js";
import { graphFromEdges } from "../../compiler/ir/graph-value.js";
import type { Attrs, Module, TensorType, Type } from "../../compiler/ir/types.js";
import type { TensorValue, Value } from "../../compiler/ir/values.js";
import { randomTensor, UNIFORM } from "../support/tensors.js";

/**
 * Random-ish functions for semantic-preservation tests of CSE and DCE: duplicated leaves and
 * subexpressions, dead branches, and an `s.loop` whose body recomputes outer expressions and has
 * dead nodes of its own. Everything is seeded, so a failing seed reproduces.
 */

export const NODES = 5;
export const FEATURES = 4;

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const feat: Type = { kind: "tensor", dtype: "f32", shape: [NODES, FEATURES] };
const weight: TensorType = { kind: "tensor", dtype: "f32", shape: [FEATURES, FEATURES] };
const index: Type = { kind: "tensor", dtype: "i32", shape: [] };

const UNARY = ["t.relu", "t.tanh", "t.sigmoid", "t.neg", "t.abs"];
const BINARY = ["t.add", "t.sub", "t.mul", "t.maximum"];

interface Emitted {
  op: string;
  inputs: number[];
  attrs: Attrs;
}

export interface RandomCase {
  module: Module;
  /** Values for the `s.input` names. */
  inputs: Record<string, Value>;
  /** Values for the `s.param` names. */
  params: Record<string, TensorValue>;
}

/** A module with one function `forward(x, g) -> (out, aux)` built from `seed`. */
export function randomModule(seed: number): RandomCase {
  const rand = mulberry32(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const b = new FuncBuilder("forward");
  const emitted: Emitted[] = [];
  const emit = (op: string, inputs: number[], attrs: Attrs = {}) => {
    emitted.push({ op, inputs, attrs });
    return b.emit(op, inputs, attrs);
  };

  const x = b.leaf("s.input", feat, { name: "x" });
  const w = b.leaf("s.param", weight, { name: "w" });
  const g = b.leaf("s.input", { kind: "graph", nodes: NODES, edges: 9, selfLoops: false }, { name: "g" });
  const xAgain = b.leaf("s.input", feat, { name: "x" }); // same name: CSE may merge it with x
  const half = emit("t.const", [], { value: 0.5 });
  const halfAgain = emit("t.const", [], { value: 0.5 });

  /** Grow `pool` (values of type f32[N,F]) by one random step; `scope` is what a duplicate may copy. */
  const step = (pool: number[], scope: Emitted[]) => {
    const r = rand();
    let id: number;
    if (r < 0.25 && scope.length > 0) {
      const d = pick(scope); // an exact duplicate of an earlier node
      id = emit(d.op, d.inputs, d.attrs);
    } else if (r < 0.5) id = emit(pick(UNARY), [pick(pool)]);
    else if (r < 0.7) id = emit(pick(BINARY), [pick(pool), pick(pool)]);
    else if (r < 0.8) id = emit("t.mul", [pick(pool), pick([half, halfAgain])]);
    else if (r < 0.9) id = emit("t.tanh", [emit("t.matmul", [pick(pool), w])]);
    else id = emit("g.spmm", [g, pick(pool)], { reduce: pick(["sum", "mean", "max"]) });
    pool.push(id);
  };

  const pool = [x, xAgain];
  const before = 6 + Math.floor(rand() * 6);
  for (let i = 0; i < before; i++) step(pool, emitted.filter((e) => e.op !== "t.const"));
  const outerScope = emitted.filter((e) => e.op !== "t.const");

  const loop = b.region([index, feat], ([, carried]) => {
    const inner = [carried, ...pool.slice(-3)];
    const innerStart = emitted.length;
    emit("t.relu", [x]); // loop-invariant: equal to an outer value if one exists
    emit("t.tanh", [emit("t.add", [x, xAgain])]);
    const steps = 2 + Math.floor(rand() * 4);
    for (let i = 0; i < steps; i++) step(inner, [...outerScope, ...emitted.slice(innerStart)]);
    const next = emit("t.tanh", [emit("t.add", [carried, inner[inner.length - 1]])]);
    return [next];
  });
  const looped = b.emit("s.loop", [pick(pool)], { trip: 2 + Math.floor(rand() * 2) }, undefined, [loop]);
  pool.push(looped);

  const after = 3 + Math.floor(rand() * 4);
  for (let i = 0; i < after; i++) step(pool, outerScope);
  // Only some values are results, so the rest is dead code for DCE.
  const out = emit("t.add", [looped, pool[pool.length - 1]]);
  const aux = pick(pool.slice(2, -1));
  const func = b.finish([out, aux], ["out", "aux"]);
  const module: Module = { name: `random${seed}`, symbols: {}, params: [{ name: "w", type: weight, init: { kind: "glorot" }, trainable: true }], funcs: [func] };

  const src = Int32Array.from({ length: 9 }, () => Math.floor(rand() * NODES));
  const dst = Int32Array.from({ length: 9 }, () => Math.floor(rand() * NODES));
  return {
    module,
    inputs: { x: randomTensor([NODES, FEATURES], rand, UNIFORM), g: graphFromEdges(NODES, src, dst) },
    params: { w: randomTensor([FEATURES, FEATURES], rand, UNIFORM) },
  };
}
