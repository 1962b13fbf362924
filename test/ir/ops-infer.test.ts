import { describe, it, expect } from "vitest";
import { BuildError, FuncBuilder, withDefaults } from "../../compiler/ir/builder.js";
import { allOpSpecs, getOpSpec } from "../../compiler/ir/ops/index.js";
import type { InferError } from "../../compiler/ir/spec.js";
import { formatType } from "../../compiler/ir/type-utils.js";
import { checkAttrs } from "../../compiler/ir/verify-attrs.js";
import type { Attrs, GraphType, Region, TensorType, Type } from "../../compiler/ir/types.js";
import { f32 } from "../support/tensors.js";
const i32 = (...shape: (number | string)[]): TensorType => ({ kind: "tensor", dtype: "i32", shape });
const G: GraphType = { kind: "graph", nodes: "N", edges: "E", selfLoops: false };
const RNG: Type = { kind: "rng" };

function infer(op: string, inputs: Type[], attrs: Attrs = {}, regions?: Region[]): Type | InferError {
  return getOpSpec(op)!.infer(inputs, withDefaults(op, attrs), regions);
}
function inferType(op: string, inputs: Type[], attrs: Attrs = {}): string {
  const t = infer(op, inputs, attrs);
  if ("error" in t) throw new Error(t.error);
  return formatType(t);
}
function inferError(op: string, inputs: Type[], attrs: Attrs = {}, regions?: Region[]): InferError {
  const t = infer(op, inputs, attrs, regions);
  if (!("error" in t)) throw new Error(`expected ${op} to fail, got ${formatType(t)}`);
  return t;
}

describe("the op spec table", () => {
  const required = [
    "s.input", "s.param", "s.arg", "t.const", "s.loop", "s.rng_fold",
    "t.add", "t.sub", "t.mul", "t.div", "t.maximum",
    "t.neg", "t.exp", "t.log", "t.sqrt", "t.rsqrt", "t.abs", "t.relu", "t.leaky_relu", "t.elu", "t.gelu", "t.tanh", "t.sigmoid",
    "t.matmul", "t.softmax", "t.log_softmax", "t.sum", "t.mean", "t.max", "t.reshape", "t.transpose", "t.concat",
    "t.slice", "t.select", "t.cast", "t.full",
    "nn.dropout", "nn.dropout_mask", "nn.layer_norm", "nn.batch_norm",
    "g.add_self_loops", "g.degree", "g.gcn_norm", "g.spmm", "g.sddmm", "g.edge_softmax", "g.gather_src", "g.gather_dst", "g.scatter_sum",
    "nn.cross_entropy", "nn.cross_entropy_grad", "nn.nll", "nn.nll_grad", "nn.bce_with_logits", "nn.bce_with_logits_grad", "nn.mse", "nn.mse_grad",
    "opt.sgd_buf", "opt.sgd_step", "opt.adam_m", "opt.adam_v", "opt.adam_step", "opt.l2", "opt.decay", "opt.global_norm", "opt.clip_factor",
    "t.stop_gradient", "t.zeros_like",
    "t.step", "t.round", "t.erf", "t.argmax_onehot", "t.broadcast_to", "t.pad", "t.scatter_slice", "t.slice_add", "s.get", "s.reversible",
    "g.spmm_t", "g.spmm_max_mask", "g.scatter_sum_src", "t.fused",
    "t.matmul_epilogue", "g.spmm_epilogue", "t.gather_rows", "t.scatter_rows", "g.adjacency_block", "t.group_matmul", "t.group_matmul_tn",
    "sp.mask", "sp.drop", "sp.grow", "sp.topk", "sp.pattern", "sp.matmul", "sp.sddmm",
    "g.scatter_max", "g.scatter_max_mask", "g.append_loops", "g.loop_part", "g.pool", "g.unpool", "g.pool_max_mask",
  ];

  it("registers every op of the contract, under exactly these names", () => {
    const names = allOpSpecs().map((s) => s.name);
    for (const n of required) expect(names).toContain(n);
    expect(names.filter((n) => !required.includes(n))).toEqual([]);
  });

  it("gives every op a summary and defaults that satisfy its own schema", () => {
    for (const spec of allOpSpecs()) {
      expect(spec.summary.length, spec.name).toBeGreaterThan(0);
      const defaults = Object.fromEntries(
        Object.entries(spec.attrs).flatMap(([k, s]) => (s.default === undefined ? [] : [[k, s.default]])),
      );
      const problems = checkAttrs(spec, defaults).filter((p) => !p.startsWith("missing"));
      expect(problems, spec.name).toEqual([]);
    }
  });
});

