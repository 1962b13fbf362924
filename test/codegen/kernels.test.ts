import { describe, expect, it } from "vitest";
import {
  CodegenError,
  MAX_WORKGROUPS_PER_DIMENSION,
  emitKernel,
  emitLaunches,
  f32Literal,
  gridFor,
  kernelOps,
  operandBuffers,
  packUniforms,
  resolveKernelSizes,
  type EmitOptions,
} from "../../compiler/codegen/index.js";
import { NN_EMITTERS } from "../../compiler/codegen/nn-emitters.js";
import { SEGMENT_EMITTERS } from "../../compiler/codegen/segment-emitters.js";
import { SHAPE_GRAPH_EMITTERS } from "../../compiler/codegen/shape-graph-emitters.js";
import { OPT_EMITTERS } from "../../compiler/codegen/opt-emitters.js";
import { EPILOGUE_EMITTERS } from "../../compiler/codegen/epilogue.js";
import { FUSED_EMITTERS } from "../../compiler/codegen/fused.js";
import { SPARSE_EMITTERS } from "../../compiler/codegen/sparse-emitters.js";
import { allOpSpecs } from "../../compiler/ir/ops/index.js";
import type { Attrs, Dim, DType, Node, Type } from "../../compiler/ir/types.js";
import { oneOpNode } from "../support/one-op.js";

// Codegen without a GPU: determinism, the launch contract (bindings, sizes, grids) and refusals.
// Whether the WGSL compiles and computes the right numbers is test/gpu's job.

const tensor = (shape: Dim[], dtype: DType = "f32"): Type => ({ kind: "tensor", dtype, shape });
const graph = (nodes: Dim, edges: Dim): Type => ({ kind: "graph", nodes, edges, selfLoops: false });

function emit(op: string, types: Type[], attrs: Attrs = {}, options: EmitOptions = {}) {
  return emitKernel(oneOpNode(op, types, attrs), types, options);
}

/** A representative operand list for each op with a kernel. */
function sampleTypes(op: string): Type[] {
  if (op === "t.matmul") return [tensor(["N", 32]), tensor([32, 16])];
  if (op === "g.spmm") return [graph("N", "E"), tensor(["N", 16])];
  if (op === "t.group_matmul") return [tensor(["N", 12]), tensor([3, 4, 5])];
  if (op === "t.group_matmul_tn") return [tensor(["N", 12]), tensor(["N", 15])];
  if (["t.add", "t.sub", "t.mul", "t.div", "t.maximum"].includes(op)) return [tensor(["N", 8]), tensor([8])];
  if (op === "sp.mask") return [tensor(["N", 8]), tensor(["N", 8])];
  return [tensor(["N", 8])];
}

