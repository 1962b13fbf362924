import { registerOps } from "../../compiler/ir/ops/index.js";
import type { Module } from "../../compiler/ir/types.js";
import type { Value } from "../../compiler/ir/values.js";
import { runFunc } from "../../runtime/reference/index.js";
import { mulberry32, type RandomCase } from "./random-func.js";
import { randomTensor, UNIFORM } from "../support/tensors.js";

/** Run every function of `module` on the case's data with the reference interpreter. */
export function runAll(module: Module, data: Pick<RandomCase, "inputs" | "params">): Value[][] {
  return module.funcs.map((f) => runFunc(f, { inputs: data.inputs, params: data.params }));
}

/** The same case with fresh random features and weights (the graph is kept). */
export function reshuffle(c: RandomCase, seed: number): RandomCase {
  const rand = mulberry32(seed);
  const x = c.inputs.x;
  const w = c.params.w;
  if (x.kind !== "tensor" || w.kind !== "tensor") throw new Error("unexpected case layout");
  return { ...c, inputs: { ...c.inputs, x: randomTensor(x.shape, rand, UNIFORM) }, params: { w: randomTensor(w.shape, rand, UNIFORM) } };
}

/** The context a pass gets when run directly in a test. */
export const passCtx = { log: () => {}, properties: new Set<string>() };

/** Register an identity op with a side effect (test only): CSE must never merge it, DCE never drop it. */
export function registerEffectOp(name: string): void {
  registerOps([
    {
      name,
      summary: "identity with a side effect (test only)",
      arity: 1,
      attrs: {},
      pure: false,
      infer: (inputs) => inputs[0],
      interpret: (inputs) => inputs[0],
      cost: () => ({ flops: 0, bytes: 0 }),
    },
  ]);
}