describe("elementwise inference", () => {
  it("broadcasts symbolic shapes NumPy-style", () => {
    expect(inferType("t.add", [f32("N", 1), f32(1, 16)])).toBe("f32[N,16]");
    expect(inferType("t.mul", [f32("N", 16), f32(16)])).toBe("f32[N,16]");
    expect(inferType("t.sub", [f32(), f32("N", "H", "C")])).toBe("f32[N,H,C]");
  });

  it("rejects incompatible dims and dtypes, naming both shapes", () => {
    const e = inferError("t.add", [f32("N", 16), f32("M", 16)]);
    expect(e.error).toBe("cannot add f32[N,16] and f32[M,16]: dims N and M do not broadcast");
    expect(e.operands).toEqual([0, 1]);
    expect(inferError("t.sub", [f32(3), i32(3)]).error).toBe("cannot subtract i32[3] from f32[3]: dtypes f32 and i32 differ");
    expect(inferError("t.exp", [i32(3)]).error).toMatch(/t\.exp needs a float tensor, got i32\[3\]/);
  });
});

describe("t.matmul inference", () => {
  it("reports mismatched inner dims with both shapes, through the builder", () => {
    const b = new FuncBuilder("f");
    const x = b.leaf("s.input", f32("N", 32), { name: "x" });
    const w = b.leaf("s.param", f32(16, 7), { name: "w" });
    try {
      b.emit("t.matmul", [x, w]);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(BuildError);
      expect((e as BuildError).detail).toEqual({
        error: "cannot multiply f32[N,32] by f32[16,7]: inner dims 32 and 16 differ",
        operands: [0, 1],
      });
    }
  });

  it("handles transposed operands", () => {
    expect(inferType("t.matmul", [f32("N", "F"), f32(16, "F")], { transB: true })).toBe("f32[N,16]");
    expect(inferType("t.matmul", [f32("F", "N"), f32("F", 16)], { transA: true })).toBe("f32[N,16]");
    expect(inferError("t.matmul", [f32("N", "F"), f32("F", 16)], { transB: true }).error).toBe(
      "cannot multiply f32[N,F] by transposed f32[F,16]: inner dims F and 16 differ",
    );
    expect(inferError("t.matmul", [f32("N"), f32(3, 3)]).operands).toEqual([0]);
  });
});