describe("emitKernel", () => {
  it("covers elementwise unary/binary ops, t.matmul and g.spmm", () => {
    expect(kernelOps()).toEqual(expect.arrayContaining(["t.add", "t.relu", "t.gelu", "t.matmul", "g.spmm"]));
  });

  it("gives byte-identical WGSL for identical input, for every op", () => {
    // Shape and graph ops need attributes and operands of their own: see shape-graph-kernels.test.ts.
    // So do the reductions, norms, losses, RNG ops and fills: see nn-kernels.test.ts; the
    // sparse-weight ops: see sparse-kernels.test.ts; the segment ops: test/gpu/segment-ops.test.ts.
    const ownTests = new Set([...SHAPE_GRAPH_EMITTERS, ...NN_EMITTERS, ...OPT_EMITTERS, ...FUSED_EMITTERS, ...EPILOGUE_EMITTERS, ...SPARSE_EMITTERS, ...SEGMENT_EMITTERS].map(([op]) => op));
    for (const op of kernelOps().filter((o) => !ownTests.has(o))) {
      const attrs: Attrs = op.startsWith("t.group_matmul") ? { groups: 3 } : {};
      const a = emit(op, sampleTypes(op), attrs);
      const b = emit(op, sampleTypes(op), attrs);
      expect(a.wgsl, op).toBe(b.wgsl);
      expect(a.wgsl, op).toMatch(/^\/\/ gnnc kernel \S+: /);
      expect(a.wgsl, op).toContain("@compute @workgroup_size(");
    }
  });

  it("changes the text when something that matters changes", () => {
    const base = emit("g.spmm", sampleTypes("g.spmm"), { reduce: "sum" }).wgsl;
    expect(emit("g.spmm", sampleTypes("g.spmm"), { reduce: "max" }).wgsl).not.toBe(base);
    expect(emit("g.spmm", [graph("N", "E"), tensor(["N", 12])], { reduce: "sum" }).wgsl).not.toBe(base);
  });

  it("passes symbolic sizes through a uniform and bakes the known ones in", () => {
    const symbolic = emit("t.add", [tensor(["N", 8]), tensor([8])]);
    expect(symbolic.uniforms).toEqual(["total", "d0"]);
    expect(symbolic.bindings.at(-1)).toMatchObject({ name: "sizes", access: "uniform", source: { kind: "sizes" } });
    const known = emit("t.add", [tensor(["N", 8]), tensor([8])], {}, { symbols: { N: 10 } });
    expect(known.uniforms).toEqual([]);
    expect(known.wgsl).toContain("80u");
    expect(known.bindings.map((b) => b.name)).toEqual(["a", "b", "out"]);
  });

  it("reads a broadcast row vector by the column index and a [N,1] column by the row", () => {
    const bias = emit("t.add", [tensor([10, 6]), tensor([6])]).wgsl;
    expect(bias).toMatch(/let c1 = \(e\) % 6u;/);
    expect(bias).toMatch(/let bi = c1;/);
    const column = emit("t.mul", [tensor([10, 6]), tensor([10, 1])]).wgsl;
    expect(column).toMatch(/let c0 = e \/ \(6u\);/);
    expect(emit("t.mul", [tensor([10, 6]), tensor([])]).wgsl).toMatch(/let bi = 0u;/);
  });

  it("uses vec4 loads where rows are multiples of 4, splatting broadcast operands", () => {
    const k = emit("t.mul", [tensor([10, 8]), tensor([10, 1])]);
    expect(k.bindings.map((b) => b.wgslType)).toEqual(["array<vec4<f32>>", "array<f32>", "array<vec4<f32>>"]);
    expect(k.wgsl).toContain("let bv = vec4<f32>(b[bi]);");
    expect(emit("t.mul", [tensor([10, 7]), tensor([10, 1])]).bindings[0].wgslType).toBe("array<f32>");
  });

  it("visits g.spmm's rows most in-edges first only when one invocation holds a whole row", () => {
    const order = (k: { bindings: readonly { source: { kind: string } }[] }) => k.bindings.some((b) => b.source.kind === "graph_order");
    expect(order(emit("g.spmm", [graph("N", "E"), tensor(["N", 7])], { reduce: "sum" }))).toBe(true);
    expect(order(emit("g.spmm", [graph("N", "E"), tensor(["N", 16])], { reduce: "sum" }))).toBe(true);
    // 64 columns are four invocations' slices of a row: those already loop in lockstep.
    expect(order(emit("g.spmm", [graph("N", "E"), tensor(["N", 64])], { reduce: "sum" }))).toBe(false);
  });

  it("binds the graph's CSR arrays, the rows' order, the edge weights and the features for g.spmm", () => {
    const k = emit("g.spmm", [graph("N", "E"), tensor(["E"]), tensor(["N", 16])], { reduce: "mean" });
    expect(k.bindings.map((b) => [b.name, b.access, b.source])).toEqual([
      ["indptr", "read", { kind: "graph", input: 0, array: "indptr" }],
      ["src", "read", { kind: "graph", input: 0, array: "src" }],
      ["w", "read", { kind: "input", input: 1 }],
      ["x", "read", { kind: "input", input: 2 }],
      // 16 columns: one invocation holds a whole row, so rows are visited most in-edges first.
      ["order", "read", { kind: "graph_order", input: 0, by: "dst" }],
      ["out", "read_write", { kind: "output" }],
      ["sizes", "uniform", { kind: "sizes" }],
    ]);
    expect(k.name).toBe("g_spmm_mean_w");
    expect(k.wgsl).not.toMatch(/atomic/);
  });

  it("names the matmul variant and reads every size of it at run time", () => {
    const k = emit("t.matmul", [tensor([32, 64]), tensor([16, 64])], { transB: true });
    expect(k.name).toBe("t_matmul_nt");
    expect(k.uniforms).toEqual(["m", "n", "k"]);
    // 16 columns: a 4×16 workgroup, so 64-row tiles.
    expect(k.dispatch({ m: 100, n: 16, k: 64 })).toEqual({ x: 2, y: 1, z: 1 });
    expect(emit("t.matmul", [tensor([32, 64]), tensor([16, 64])], { transB: true }, { matmulTiling: "workgroup" }).name).toBe("t_matmul_nt_wg");
  });

  it("labels kernels with the node's span", () => {
    const span = { file: "m.gnn", start: { offset: 0, line: 3, column: 5 }, end: { offset: 4, line: 3, column: 9 } };
    const n = { ...oneOpNode("t.relu", [tensor([4])]), span };
    expect(emitKernel(n, [tensor([4])]).spans).toEqual([span]);
  });
});

