import { describe, it, expect } from "vitest";
import { FuncBuilder } from "../../compiler/ir/builder.js";
import { runFunc } from "../../runtime/reference/index.js";
import { elementwiseOps } from "../../compiler/ir/ops/elementwise.js";
import { graphOps } from "../../compiler/ir/ops/graph.js";
import { linalgOps } from "../../compiler/ir/ops/linalg.js";
import { nnOps } from "../../compiler/ir/ops/nn.js";
import { reduceOps } from "../../compiler/ir/ops/reduce.js";
import { shapeOps } from "../../compiler/ir/ops/shape.js";
import { rowOps } from "../../compiler/ir/ops/rows.js";
import { groupMatmulOps } from "../../compiler/ir/ops/group-matmul.js";
import type { Attrs, Type } from "../../compiler/ir/types.js";
import type { TensorValue, Value } from "../../compiler/ir/values.js";
import { awayFromZero, gradcheck, indexScalar, rngKey, testGraph } from "./gradcheck.js";

const indexVector = (rows: number[]): TensorValue => ({ kind: "tensor", dtype: "i32", shape: [rows.length], data: Int32Array.from(rows) });
import { f32, random, randomTensor, UNIFORM } from "../support/tensors.js";

/**
 * Every gradient rule of the tensor, nn and graph ops against central differences in f64
 * (h = 1e-6, tolerance 1e-6 scaled by 1 + |numeric|). Inputs stay away from kinks (relu at 0,
 * ties in max); the graph has an empty row and an isolated node.
 */

interface Case {
  name: string;
  op: string;
  inputs: () => Value[];
  attrs?: Attrs;
  types?: Type[];
}

const g = testGraph();
const E = g.numEdges;
const Nn = g.numNodes;
const r = (shape: number[], seed: number) => randomTensor(shape, random(seed), UNIFORM);
const pos = (shape: number[], seed: number) => randomTensor(shape, random(seed), { lo: 0.5, hi: 2, zeros: 0 });
const graphT: Type = { kind: "graph", nodes: "N", edges: "E", selfLoops: false };

const elementwise: Case[] = [
  ...["t.add", "t.sub", "t.mul", "t.maximum"].flatMap((op): Case[] => [
    { name: `${op} [3,4] with [4]`, op, inputs: () => [r([3, 4], 1), r([4], 2)] },
    { name: `${op} [3,1] with [1,4]`, op, inputs: () => [r([3, 1], 3), r([1, 4], 4)] },
  ]),
  { name: "t.add scalar with [2,3]", op: "t.add", inputs: () => [r([], 5), r([2, 3], 6)] },
  { name: "t.div [3,4] by [3,1]", op: "t.div", inputs: () => [r([3, 4], 7), pos([3, 1], 8)] },
  { name: "t.div [4] by [3,4]", op: "t.div", inputs: () => [r([4], 9), pos([3, 4], 10)] },
  ...["t.neg", "t.abs", "t.relu", "t.exp", "t.tanh", "t.sigmoid", "t.gelu", "t.erf"].map(
    (op): Case => ({ name: op, op, inputs: () => [awayFromZero([2, 5], 11)] }),
  ),
  ...["t.log", "t.sqrt", "t.rsqrt"].map((op): Case => ({ name: op, op, inputs: () => [pos([2, 5], 12)] })),
  { name: "t.leaky_relu slope 0.2", op: "t.leaky_relu", attrs: { slope: 0.2 }, inputs: () => [awayFromZero([2, 5], 13)] },
  { name: "t.elu alpha 0.7", op: "t.elu", attrs: { alpha: 0.7 }, inputs: () => [awayFromZero([2, 5], 14)] },
];

const linalg: Case[] = [
  ...[false, true].flatMap((transA) =>
    [false, true].map(
      (transB): Case => ({
        name: `t.matmul transA=${transA} transB=${transB}`,
        op: "t.matmul",
        attrs: { transA, transB },
        inputs: () => [r(transA ? [4, 3] : [3, 4], 15), r(transB ? [5, 4] : [4, 5], 16)],
      }),
    ),
  ),
  { name: "t.transpose", op: "t.transpose", inputs: () => [r([3, 4], 17)] },
  ...[false, true].map(
    (transB): Case => ({ name: `t.group_matmul transB=${transB}`, op: "t.group_matmul", attrs: { groups: 3, transB }, inputs: () => [r([4, 6], 60), r(transB ? [3, 5, 2] : [3, 2, 5], 61)] }),
  ),
  { name: "t.group_matmul_tn", op: "t.group_matmul_tn", attrs: { groups: 2 }, inputs: () => [r([5, 6], 62), r([5, 4], 63)] },
];