describe("shape ops inference", () => {
  it("reshape accepts provably equal element counts only", () => {
    expect(inferType("t.reshape", [f32("N", 6)], { shape: ["N", 2, 3] })).toBe("f32[N,2,3]");
    expect(inferType("t.reshape", [f32("N", "H", "C")], { shape: ["N", "H*C"] })).toBe("f32[N,H*C]");
    expect(inferError("t.reshape", [f32("N", 6)], { shape: ["N", 4] }).error).toMatch(/cannot reshape f32\[N,6\] to \[N,4\]/);
  });

  it("concat adds the axis dims symbolically and checks the others", () => {
    expect(inferType("t.concat", [f32("N", 16), f32("N", "hidden"), f32("N", 2)], { axis: -1 })).toBe("f32[N,(16+hidden)+2]");
    const e = inferError("t.concat", [f32("N", 16), f32("M", 4)], { axis: 1 });
    expect(e.error).toMatch(/dims N and M of axis 0 differ/);
    expect(e.operands).toEqual([0, 1]);
  });

  it("slice, select, reductions and softmax check their axes and bounds", () => {
    expect(inferType("t.slice", [f32("N", 16)], { axis: 1, start: 4, size: 8 })).toBe("f32[N,8]");
    expect(inferError("t.slice", [f32("N", 16)], { axis: 1, start: 10, size: 8 }).error).toMatch(/exceeds axis 1/);
    expect(inferType("t.select", [f32("L", 4, 4), i32()])).toBe("f32[4,4]");
    expect(inferError("t.select", [f32("L", 4), f32()]).error).toMatch(/index must be an i32\[\] scalar/);
    expect(inferType("t.sum", [f32("N", "H", "C")], { axes: [-1] })).toBe("f32[N,H]");
    expect(inferType("t.max", [f32("N", 4)], { axes: [0, 1], keepdims: true })).toBe("f32[1,1]");
    expect(inferError("t.mean", [f32("N", 4)], { axes: [] }).error).toMatch(/at least one axis/);
    expect(inferError("t.mean", [f32("N", 4)], { axes: [1, -1] }).error).toMatch(/listed twice/);
    expect(inferError("t.softmax", [f32("N", 4)], { axis: 2 }).error).toMatch(/axis 2 is out of range for f32\[N,4\]/);
    expect(inferType("t.full", [], { value: 0, shape: ["N", 3], dtype: "i32" })).toBe("i32[N,3]");
    expect(inferType("t.const", [], { value: 2 })).toBe("f32[]");
    expect(inferType("t.cast", [f32("N")], { dtype: "bool" })).toBe("bool[N]");
  });
});

describe("nn inference", () => {
  it("dropout needs an rng and a probability in [0,1]", () => {
    expect(inferType("nn.dropout", [f32("N", 16), RNG], { p: 0.5 })).toBe("f32[N,16]");
    expect(inferType("nn.dropout_mask", [f32("N", 16), RNG], { p: 0.5 })).toBe("f32[N,16]");
    expect(inferError("nn.dropout", [f32("N", 16), f32()], { p: 0.5 }).operands).toEqual([1]);
    expect(inferError("nn.dropout", [f32("N", 16), RNG], { p: 1.5 }).error).toMatch(/p must lie in \[0, 1\], got 1.5/);
  });

  it("norms check per-channel vectors against x", () => {
    expect(inferType("nn.layer_norm", [f32("N", 16), f32(16), f32(16)])).toBe("f32[N,16]");
    const e = inferError("nn.layer_norm", [f32("N", 16), f32(8)]);
    expect(e.error).toBe("weight must be f32[16] to match x f32[N,16], got f32[8]");
    expect(e.operands).toEqual([0, 1]);
    expect(inferType("nn.batch_norm", [f32("N", 4), f32(4), f32(4), f32(4), f32(4)])).toBe("f32[N,4]");
    expect(inferError("nn.batch_norm", [f32("N", 4), f32(4), f32(4), f32(4), f32(3)]).error).toMatch(/running_var/);
  });
});

