import { describe, expect, it } from "vitest";
import { withDefaults } from "../../compiler/ir/builder.js";
import { getOpSpec } from "../../compiler/ir/ops/index.js";
import { formatType } from "../../compiler/ir/type-utils.js";
import type { Attrs, GraphType, TensorType, Type } from "../../compiler/ir/types.js";
import { f32 } from "../support/tensors.js";

const G: GraphType = { kind: "graph", nodes: "N", edges: "E", selfLoops: false };
const looped: GraphType = { ...G, edges: "E+N", selfLoops: true };
const i32 = (...shape: (number | string)[]): TensorType => ({ kind: "tensor", dtype: "i32", shape });

function infer(op: string, inputs: Type[], attrs: Attrs = {}): string {
  const t = getOpSpec(op)!.infer(inputs, withDefaults(op, attrs));
  return "error" in t ? `error: ${t.error}` : formatType(t);
}

describe("segment op types", () => {
  it("g.scatter_max takes edge rows to node rows", () => {
    expect(infer("g.scatter_max", [G, f32("E", 2, 4)])).toBe("f32[N,2,4]");
    expect(infer("g.scatter_max", [G, f32("N", 4)])).toMatch(/one row per edge/);
  });

  it("g.append_loops gives the looped graph's edge count, and refuses a graph that has loops", () => {
    expect(infer("g.append_loops", [G, f32("E", 3), f32("N", 3)])).toBe("f32[E+N,3]");
    expect(infer("g.append_loops", [G, f32("E", 3), f32("N", 2)])).toMatch(/rows of one type/);
    expect(infer("g.append_loops", [looped, f32("E+N", 3), f32("N", 3)])).toMatch(/already carries self loops/);
    expect(infer("g.loop_part", [G, f32("E+N", 3)], { part: "loops" })).toBe("f32[N,3]");
    expect(infer("g.loop_part", [G, f32("E+N", 3)], { part: "edges" })).toBe("f32[E,3]");
  });

  it("g.pool needs an i32 graph id per row and gives one row per graph", () => {
    expect(infer("g.pool", [f32("N", 8), i32("N")], { reduce: "max", graphs: "B" })).toBe("f32[B,8]");
    expect(infer("g.pool", [f32("N", 8), f32("N")], { graphs: "B" })).toMatch(/batch vector must be i32\[N\]/);
    expect(infer("g.pool", [f32("N", 8), i32("M")], { graphs: "B" })).toMatch(/batch vector must be i32\[N\]/);
    expect(infer("g.unpool", [f32("B", 8), i32("N")])).toBe("f32[N,8]");
  });
});