describe("emitLaunches", () => {
  it("gives ops with more operands than one kernel binds several launches into one output, others their kernel", () => {
    const rows = (k: number) => Array.from({ length: k }, () => tensor(["N", 4]));
    for (const [op, attrs, many] of [["t.concat", { axis: 1 }, 9], ["opt.global_norm", {}, 15]] as const) {
      const few = rows(3);
      expect(emitLaunches(oneOpNode(op, few, attrs), few).map((k) => k.wgsl)).toEqual([emitKernel(oneOpNode(op, few, attrs), few).wgsl]);
      const launches = emitLaunches(oneOpNode(op, rows(many), attrs), rows(many));
      expect(launches.length, op).toBeGreaterThan(1);
      for (const k of launches) expect(k.bindings.filter((b) => b.source.kind === "output")).toHaveLength(1);
    }
    expect(emitLaunches(oneOpNode("t.relu", rows(1)), rows(1))).toHaveLength(1);
  });
});

describe("epilogue producers", () => {
  it("declare the storage buffers their kernel binds besides the output, as the kernel binds them", () => {
    const producers = allOpSpecs().filter((s) => s.epilogue !== undefined).map((s) => s.name);
    expect(producers.sort()).toEqual(["g.spmm", "t.matmul"]);
    const cases: [string, Type[]][] = [
      ["t.matmul", [tensor(["N", 8]), tensor([8, 4])]],
      ["g.spmm", [graph("N", "E"), tensor(["N", 8])]],
      ["g.spmm", [graph("N", "E"), tensor(["E"]), tensor(["N", 8])]],
      ["g.spmm", [graph("N", "E"), tensor(["E", 2]), tensor(["N", 2, 4])]],
    ];
    for (const [op, types] of cases) {
      const node = oneOpNode(op, types);
      // The rows' order takes a binding only when one is left over (row-kernel.ts orderRows): not in the budget.
      const bound = emitKernel(node, types).bindings.filter((b) => !["sizes", "output", "graph_order"].includes(b.source.kind));
      expect(operandBuffers(node), `${op} with ${types.length} operands`).toBe(bound.length);
    }
  });
});

describe("refusals", () => {
  it("throws CodegenError for ops, dtypes and attributes without a kernel", () => {
    expect(() => emit("g.degree", [graph(4, 6)])).toThrow(CodegenError); // computed on the host
    expect(() => emit("t.exp", [tensor([4], "f16")])).toThrow(/dtype f16 has no GPU kernel/);
    // The verifier already rejects this; codegen does not rely on it.
    const intExp: Node = { id: 1, op: "t.exp", type: tensor([4], "i32"), inputs: [0], attrs: {} };
    expect(() => emitKernel(intExp, [tensor([4], "i32")])).toThrow(/not defined on i32/);
    expect(() => emit("t.leaky_relu", [tensor([4])], { slope: Infinity })).toThrow(/no f32 constant for Infinity/);
    expect(() => emit("t.relu", [tensor([4])], {}, { workgroupSize: 48 })).toThrow(/power of two/);
  });
});

describe("launch contract", () => {
  it("resolves symbolic sizes and packs the uniform in declaration order", () => {
    const k = emit("g.spmm", [graph("N", "E"), tensor(["N", "F"])]);
    const sizes = resolveKernelSizes(k, { N: 7, E: 20, F: 3 });
    expect(sizes).toEqual({ n: 7, f: 3 });
    expect(Array.from(packUniforms(k, sizes))).toEqual([7, 3, 0, 0]);
    expect(() => resolveKernelSizes(k, { N: 7 })).toThrow(/size f = F is not bound/);
  });

  it("splits grids over the per-dimension limit into two dimensions", () => {
    expect(gridFor(0)).toEqual({ x: 0, y: 1, z: 1 });
    expect(gridFor(MAX_WORKGROUPS_PER_DIMENSION)).toEqual({ x: 65_535, y: 1, z: 1 });
    for (const groups of [65_536, 131_071, 1_000_003, 65_535 * 65_535]) {
      const g = gridFor(groups);
      expect(g.x).toBeLessThanOrEqual(65_535);
      expect(g.y).toBeLessThanOrEqual(65_535);
      expect(g.x * g.y).toBeGreaterThanOrEqual(groups);
      expect(g.x * g.y - groups).toBeLessThan(g.y); // at most one partial row of surplus groups
    }
    expect(() => gridFor(65_535 * 65_535 + 1)).toThrow(/exceed/);
  });

  it("writes f32 literals WGSL reads as floats", () => {
    expect(f32Literal(1)).toBe("1.0");
    expect(f32Literal(0.01)).toBe("0.01");
    expect(f32Literal(-2)).toBe("(-2.0)");
    expect(f32Literal(1e-7)).toBe("1e-7");
    expect(f32Literal(-0)).toBe("-0.0");
    expect(() => f32Literal(NaN)).toThrow(RangeError);
  });
});