const reduce: Case[] = [
  ...["t.sum", "t.mean", "t.max"].flatMap((op): Case[] => [
    { name: `${op} axes [1]`, op, attrs: { axes: [1] }, inputs: () => [r([3, 4], 18)] },
    { name: `${op} axes [0,2] keepdims`, op, attrs: { axes: [0, 2], keepdims: true }, inputs: () => [r([2, 3, 4], 19)] },
    { name: `${op} every axis`, op, attrs: { axes: [0, -1] }, inputs: () => [r([3, 4], 20)] },
  ]),
  // A symbolic row count: the mean's divisor is computed in the IR.
  { name: "t.mean over symbolic N", op: "t.mean", attrs: { axes: [0] }, types: [f32("N", 3)], inputs: () => [r([5, 3], 21)] },
  { name: "t.softmax axis -1", op: "t.softmax", inputs: () => [r([3, 4], 22)] },
  { name: "t.softmax axis 0", op: "t.softmax", attrs: { axis: 0 }, inputs: () => [r([3, 4], 23)] },
  { name: "t.log_softmax axis -1", op: "t.log_softmax", inputs: () => [r([3, 4], 24)] },
  { name: "t.log_softmax axis 0", op: "t.log_softmax", attrs: { axis: 0 }, inputs: () => [r([3, 4], 25)] },
];

const shape: Case[] = [
  { name: "t.reshape", op: "t.reshape", attrs: { shape: [2, 6] }, inputs: () => [r([3, 4], 26)] },
  { name: "t.concat axis 1", op: "t.concat", attrs: { axis: 1 }, inputs: () => [r([2, 3], 27), r([2, 2], 28), r([2, 1], 29)] },
  {
    name: "t.concat axis 0, symbolic rows",
    op: "t.concat",
    attrs: { axis: 0 },
    types: [f32("N", 2), f32("M", 2)],
    inputs: () => [r([3, 2], 30), r([2, 2], 31)],
  },
  { name: "t.slice axis 1", op: "t.slice", attrs: { axis: 1, start: 1, size: 2 }, inputs: () => [r([3, 4], 32)] },
  { name: "t.select axis 0 (a stacked parameter)", op: "t.select", inputs: () => [r([3, 2, 2], 33), indexScalar(1)] },
  { name: "t.select axis 1", op: "t.select", attrs: { axis: 1 }, inputs: () => [r([2, 3, 2], 34), indexScalar(2)] },
  { name: "t.cast f32 → f16", op: "t.cast", attrs: { dtype: "f16" }, inputs: () => [r([2, 3], 35)] },
  { name: "t.cast f32 → i32 (no gradient)", op: "t.cast", attrs: { dtype: "i32" }, inputs: () => [r([2, 3], 36)] },
  { name: "t.full (no inputs)", op: "t.full", attrs: { value: 2, shape: [2, 2] }, inputs: () => [] },
  { name: "t.const (no inputs)", op: "t.const", attrs: { value: 2 }, inputs: () => [] },
  { name: "t.broadcast_to", op: "t.broadcast_to", attrs: { shape: [2, 3, 4] }, inputs: () => [r([3, 1], 37)] },
  { name: "t.pad", op: "t.pad", attrs: { axis: 1, start: 1, size: 5 }, inputs: () => [r([2, 3], 38)] },
  { name: "t.scatter_slice", op: "t.scatter_slice", attrs: { axis: 1 }, inputs: () => [r([2, 3, 2], 39), r([2, 2], 40), indexScalar(1)] },
  { name: "t.slice_add", op: "t.slice_add", attrs: { axis: 1 }, inputs: () => [r([2, 3, 2], 41), r([2, 2], 42), indexScalar(2)] },
  // A repeated index: its rows' gradients add up.
  { name: "t.gather_rows, an index repeated", op: "t.gather_rows", inputs: () => [r([5, 3], 43), indexVector([4, 0, 4, 2])] },
  { name: "t.scatter_rows, an index repeated", op: "t.scatter_rows", attrs: { rows: 5 }, inputs: () => [r([4, 3], 44), indexVector([1, 3, 1, 0])] },
];

const nn: Case[] = [
  { name: "nn.dropout p=0.3", op: "nn.dropout", attrs: { p: 0.3 }, inputs: () => [r([4, 5], 41), rngKey(3)] },
  { name: "nn.layer_norm node (x, w, b)", op: "nn.layer_norm", inputs: () => [r([4, 5], 42), r([5], 43), r([5], 44)] },
  { name: "nn.layer_norm node (x only)", op: "nn.layer_norm", inputs: () => [r([3, 2, 4], 45)] },
  { name: "nn.layer_norm node (x, w)", op: "nn.layer_norm", inputs: () => [r([4, 5], 46), r([5], 47)] },
  { name: "nn.layer_norm graph (x, w, b)", op: "nn.layer_norm", attrs: { mode: "graph" }, inputs: () => [r([4, 5], 48), r([5], 49), r([5], 50)] },
  { name: "nn.layer_norm graph (x only)", op: "nn.layer_norm", attrs: { mode: "graph" }, inputs: () => [r([4, 5], 51)] },
  {
    name: "nn.batch_norm training",
    op: "nn.batch_norm",
    inputs: () => [r([6, 3], 52), r([3], 53), r([3], 54), r([3], 55), pos([3], 56)],
  },
  {
    name: "nn.batch_norm eval",
    op: "nn.batch_norm",
    attrs: { training: false },
    inputs: () => [r([6, 3], 57), r([3], 58), r([3], 59), r([3], 60), pos([3], 61)],
  },
];

