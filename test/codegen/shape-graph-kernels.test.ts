import { describe, expect, it } from "vitest";
import { concatLaunches, MAX_CONCAT_OPERANDS } from "../../compiler/codegen/concat.js";
import { degreeOrder, graphBindingArray, graphBySource } from "../../compiler/codegen/graph-by-source.js";
import { CodegenError, emitKernel, kernelOps, resolveKernelSizes, type EmitOptions } from "../../compiler/codegen/index.js";
import { SHAPE_GRAPH_EMITTERS } from "../../compiler/codegen/shape-graph-emitters.js";
import { graphFromEdges } from "../../compiler/ir/graph-value.js";
import type { Attrs, Dim, DType, Type } from "../../compiler/ir/types.js";
import { oneOpNode } from "../support/one-op.js";

// The shape and graph kernels without a GPU: determinism, the launch contract (bindings, the
// in-place variants, concat's launches, the by-source graph view), the storage-buffer limit and
// refusals. Whether they compute the interpreter's numbers is test/gpu's job.

const tensor = (shape: Dim[], dtype: DType = "f32"): Type => ({ kind: "tensor", dtype, shape });
const graph: Type = { kind: "graph", nodes: "N", edges: "E", selfLoops: false };
const index = tensor([], "i32");

const emit = (op: string, types: Type[], attrs: Attrs = {}, options: EmitOptions = {}) => emitKernel(oneOpNode(op, types, attrs), types, options);

/** Representative operands (the widest binding lists) of every op of the family. */
const SAMPLES: Record<string, { types: Type[]; attrs?: Attrs }> = {
  "t.reshape": { types: [tensor(["N", 8])], attrs: { shape: ["N*8"] } },
  "t.broadcast_to": { types: [tensor([8])], attrs: { shape: ["N", 8] } },
  "t.transpose": { types: [tensor(["N", 8])] },
  "t.concat": { types: Array.from({ length: 7 }, () => tensor(["N", 4])), attrs: { axis: 1 } },
  "t.slice": { types: [tensor(["N", 8])], attrs: { axis: 1, start: 2, size: 4 } },
  "t.pad": { types: [tensor(["N", 4])], attrs: { axis: 1, start: 2, size: 8 } },
  "t.select": { types: [tensor([3, "N", 8]), index], attrs: { axis: 0 } },
  "t.scatter_slice": { types: [tensor([3, "N", 8]), tensor(["N", 8]), index], attrs: { axis: 0 } },
  "t.slice_add": { types: [tensor([3, "N", 8]), tensor(["N", 8]), index], attrs: { axis: 0 } },
  "t.gather_rows": { types: [tensor(["N", 8]), tensor(["B"], "i32")] },
  "t.scatter_rows": { types: [tensor(["B", 8]), tensor(["B"], "i32")], attrs: { rows: "N" } },
  "g.gather_src": { types: [graph, tensor(["N", 8])] },
  "g.adjacency_block": { types: [graph, tensor(["B"], "i32")] },
  "g.gather_dst": { types: [graph, tensor(["N", 8])] },
  "g.sddmm": { types: [graph, tensor(["N", 2, 8]), tensor(["N", 2, 8])], attrs: { op: "dot" } },
  "g.edge_softmax": { types: [graph, tensor(["E", 4])] },
  "g.scatter_sum": { types: [graph, tensor(["E", 8])] },
  "g.scatter_sum_src": { types: [graph, tensor(["E", 8])] },
  "g.spmm_t": { types: [graph, tensor(["E", 2]), tensor(["N", 2, 8])] },
  "g.spmm_max_mask": { types: [graph, tensor(["E", 2]), tensor(["N", 2, 8])] },
};
const OPS = SHAPE_GRAPH_EMITTERS.map(([op]) => op);
const sample = (op: string, options: EmitOptions = {}) => emit(op, SAMPLES[op].types, SAMPLES[op].attrs, options);

