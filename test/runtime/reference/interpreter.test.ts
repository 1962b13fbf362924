import { describe, it, expect } from "vitest";
import { FuncBuilder } from "../../../compiler/ir/builder.js";
import type { Span } from "../../../grammar/span.js";
import { InterpretError, runFunc } from "../../../runtime/reference/index.js";
import { graph, scalarI32, tensor } from "./helpers.js";
import { f32 } from "../../support/tensors.js";
const span = (line: number, column: number): Span => ({
  file: "examples/m.gnn",
  start: { offset: 0, line, column },
  end: { offset: 4, line, column: column + 4 },
});

describe("reference interpreter errors", () => {
  it("names the op, the node and its .gnn location when an op fails", () => {
    const b = new FuncBuilder("f");
    const x = b.leaf("s.input", f32("N", 3), { name: "x" });
    const i = b.leaf("s.input", { kind: "tensor", dtype: "i32", shape: [] }, { name: "i" });
    const out = b.emit("t.select", [x, i], {}, span(12, 9));
    const f = b.finish([out], ["out"]);
    const run = () => runFunc(f, { inputs: { x: tensor([2, 3], [1, 2, 3, 4, 5, 6]), i: scalarI32(5) }, params: {} });
    expect(run).toThrow(InterpretError);
    expect(run).toThrow(/^t\.select \(%2\) at examples\/m\.gnn:12:9: index 5 is out of range for axis 0/);
  });

  it("reports the innermost failing node inside a loop region", () => {
    const b = new FuncBuilder("f");
    const x = b.leaf("s.input", f32(2, 2), { name: "x" });
    // next = h + flat(h)[i]: fails once i reaches 4
    const body = b.region([{ kind: "tensor", dtype: "i32", shape: [] }, f32(2, 2)], ([i, h]) => {
      const picked = b.emit("t.select", [b.emit("t.reshape", [h], { shape: [4, 1] }), i], {}, span(3, 5));
      return [b.emit("t.add", [h, picked])];
    });
    const f = b.finish([b.emit("s.loop", [x], { trip: 6 }, span(1, 1), [body])], ["out"]);
    expect(() => runFunc(f, { inputs: { x: tensor([2, 2], [1, 2, 3, 4]) }, params: {} })).toThrow(
      /^t\.select \(%\d+\) at examples\/m\.gnn:3:5: index 4 is out of range/,
    );
  });

  it("names a missing input or parameter", () => {
    const b = new FuncBuilder("f");
    const x = b.leaf("s.input", f32(2), { name: "x" });
    const w = b.leaf("s.param", f32(2), { name: "w" });
    const f = b.finish([b.emit("t.add", [x, w])], ["out"]);
    expect(() => runFunc(f, { inputs: {}, params: {} })).toThrow(/no input named x/);
    expect(() => runFunc(f, { inputs: { x: tensor([2], [1, 2]) }, params: {} })).toThrow(/no parameter named w/);
  });

  it("binds symbols from inputs and rejects values that contradict them", () => {
    const b = new FuncBuilder("f");
    const x = b.leaf("s.input", f32("N", 2), { name: "x" });
    const g = b.leaf("s.input", { kind: "graph", nodes: "N", edges: "E", selfLoops: false }, { name: "g" });
    const f = b.finish([b.emit("g.spmm", [g, x])], ["out"]);
    const good = graph(3, [[0, 1]]);
    expect(() => runFunc(f, { inputs: { x: tensor([3, 2], [1, 2, 3, 4, 5, 6]), g: good }, params: {} })).not.toThrow();
    expect(() => runFunc(f, { inputs: { x: tensor([2, 2], [1, 2, 3, 4]), g: good }, params: {} })).toThrow(
      /s\.input \(%1\): the result does not match the node's type: graph\[3,1\] does not match graph\[N,E\]: N is 2, not 3/,
    );
    expect(() => runFunc(f, { inputs: { x: tensor([3, 2], [1, 2, 3, 4, 5, 6]), g: good }, params: {}, symbols: { N: 4 } })).toThrow(
      /N is 4, not 3/,
    );
  });

  it("rejects a value whose dtype or element count is wrong", () => {
    const b = new FuncBuilder("f");
    const x = b.leaf("s.input", f32(2), { name: "x" });
    const f = b.finish([b.emit("t.neg", [x])], ["out"]);
    expect(() => runFunc(f, { inputs: { x: tensor([2], [1, 2], "i32") }, params: {} })).toThrow(/i32\[2\] does not match f32\[2\]/);
    expect(() => runFunc(f, { inputs: { x: tensor([2], [1, 2, 3]) }, params: {} })).toThrow(/holds 3 elements, not 2/);
  });

  it("asks for symbols that dim attributes need", () => {
    const b = new FuncBuilder("f");
    const out = b.emit("t.full", [], { value: 1, shape: ["K", 2] });
    const f = b.finish([out], ["out"]);
    expect(() => runFunc(f, { inputs: {}, params: {} })).toThrow(/dimension K has no value/);
    expect(runFunc(f, { inputs: {}, params: {}, symbols: { K: 3 } })[0]).toMatchObject({ shape: [3, 2] });
  });
});
