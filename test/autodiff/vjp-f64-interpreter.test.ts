import { describe, it, expect } from "vitest";
import { FuncBuilder } from "../../compiler/ir/builder.js";
import type { Func } from "../../compiler/ir/types.js";
import type { TensorValue } from "../../compiler/ir/values.js";
import { runFunc } from "../../runtime/reference/index.js";
import { indexScalar, testGraph } from "./gradcheck.js";
import { f32, random, randomTensor, UNIFORM } from "../support/tensors.js";

/** The interpreter's f64 mode: float tensors stored as Float64Array end to end; f32 stays the default. */

/** (x + tiny) − x, summed, then a gcn-normalised aggregation and a loop-free select of a stacked param. */
function sample(): Func {
  const b = new FuncBuilder("sample");
  const x = b.leaf("s.input", f32("N", 3), { name: "x" });
  const g = b.leaf("s.input", { kind: "graph", nodes: "N", edges: "E", selfLoops: false }, { name: "g" });
  const w = b.leaf("s.param", f32(2, 3), { name: "w" });
  const i = b.leaf("s.input", { kind: "tensor", dtype: "i32", shape: [] }, { name: "i" });
  const tiny = b.emit("t.const", [], { value: 1e-12 });
  const diff = b.emit("t.sub", [b.emit("t.add", [x, tiny]), x]);
  const agg = b.emit("g.spmm", [g, b.emit("g.gcn_norm", [g]), b.emit("t.mul", [x, b.emit("t.select", [w, i])])]);
  const count = b.emit("t.cast", [b.emit("t.sum", [x], { axes: [0, 1] })], { dtype: "i32" });
  return b.finish([diff, agg, count], ["diff", "agg", "count"]);
}

const g = testGraph();
const env = () => ({
  inputs: { x: randomTensor([g.numNodes, 3], random(1), { lo: 2, hi: 3, zeros: 0 }), g, i: indexScalar(1) },
  params: { w: randomTensor([2, 3], random(2), UNIFORM) },
});

describe("runFunc precision", () => {
  it("f64 keeps every float result in a Float64Array and integers as they are", () => {
    const [diff, agg, count] = runFunc(sample(), env(), { precision: "f64" }) as TensorValue[];
    expect(diff.data).toBeInstanceOf(Float64Array);
    expect(agg.data).toBeInstanceOf(Float64Array);
    expect(count.data).toBeInstanceOf(Int32Array);
  });

  it("f64 resolves differences that f32 rounds away", () => {
    const [diff64] = runFunc(sample(), env(), { precision: "f64" }) as TensorValue[];
    const [diff32] = runFunc(sample(), env()) as TensorValue[];
    // x ∈ [2, 3): f32 spacing there is 2^-22 ≫ 1e-12, f64 spacing is 2^-51.
    for (const v of diff32.data) expect(v).toBe(0);
    for (const v of diff64.data) expect(Math.abs(v - 1e-12)).toBeLessThan(1e-14);
  });

  it("f32 is the default and agrees with f64 to f32 rounding", () => {
    const [, agg32] = runFunc(sample(), env()) as TensorValue[];
    const [, agg64] = runFunc(sample(), env(), { precision: "f64" }) as TensorValue[];
    expect(agg32.data).toBeInstanceOf(Float32Array);
    for (let k = 0; k < agg32.data.length; k++) expect(Math.abs(agg32.data[k] - agg64.data[k])).toBeLessThan(1e-5);
  });

  it("f32 mode rejects Float64Array inputs rather than silently computing in another precision", () => {
    const e = env();
    const x = e.inputs.x;
    expect(() => runFunc(sample(), { ...e, inputs: { ...e.inputs, x: { ...x, data: Float64Array.from(x.data) } } })).toThrow(
      /wrong kind of typed array/,
    );
  });
});