describe("shape and graph kernels", () => {
  it("are registered, and every one has a sample here", () => {
    expect(kernelOps()).toEqual(expect.arrayContaining(OPS));
    expect(Object.keys(SAMPLES).sort()).toEqual([...OPS].sort());
  });

  it("give byte-identical WGSL for identical input, without atomics, within 8 storage buffers", () => {
    for (const op of OPS) {
      const a = sample(op);
      expect(a.wgsl, op).toBe(sample(op).wgsl);
      expect(a.wgsl, op).toMatch(/^\/\/ gnnc kernel \S+: /);
      expect(a.wgsl, op).not.toMatch(/atomic/);
      expect(a.bindings.filter((b) => b.access !== "uniform").length, op).toBeLessThanOrEqual(8);
      expect(a.op).toBe(op);
    }
  });

  it("move 32-bit words whatever their dtype, and refuse f16", () => {
    const f = sample("t.slice");
    const i = emit("t.slice", [tensor(["N", 8], "i32")], SAMPLES["t.slice"].attrs);
    const b = emit("t.slice", [tensor(["N", 8], "bool")], SAMPLES["t.slice"].attrs);
    expect(i.wgsl).toBe(f.wgsl);
    expect(b.wgsl).toBe(f.wgsl);
    expect(() => emit("t.slice", [tensor(["N", 8], "f16")], SAMPLES["t.slice"].attrs)).toThrow(/f16/);
    // Adding needs the dtype's arithmetic.
    const add = (dtype: DType) => emit("t.slice_add", [tensor([3, 8], dtype), tensor([8], dtype), index], { axis: 0 }).wgsl;
    expect(add("i32")).not.toBe(add("f32"));
    expect(add("i32")).toContain("array<vec4<i32>>");
  });

  it("use vec4 units only where every run and offset is whole vec4s", () => {
    expect(emit("t.slice", [tensor(["N", 8])], { axis: 1, start: 4, size: 4 }).bindings[0].wgslType).toBe("array<vec4<u32>>");
    expect(emit("t.slice", [tensor(["N", 8])], { axis: 1, start: 2, size: 4 }).bindings[0].wgslType).toBe("array<u32>");
    expect(emit("t.slice", [tensor([8, "F"])], { axis: 0, start: 4, size: 4 }).bindings[0].wgslType).toBe("array<u32>");
    const known = emit("t.slice", [tensor([8, "F"])], { axis: 0, start: 4, size: 4 }, { symbols: { F: 12 } });
    expect(known.bindings[0].wgslType).toBe("array<vec4<u32>>");
    expect(known.uniforms).toEqual([]);
  });

  it("refuse the in-place option except for the slice updates", () => {
    for (const op of OPS.filter((o) => o !== "t.scatter_slice" && o !== "t.slice_add")) {
      expect(() => sample(op, { inPlace: true }), op).toThrow(CodegenError);
    }
  });

  it("never bake a zero divisor: empty results read it from the uniform", () => {
    const k = emit("t.transpose", [tensor([0, 3])]);
    expect(k.uniforms).toEqual(["r"]);
    expect(k.dispatch(resolveKernelSizes(k, {}))).toEqual({ x: 0, y: 1, z: 1 });
    expect(emit("g.scatter_sum", [graph, tensor(["E", 0])]).uniforms).toEqual(["n", "f"]);
    expect(emit("g.spmm", [graph, tensor(["N", 0])]).uniforms).toEqual(["n", "f"]);
  });
});

describe("t.scatter_slice and t.slice_add in place", () => {
  for (const op of ["t.scatter_slice", "t.slice_add"]) {
    it(`${op}: base read_write, no output, one work item per unit of the slice`, () => {
      const copy = sample(op);
      const inPlace = sample(op, { inPlace: true });
      expect(copy.bindings.map((b) => [b.name, b.access, b.source.kind])).toEqual([
        ["base", "read", "input"],
        ["value", "read", "input"],
        ["index", "read", "input"],
        ["out", "read_write", "output"],
        ["sizes", "uniform", "sizes"],
      ]);
      expect(inPlace.bindings.map((b) => [b.name, b.access, b.source.kind])).toEqual([
        ["base", "read_write", "input"],
        ["value", "read", "input"],
        ["index", "read", "input"],
        ["sizes", "uniform", "sizes"],
      ]);
      expect(inPlace.name).toMatch(/_inplace$/);
      const sizes = resolveKernelSizes(inPlace, { N: 4096 });
      // The slice is [N,8] of a [3,N,8] base: a third of the copying kernel's work.
      expect(inPlace.dispatch(sizes).x * 3).toBe(copy.dispatch(resolveKernelSizes(copy, { N: 4096 })).x);
    });
  }
});