/** spmm and its transpose: every reduce, without weights, with [E] weights and with [E,H] weights. */
const aggregate: Case[] = [
  ...["sum", "mean", "max"].flatMap((reduce): Case[] => [
    { name: `g.spmm ${reduce}`, op: "g.spmm", attrs: { reduce }, inputs: () => [g, r([Nn, 3], 62)] },
    { name: `g.spmm ${reduce} [E] weights`, op: "g.spmm", attrs: { reduce }, inputs: () => [g, r([E], 63), r([Nn, 3], 64)] },
    { name: `g.spmm ${reduce} [E,H] weights`, op: "g.spmm", attrs: { reduce }, inputs: () => [g, r([E, 2], 65), r([Nn, 2, 3], 66)] },
  ]),
  { name: "g.spmm sum, symbolic sizes", op: "g.spmm", types: [graphT, f32("E"), f32("N", "C")], inputs: () => [g, r([E], 67), r([Nn, 3], 68)] },
  { name: "g.spmm mean, symbolic sizes", op: "g.spmm", attrs: { reduce: "mean" }, types: [graphT, f32("N", "C")], inputs: () => [g, r([Nn, 3], 69)] },
  { name: "g.spmm sum, x [N]", op: "g.spmm", inputs: () => [g, r([E], 70), r([Nn], 71)] },
  { name: "g.spmm_t", op: "g.spmm_t", inputs: () => [g, r([Nn, 3], 72)] },
  { name: "g.spmm_t [E] weights", op: "g.spmm_t", inputs: () => [g, r([E], 73), r([Nn, 3], 74)] },
  { name: "g.spmm_t [E,H] weights", op: "g.spmm_t", inputs: () => [g, r([E, 2], 75), r([Nn, 2, 3], 76)] },
  { name: "g.sddmm add", op: "g.sddmm", inputs: () => [g, r([Nn, 3], 77), r([Nn, 3], 78)] },
  { name: "g.sddmm add [N,H,C]", op: "g.sddmm", inputs: () => [g, r([Nn, 2, 3], 79), r([Nn, 2, 3], 80)] },
  { name: "g.sddmm dot", op: "g.sddmm", attrs: { op: "dot" }, inputs: () => [g, r([Nn, 3], 81), r([Nn, 3], 82)] },
  { name: "g.sddmm dot [N,H,C]", op: "g.sddmm", attrs: { op: "dot" }, inputs: () => [g, r([Nn, 2, 3], 83), r([Nn, 2, 3], 84)] },
  { name: "g.edge_softmax [E]", op: "g.edge_softmax", inputs: () => [g, r([E], 85)] },
  { name: "g.edge_softmax [E,H]", op: "g.edge_softmax", inputs: () => [g, r([E, 2], 86)] },
  { name: "g.gather_src", op: "g.gather_src", inputs: () => [g, r([Nn, 3], 87)] },
  { name: "g.gather_dst", op: "g.gather_dst", inputs: () => [g, r([Nn, 2, 2], 88)] },
  { name: "g.scatter_sum", op: "g.scatter_sum", inputs: () => [g, r([E, 3], 89)] },
  { name: "g.scatter_sum_src", op: "g.scatter_sum_src", inputs: () => [g, r([E, 3], 90)] },
];

/** Four graphs over the test graph's six nodes; graph 2 has none. */
const batch: TensorValue = { kind: "tensor", dtype: "i32", shape: [Nn], data: Int32Array.of(0, 0, 1, 1, 1, 3) };

