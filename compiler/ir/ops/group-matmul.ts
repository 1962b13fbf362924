import { boolAttr, intAttr } from "../attrs.js";
import { dimDiv, dimMul } from "../dims.js";
import type { OpSpec } from "../spec.js";
import { formatType } from "../type-utils.js";
import type { Dim, TensorType } from "../types.js";
import { alloc, asTensor, fail, sizeOf, streamingCost, tensorAt } from "./common.js";

/**
 * Matmuls of G independent models side by side (soup ingredients trained as one program). Rows
 * hold every model's features next to each other: A [M, G·K] is G blocks A_g = A[:, g·K:(g+1)·K],
 * and each model has its own weight B_g = B[g]. So a node's features for all models are one row,
 * which the graph ops (SpMM) treat as one wide row.
 *
 *   t.group_matmul{groups, transB}  C_g = A_g · op(B_g)    A [M, G·K], B [G, K, N] (transB: [G, N, K]) → C [M, G·N]
 *   t.group_matmul_tn{groups}       S_g = A_gᵀ · C_g       A [M, G·K], C [M, G·N] → S [G, K, N]   (the weights' gradient)
 */

function f32At(inputs: Parameters<OpSpec["infer"]>[0], i: number, role: string, rank: number): TensorType | { error: string; operands?: number[] } {
  const t = tensorAt(inputs, i, role);
  if ("error" in t) return t;
  if (t.dtype !== "f32" || t.shape.length !== rank) return fail(`the ${role} must be an f32 tensor of rank ${rank}, got ${formatType(t)}`, [i]);
  return t;
}

/** The width of one group's block of a row of `width` columns, or undefined when G does not divide it. */
function blockWidth(width: Dim, groups: number): Dim | undefined {
  const k = dimDiv(width, groups);
  return k !== undefined && dimMul(k, groups) === width ? k : undefined;
}

const groupMatmul: OpSpec = {
  name: "t.group_matmul",
  summary: "C_g = A_g · op(B_g) for G models side by side: A [M, G·K], B [G, K, N] (transB: [G, N, K]) → [M, G·N]",
  arity: 2,
  attrs: {
    groups: { kind: "int", doc: "G, the number of models" },
    transB: { kind: "bool", default: false },
  },
  pure: true,
  infer(inputs, attrs) {
    const a = f32At(inputs, 0, "left operand", 2);
    if ("error" in a) return a;
    const b = f32At(inputs, 1, "right operand", 3);
    if ("error" in b) return b;
    const g = intAttr(attrs, "groups");
    if (b.shape[0] !== g) return fail(`the right operand ${formatType(b)} must hold ${g} matrices`, [1]);
    const [k, n] = boolAttr(attrs, "transB") ? [b.shape[2], b.shape[1]] : [b.shape[1], b.shape[2]];
    if (dimMul(g, k) !== a.shape[1]) return fail(`cannot multiply ${formatType(a)} by ${g} matrices of ${k} rows: the left operand needs ${g}·${k} columns`, [0, 1]);
    return { kind: "tensor", dtype: "f32", shape: [a.shape[0], dimMul(g, n)] };
  },
  interpret(inputs, attrs, ctx) {
    const a = asTensor(inputs[0], "left operand");
    const b = asTensor(inputs[1], "right operand");
    const g = intAttr(attrs, "groups");
    const trans = boolAttr(attrs, "transB");
    const [, r, c] = b.shape;
    const [k, n] = trans ? [c, r] : [r, c];
    const m = a.shape[0];
    const out = alloc("f32", [m, g * n], ctx.precision);
    for (let i = 0; i < m; i++) {
      for (let q = 0; q < g; q++) {
        for (let j = 0; j < n; j++) {
          let acc = 0;
          for (let p = 0; p < k; p++) acc += a.data[i * g * k + q * k + p] * b.data[q * r * c + (trans ? j * c + p : p * c + j)];
          out.data[i * g * n + q * n + j] = acc;
        }
      }
    }
    return out;
  },
  // dA_g = C̄_g · op(B_g)ᵀ: the same op with B read the other way; dB_g = A_gᵀ C̄_g (transB: its transpose, C̄_gᵀ A_g).
  vjp(b, { node, cotangent: c }) {
    const [a, w] = node.inputs;
    const groups = intAttr(node.attrs, "groups");
    const trans = boolAttr(node.attrs, "transB");
    const gradA = b.emit("t.group_matmul", [c, w], { groups, transB: !trans });
    const gradB = trans ? b.emit("t.group_matmul_tn", [c, a], { groups }) : b.emit("t.group_matmul_tn", [a, c], { groups });
    return [gradA, gradB];
  },
  cost(inputs, output, attrs, symbols) {
    const b = inputs[1] as TensorType;
    const k = sizeOf(b.shape[boolAttr(attrs, "transB") ? 2 : 1], symbols);
    const o = output as TensorType;
    return streamingCost(inputs, output, symbols, 2 * sizeOf(o.shape[0], symbols) * sizeOf(o.shape[1], symbols) * k);
  },
};

