import { describe, expect, it } from "vitest";
import { emitLaunches } from "../../compiler/codegen/index.js";
import { MAX_STORAGE_BUFFERS } from "../../compiler/codegen/kernel.js";
import { SPARSE_EMITTERS } from "../../compiler/codegen/sparse-emitters.js";
import { emitCompactSparseMatmul, emitCompactSparseSddmm, SDDMM_CHUNKS } from "../../compiler/codegen/sparse-matmul.js";
import type { Attrs, Dim, Type } from "../../compiler/ir/types.js";
import { oneOpNode } from "../support/one-op.js";

// The sparse-weight kernels without a GPU: deterministic text, bindings within WebGPU's default
// limit, a workgroup per slice for selections. Their numbers are checked in test/gpu/sparse.test.ts.

const f32 = (...shape: Dim[]): Type => ({ kind: "tensor", dtype: "f32", shape });
const i32 = (...shape: Dim[]): Type => ({ kind: "tensor", dtype: "i32", shape });
const pattern = i32(5 + 7 + 2 + 2 * 9); // an sp.pattern of a [5, 7] mask of capacity 9

const CASES: [string, Type[], Attrs][] = [
  ["sp.drop", [f32(3, 5, 7), f32(3, 5, 7), f32()], { keep: 9, scale: -9 }],
  ["sp.grow", [f32(5, 7), { kind: "rng" }], { total: 9 }],
  ["sp.grow", [f32(5, 7), f32(5, 7)], { total: 9 }],
  ["sp.topk", [f32(5, 7)], { keep: 9 }],
  ["sp.pattern", [f32(5, 7)], { nnz: 9 }],
  ["sp.matmul", [f32("N", 7), f32(5, 7), pattern], { nnz: 9, transB: true }],
  ["sp.matmul", [f32("N", 5), f32(5, 7), pattern], { nnz: 9, transB: false }],
  ["sp.sddmm", [f32("N", 5), f32("N", 7), pattern], { nnz: 9 }],
];

describe("sparse-weight kernels", () => {
  it("cover every sp op but the elementwise mask", () => {
    expect(SPARSE_EMITTERS.map(([op]) => op).sort()).toEqual(["sp.drop", "sp.grow", "sp.matmul", "sp.pattern", "sp.sddmm", "sp.topk"]);
  });

  for (const [op, types, attrs] of CASES) {
    it(`${op} ${JSON.stringify(attrs)}: the same WGSL every time, within the binding limit`, () => {
      const [a, b] = [0, 1].map(() => emitLaunches(oneOpNode(op, types, attrs), types));
      expect(a.map((k) => k.wgsl)).toEqual(b.map((k) => k.wgsl));
      for (const k of a) expect(k.bindings.filter((x) => x.access !== "uniform").length).toBeLessThanOrEqual(MAX_STORAGE_BUFFERS);
    });
  }

  it("runs a selection as a workgroup per slice, and the pattern in three launches", () => {
    const [drop] = emitLaunches(oneOpNode("sp.drop", [f32(3, 5, 7), f32(3, 5, 7)], { keep: 4 }), [f32(3, 5, 7), f32(3, 5, 7)]);
    expect(drop.dispatch({ slices: 3, size: 35, keep: 4 })).toEqual({ x: 3, y: 1, z: 1 });
    expect(emitLaunches(oneOpNode("sp.pattern", [f32(5, 7)], { nnz: 9 }), [f32(5, 7)]).map((k) => k.name)).toEqual(["sp_pattern_count", "sp_pattern_scan", "sp_pattern_fill"]);
  });

  it("has variants over a compactly stored operand (features), binding its pattern", () => {
    const fwd = [f32("N", 7), f32(5, 7), pattern];
    const grad = [f32("N", 5), f32("N", 7), pattern];
    const m = emitCompactSparseMatmul(oneOpNode("sp.matmul", fwd, { nnz: 9 }), fwd, {});
    const s = emitCompactSparseSddmm(oneOpNode("sp.sddmm", grad, { nnz: 9 }), grad, {});
    // The forward zeroes its output, gathers W's values in column order, then adds row by row;
    // the gradient zeroes its output, sums chunks of nodes, then adds the chunks.
    expect(m.map((k) => k.name)).toEqual(["sp_zero", "sp_values_csc", "sp_matmul_compact"]);
    expect(s.map((k) => k.name)).toEqual(["sp_zero", "sp_sddmm_chunks", "sp_sddmm_compact"]);
    expect(m[2].bindings.filter((b) => b.source.kind === "pattern").map((b) => b.name)).toEqual(["arowptr", "acols"]);
    expect(s[1].bindings.filter((b) => b.source.kind === "pattern").map((b) => b.name)).toEqual(["browptr", "bcols"]);
    // The chunks' sums and W's gathered values are the node's scratch, shared by its launches.
    expect(m[1].bindings.find((b) => b.name === "wv")!.source).toEqual(m[2].bindings.find((b) => b.name === "wv")!.source);
    expect(s[1].bindings.find((b) => b.name === "part")!.source).toEqual({ kind: "scratch", index: 0, bytes: 4 * SDDMM_CHUNKS * 9 });
  });
});