/** Segment max over in-edges, self-loop values, pooling over a batch vector. */
const segment: Case[] = [
  { name: "g.scatter_max", op: "g.scatter_max", inputs: () => [g, r([E, 3], 100)] },
  { name: "g.scatter_max [E,H,C]", op: "g.scatter_max", inputs: () => [g, r([E, 2, 2], 101)] },
  { name: "g.append_loops", op: "g.append_loops", inputs: () => [g, r([E, 2], 102), r([Nn, 2], 103)] },
  { name: "g.append_loops [E]", op: "g.append_loops", inputs: () => [g, r([E], 104), r([Nn], 105)] },
  { name: "g.loop_part edges", op: "g.loop_part", attrs: { part: "edges" }, inputs: () => [g, r([E + Nn, 2], 106)] },
  { name: "g.loop_part loops", op: "g.loop_part", attrs: { part: "loops" }, inputs: () => [g, r([E + Nn, 2], 107)] },
  ...["sum", "mean", "max"].map((reduce): Case => ({ name: `g.pool ${reduce}`, op: "g.pool", attrs: { reduce, graphs: 4 }, inputs: () => [r([Nn, 3], 108), batch] })),
  { name: "g.pool mean, symbolic N", op: "g.pool", attrs: { reduce: "mean", graphs: 4 }, types: [f32("N", 2), { kind: "tensor", dtype: "i32", shape: ["N"] }], inputs: () => [r([Nn, 2], 109), batch] },
  { name: "g.unpool", op: "g.unpool", inputs: () => [r([4, 3], 110), batch] },
];

const groups: Record<string, Case[]> = { elementwise, linalg, reduce, shape, nn, aggregate, segment };

for (const [group, cases] of Object.entries(groups)) {
  describe(`gradient rules: ${group}`, () => {
    for (const c of cases) {
      it(c.name, () => {
        const result = gradcheck(c.op, c.inputs(), { attrs: c.attrs, types: c.types });
        expect(result.problems).toEqual([]);
      });
    }
  });
}

describe("the gradient check itself", () => {
  it("catches a wrong rule: sigmoid checked against tanh's rule (same types, wrong values)", () => {
    const x = awayFromZero([2, 3], 91);
    const tanhRule = elementwiseOps.find((s) => s.name === "t.tanh")!.vjp!;
    expect(gradcheck("t.sigmoid", [x]).problems).toEqual([]);
    expect(gradcheck("t.sigmoid", [x], { rule: tanhRule }).problems.length).toBeGreaterThan(0);
  });

  it("catches a rule that drops a gradient (mul claiming b gets none)", () => {
    const mulRule = elementwiseOps.find((s) => s.name === "t.mul")!.vjp!;
    const dropB: typeof mulRule = (b, a) => [mulRule(b, a)[0], undefined];
    expect(gradcheck("t.mul", [r([3], 97), r([3], 98)], { rule: dropB }).problems.length).toBeGreaterThan(0);
  });

  it("checks that no gradient flows where the rule says none (batch_norm training's running stats)", () => {
    const result = gradcheck("nn.batch_norm", [r([6, 3], 92), r([3], 93), r([3], 94), r([3], 95), pos([3], 96)]);
    expect(result.grads.slice(3)).toEqual([undefined, undefined]);
    expect(result.problems).toEqual([]);
  });

  it("max routes to the first arg-max on ties, as PyTorch does", () => {
    const x: TensorValue = { kind: "tensor", dtype: "f32", shape: [2, 3], data: Float32Array.of(1, 3, 3, 2, 2, 0) };
    const spread = runMaxGrad(x);
    expect(Array.from(spread)).toEqual([0, 1, 0, 1, 0, 0]);
  });
});

/** Coverage: every op of these files with a rule has a case above. */
describe("gradient-rule coverage of the tensor, nn and graph ops", () => {
  it("checks every op that has a vjp", () => {
    const mine = [...elementwiseOps, ...linalgOps, ...reduceOps, ...shapeOps, ...rowOps, ...groupMatmulOps, ...nnOps, ...graphOps];
    const tested = new Set(Object.values(groups).flatMap((cs) => cs.map((c) => c.op)));
    const untested = mine.filter((s) => s.vjp && !tested.has(s.name)).map((s) => s.name);
    expect(untested).toEqual([]);
  });
});

/** The gradient t.max{axes=[1]} sends back for a cotangent of ones. */
function runMaxGrad(x: TensorValue): ArrayLike<number> {
  const b = new FuncBuilder("max_grad");
  const xi = b.leaf("s.input", { kind: "tensor", dtype: "f32", shape: x.shape }, { name: "x" });
  const c = b.leaf("s.input", { kind: "tensor", dtype: "f32", shape: [x.shape[0]] }, { name: "c" });
  const out = b.emit("t.max", [xi], { axes: [1] });
  const node = { id: out, op: "t.max", type: b.typeOf(out), inputs: [xi], attrs: { axes: [1], keepdims: false } };
  const [grad] = reduceOps.find((s) => s.name === "t.max")!.vjp!(b, { node, output: out, cotangent: c });
  const ones: TensorValue = { kind: "tensor", dtype: "f32", shape: [x.shape[0]], data: new Float32Array(x.shape[0]).fill(1) };
  const [v] = runFunc(b.finish([grad!], ["grad"]), { inputs: { x, c: ones }, params: {} });
  return (v as TensorValue).data;
}
