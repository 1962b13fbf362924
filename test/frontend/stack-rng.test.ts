import { describe, expect, it } from "vitest";
import { graphFromEdges } from "../../compiler/ir/graph-value.js";
import type { TensorValue } from "../../compiler/ir/values.js";
import { runFunc } from "../../runtime/reference/index.js";
import { compileOk, func, onlyModule } from "./helpers.js";

// A dropout inside a repeat body must draw a new mask on every iteration (PyTorch's semantics for a
// stack of modules), while staying a pure function of the rng input.
const source = `
block Drop() {
  forward(h) = dropout(h, 0.5)
}
model M(layers: int = 2) {
  stack = repeat(layers, tied = true) Drop()
  forward(x: f32[N, 64], g: graph[N]) = stack(x)
}`;

describe("randomness inside stacks", () => {
  const graph = graphFromEdges(1, new Int32Array(0), new Int32Array(0));
  const x: TensorValue = { kind: "tensor", dtype: "f32", shape: [1, 64], data: new Float32Array(64).fill(1) };
  const run = (layers: number, key: [number, number]) => {
    const m = onlyModule(compileOk(source.replace("layers: int = 2", `layers: int = ${layers}`)));
    const outs = runFunc(func(m, "forward"), { inputs: { x, graph, rng: { kind: "rng", key } }, params: {} });
    return [...(outs[0] as TensorValue).data];
  };
  const survivors = (v: number[]) => v.flatMap((e, i) => (e !== 0 ? [i] : []));

  it("draws a different mask on each iteration", () => {
    // Iteration 0 draws the same mask whatever the depth; a second, independent mask can only drop
    // more elements. Were the masks identical, the survivors would be the same set.
    const one = survivors(run(1, [3, 4]));
    const two = survivors(run(2, [3, 4]));
    expect(two.every((i) => one.includes(i))).toBe(true);
    expect(two.length).toBeLessThan(one.length);
    expect(two.length).toBeGreaterThan(0);
  });

  it("is reproducible for the same rng and differs for another", () => {
    expect(run(2, [3, 4])).toEqual(run(2, [3, 4]));
    expect(run(2, [3, 4])).not.toEqual(run(2, [5, 6]));
  });
});