describe("t.concat's launches", () => {
  const many = (k: number, width: Dim = 4) => Array.from({ length: k }, (_, i) => tensor(["N", i % 2 === 0 ? width : 8]));

  it(`is one kernel reading every operand up to ${MAX_CONCAT_OPERANDS} operands`, () => {
    const types = many(MAX_CONCAT_OPERANDS);
    const node = oneOpNode("t.concat", types, { axis: 1 });
    const [only, ...rest] = concatLaunches(node, types);
    expect(rest).toEqual([]);
    expect(only.wgsl).toBe(emitKernel(node, types).wgsl);
    expect(only.bindings.filter((b) => b.source.kind === "input")).toHaveLength(MAX_CONCAT_OPERANDS);
  });

  it("is one launch per operand past that, writing one output, sharing one WGSL text", () => {
    const types = many(12, 2);
    const node = oneOpNode("t.concat", types, { axis: 1 });
    expect(() => emitKernel(node, types)).toThrow(/concatLaunches/);
    const launches = concatLaunches(node, types);
    expect(launches).toHaveLength(12);
    expect(new Set(launches.map((k) => k.wgsl)).size).toBe(1);
    launches.forEach((k, i) => {
      expect(k.bindings.map((b) => b.source)).toEqual([{ kind: "input", input: i }, { kind: "output" }, { kind: "sizes" }]);
      expect(k.uniforms).toEqual(["outer", "run", "offset"]);
    });
    // Operands alternate 2 and 8 words: operand i starts after the widths before it.
    const offsets = launches.map((k) => resolveKernelSizes(k, { N: 5 }).offset);
    expect(offsets.slice(0, 4)).toEqual([0, 2, 10, 12]);
    expect(resolveKernelSizes(launches[11], { N: 5 })).toEqual({ outer: 5, row: 60, run: 8, offset: 52 });
  });
});

describe("the by-source graph view", () => {
  // Edges (src → dst): 0→2, 3→2, 0→1, 2→0, 0→0, 3→3; node 1 has no out-edge.
  const g = graphFromEdges(4, Int32Array.from([0, 3, 0, 2, 0, 3]), Int32Array.from([2, 2, 1, 0, 0, 3]));

  it("lists each node's out-edges in increasing id order", () => {
    const v = graphBySource(g);
    expect(Array.from(g.src)).toEqual([2, 0, 0, 0, 3, 3]); // CSR by destination: rows 0, 1, 2, 3
    expect(Array.from(v.indptr)).toEqual([0, 3, 3, 4, 6]);
    expect(Array.from(v.edges)).toEqual([1, 2, 3, 0, 4, 5]);
    for (let j = 0; j < g.numNodes; j++) {
      const ids = Array.from(v.edges.subarray(v.indptr[j], v.indptr[j + 1]));
      expect(ids.every((e) => g.src[e] === j)).toBe(true);
      expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    }
  });

  it("is what graph_by_src bindings read; graph bindings read the CSR", () => {
    const k = sample("g.spmm_t");
    expect(k.bindings.map((b) => [b.name, b.source])).toEqual([
      ["indptr", { kind: "graph_by_src", input: 0, array: "indptr" }],
      ["edges", { kind: "graph_by_src", input: 0, array: "edges" }],
      ["dst", { kind: "graph", input: 0, array: "dst" }],
      ["w", { kind: "input", input: 1 }],
      ["y", { kind: "input", input: 2 }],
      ["order", { kind: "graph_order", input: 0, by: "src" }],
      ["out", { kind: "output" }],
      ["sizes", { kind: "sizes" }],
    ]);
    expect(Array.from(graphBindingArray(g, { kind: "graph_by_src", input: 0, array: "edges" }))).toEqual([1, 2, 3, 0, 4, 5]);
    expect(graphBindingArray(g, { kind: "graph", input: 0, array: "dst" })).toBe(g.dst);
    // scatter_sum walks in-edges: the CSR itself.
    expect(sample("g.scatter_sum").bindings.some((b) => b.source.kind === "graph_by_src")).toBe(false);
    expect(sample("g.scatter_sum_src").bindings.filter((b) => b.source.kind === "graph_by_src")).toHaveLength(2);
  });

  it("orders the nodes most edges first, ties in index order, by in- or out-edges", () => {
    // In-degrees 2, 1, 2, 1; out-degrees 3, 0, 1, 2.
    expect(Array.from(degreeOrder(g, "dst"))).toEqual([0, 2, 1, 3]);
    expect(Array.from(degreeOrder(g, "src"))).toEqual([0, 3, 2, 1]);
    expect(Array.from(graphBindingArray(g, { kind: "graph_order", input: 0, by: "src" }))).toEqual([0, 3, 2, 1]);
    // A row kernel holding whole rows visits them in that order; wide rows in slices do not.
    expect(sample("g.spmm_t").wgsl).toContain("let i = u32(order[t]);");
  });
});