const groupMatmulTn: OpSpec = {
  name: "t.group_matmul_tn",
  summary: "S_g = A_gᵀ · C_g for G models side by side: A [M, G·K], C [M, G·N] → [G, K, N]",
  arity: 2,
  attrs: { groups: { kind: "int", doc: "G, the number of models" } },
  pure: true,
  infer(inputs, attrs) {
    const a = f32At(inputs, 0, "left operand", 2);
    if ("error" in a) return a;
    const c = f32At(inputs, 1, "right operand", 2);
    if ("error" in c) return c;
    if (a.shape[0] !== c.shape[0]) return fail(`${formatType(a)} and ${formatType(c)} need the same rows`, [0, 1]);
    const g = intAttr(attrs, "groups");
    const k = blockWidth(a.shape[1], g);
    const n = blockWidth(c.shape[1], g);
    if (k === undefined || n === undefined) return fail(`${g} groups do not divide the columns of ${formatType(a)} and ${formatType(c)}`, k === undefined ? [0] : [1]);
    return { kind: "tensor", dtype: "f32", shape: [g, k, n] };
  },
  interpret(inputs, attrs, ctx) {
    const a = asTensor(inputs[0], "left operand");
    const c = asTensor(inputs[1], "right operand");
    const g = intAttr(attrs, "groups");
    const m = a.shape[0];
    const k = a.shape[1] / g;
    const n = c.shape[1] / g;
    const out = alloc("f32", [g, k, n], ctx.precision);
    for (let q = 0; q < g; q++) {
      for (let p = 0; p < k; p++) {
        for (let j = 0; j < n; j++) {
          let acc = 0;
          for (let i = 0; i < m; i++) acc += a.data[i * g * k + q * k + p] * c.data[i * g * n + q * n + j];
          out.data[q * k * n + p * n + j] = acc;
        }
      }
    }
    return out;
  },
  // With S̄ [G, K, N]: dA_g = C_g · S̄_gᵀ and dC_g = A_g · S̄_g.
  vjp(b, { node, cotangent: s }) {
    const [a, c] = node.inputs;
    const groups = intAttr(node.attrs, "groups");
    return [b.emit("t.group_matmul", [c, s], { groups, transB: true }), b.emit("t.group_matmul", [a, s], { groups, transB: false })];
  },
  cost(inputs, output, _attrs, symbols) {
    const a = inputs[0] as TensorType;
    const o = (output as TensorType).shape.map((d) => sizeOf(d, symbols));
    return streamingCost(inputs, output, symbols, 2 * sizeOf(a.shape[0], symbols) * o[0] * o[1] * o[2]);
  },
};

export const groupMatmulOps: readonly OpSpec[] = [groupMatmul, groupMatmulTn];