describe("graph inference", () => {
  it("self loops add N edges; per-edge and per-node results follow", () => {
    const gl = infer("g.add_self_loops", [G]) as GraphType;
    expect(formatType(gl)).toBe("graph[N,E+N,self_loops]");
    expect(inferType("g.gcn_norm", [gl])).toBe("f32[E+N]");
    expect(inferType("g.degree", [G])).toBe("f32[N]");
    expect(inferError("g.add_self_loops", [gl]).error).toMatch(/already carries self loops/);
  });

  it("spmm checks rows against the graph and per-head weights against x", () => {
    expect(inferType("g.spmm", [G, f32("N", 16)], { reduce: "max" })).toBe("f32[N,16]");
    expect(inferType("g.spmm", [G, f32("E"), f32("N", 16)])).toBe("f32[N,16]");
    expect(inferType("g.spmm", [G, f32("E", 8), f32("N", 8, 4)])).toBe("f32[N,8,4]");
    const rows = inferError("g.spmm", [G, f32("M", 16)]);
    expect(rows.error).toBe("x must have one row per node of graph[N,E] (N rows), got f32[M,16]");
    expect(rows.operands).toEqual([0, 1]);
    expect(inferError("g.spmm", [G, f32("E", 8), f32("N", 4, 4)]).error).toMatch(/per-head weights \[E,8\] need x of shape \[N,8,C\]/);
    expect(inferError("g.spmm", [G, f32("N"), f32("N", 4)]).operands).toEqual([0, 1]);
  });

  it("sddmm, edge_softmax, gather and scatter map between nodes and edges", () => {
    expect(inferType("g.sddmm", [G, f32("N", 8), f32("N", 8)])).toBe("f32[E,8]");
    expect(inferType("g.sddmm", [G, f32("N", 8, 4), f32("N", 8, 4)], { op: "dot" })).toBe("f32[E,8]");
    expect(inferError("g.sddmm", [G, f32("N", 8), f32("N", 4)]).operands).toEqual([1, 2]);
    expect(inferType("g.edge_softmax", [G, f32("E", 8)])).toBe("f32[E,8]");
    expect(inferType("g.gather_src", [G, f32("N", 3)])).toBe("f32[E,3]");
    expect(inferType("g.gather_dst", [G, f32("N")])).toBe("f32[E]");
    expect(inferType("g.scatter_sum", [G, f32("E", 3)])).toBe("f32[N,3]");
    expect(inferError("g.scatter_sum", [G, f32("N", 3)]).error).toMatch(/one row per edge/);
  });
});

describe("s.loop inference", () => {
  const b = new FuncBuilder("f");
  const region = (params: Type[], result: (ids: number[]) => number[]) => b.region(params, result);

  it("returns the carried type when the region matches", () => {
    const r = region([i32(), f32("N", 4)], ([, h]) => [b.emit("t.relu", [h])]);
    expect(formatType(infer("s.loop", [f32("N", 4)], { trip: "layers" }, [r]) as Type)).toBe("f32[N,4]");
  });

  it("rejects a malformed region", () => {
    const oneParam = region([f32("N", 4)], ([h]) => [h]);
    expect(inferError("s.loop", [f32("N", 4)], { trip: 2 }, [oneParam]).error).toMatch(/must take \(i: i32\[\], f32\[N,4\]\), got 1 param/);
    const badIndex = region([f32(), f32("N", 4)], ([, h]) => [h]);
    expect(inferError("s.loop", [f32("N", 4)], { trip: 2 }, [badIndex]).error).toMatch(/param 0 \(the index\) must be i32\[\]/);
    const badResult = region([i32(), f32("N", 4)], ([, h]) => [b.emit("t.sum", [h], { axes: [1] })]);
    expect(inferError("s.loop", [f32("N", 4)], { trip: 2 }, [badResult]).error).toMatch(/returns f32\[N\] for carried value 0, which is f32\[N,4\]/);
    expect(inferError("s.loop", [f32("N", 4)], { trip: -1 }, [badResult]).error).toMatch(/not a non-negative integer/);
    expect(inferError("s.loop", [f32("N", 4)], { trip: 2 }, []).error).toMatch(/exactly 1 region/);
  });
});

describe("cost", () => {
  it("counts matmul and spmm flops on resolved sizes and refuses unbound symbols", () => {
    const mm = getOpSpec("t.matmul")!;
    const c = mm.cost([f32("N", 8), f32(8, 4)], f32("N", 4), withDefaults("t.matmul", {}), { N: 10 });
    expect(c.flops).toBe(2 * 10 * 8 * 4);
    expect(c.bytes).toBe(4 * (80 + 32 + 40));
    const spmm = getOpSpec("g.spmm")!;
    expect(spmm.cost([G, f32("N", 16)], f32("N", 16), withDefaults("g.spmm", {}), { N: 5, E: 20 }).flops).toBe(2 * 20 * 16);
    expect(() => mm.cost([f32("N", 8), f32(8, 4)], f32("N", 4), withDefaults("t.matmul", {}), {})).toThrow(/N is not bound/);
  });
});
