import { boolAttr, intAttr } from "../attrs.js";
import { dimAdd } from "../dims.js";
import type { InferError, OpSpec } from "../spec.js";
import { formatType, isFloatDType } from "../type-utils.js";
import type { Dim, TensorType, Type } from "../types.js";
import { alloc, asTensor, fail, sizeOf, streamingCost, tensorAt } from "./common.js";

/**
 * Matmuls that skip a weight's masked-out positions. A mask M [R, C] with at most `nnz` active
 * positions is compressed once (`sp.pattern`) into one i32 array holding both its CSR and its CSC
 * form:
 *
 *   [0, R]                      rowptr: row r's positions are cols[rowptr[r] … rowptr[r+1])
 *   [R+1, R+1+nnz)              cols, row by row, ascending
 *   [R+1+nnz, R+C+2+nnz)        colptr: column c's positions are rows[colptr[c] … colptr[c+1])
 *   [R+C+2+nnz, R+C+2+2·nnz)    rows, column by column, ascending
 *
 * The products then cost 2·N·nnz instead of 2·N·R·C: `sp.matmul` multiplies by the weight read
 * only at the pattern's positions, `sp.sddmm` computes a weight-shaped product only there (the
 * weight's gradient in a sparse training step), zero elsewhere.
 */

/** The pattern's length for an [R, C] mask of at most `nnz` positions. */
export function patternLength(rows: Dim, cols: Dim, nnz: number): Dim {
  return dimAdd(dimAdd(rows, cols), 2 + 2 * nnz);
}

/** Views of a pattern's four arrays, for an [R, C] mask of capacity nnz. */
export function patternArrays(p: ArrayLike<number>, rows: number, cols: number, nnz: number) {
  const at = (start: number, length: number) => Int32Array.from({ length }, (_, k) => p[start + k]);
  return {
    rowptr: at(0, rows + 1),
    cols: at(rows + 1, nnz),
    colptr: at(rows + 1 + nnz, cols + 1),
    rows: at(rows + cols + 2 + nnz, nnz),
  };
}

function matrixAt(inputs: readonly Type[], i: number, role: string): TensorType | InferError {
  const t = tensorAt(inputs, i, role);
  if ("error" in t) return t;
  if (t.shape.length !== 2 || !isFloatDType(t.dtype)) return fail(`${role} must be a 2-D float tensor, got ${formatType(t)}`, [i]);
  return t;
}

/** The pattern operand `i` must be the i32 pattern of an [R, C] mask with `nnz` positions. */
function patternAt(inputs: readonly Type[], i: number, rows: Dim, cols: Dim, nnz: number): InferError | undefined {
  const p = tensorAt(inputs, i, "pattern");
  if ("error" in p) return p;
  const want = patternLength(rows, cols, nnz);
  if (p.dtype !== "i32" || p.shape.length !== 1 || p.shape[0] !== want) {
    return fail(`pattern must be i32[${want}] (an sp.pattern of a [${rows},${cols}] mask with nnz ${nnz}), got ${formatType(p)}`, [i]);
  }
  return undefined;
}

function nnzAttr(attrs: Parameters<OpSpec["infer"]>[1]): number | InferError {
  const nnz = intAttr(attrs, "nnz");
  return nnz >= 0 ? nnz : fail(`nnz must be ≥ 0, got ${nnz}`);
}

const NNZ = { kind: "int", doc: "the most active positions the mask has (the pattern's capacity)" } as const;

const pattern: OpSpec = {
  name: "sp.pattern",
  summary: "the CSR and CSC positions of a 2-D mask's non-zeros, in one i32 array of capacity nnz",
  arity: 1,
  attrs: { nnz: NNZ },
  pure: true,
  nondifferentiable: true,
  infer(inputs, attrs) {
    const m = matrixAt(inputs, 0, "mask");
    if ("error" in m) return m;
    const nnz = nnzAttr(attrs);
    if (typeof nnz !== "number") return nnz;
    return { kind: "tensor", dtype: "i32", shape: [patternLength(m.shape[0], m.shape[1], nnz)] };
  },
  interpret(inputs, attrs) {
    const m = asTensor(inputs[0], "mask");
    const [rows, cols] = m.shape;
    const nnz = intAttr(attrs, "nnz");
    let count = 0;
    for (let k = 0; k < m.data.length; k++) if (m.data[k] !== 0) count++;
    if (count > nnz) throw new Error(`sp.pattern: the mask has ${count} non-zeros, more than its capacity ${nnz}`);
    const out = alloc("i32", [rows + cols + 2 + 2 * nnz]);
    const d = out.data;
    let q = 0;
    for (let r = 0; r < rows; r++) {
      d[r] = q;
      for (let c = 0; c < cols; c++) if (m.data[r * cols + c] !== 0) d[rows + 1 + q++] = c;
    }
    d[rows] = q;
    const colBase = rows + 1 + nnz;
    const rowsBase = rows + cols + 2 + nnz;
    q = 0;
    for (let c = 0; c < cols; c++) {
      d[colBase + c] = q;
      for (let r = 0; r < rows; r++) if (m.data[r * cols + c] !== 0) d[rowsBase + q++] = r;
    }
    d[colBase + cols] = q;
    return out;
  },
  cost(inputs, output, _attrs, symbols) {
    return streamingCost(inputs, output, symbols, 0);
  },
};

/**
 * out = a · op(W restricted to the pattern): transB, a [N, C] and out [N, R] (a layer's forward,
 * weights [out, in]); else a [N, R] and out [N, C] (the input's gradient).
 */
const matmul: OpSpec = {
  name: "sp.matmul",
  summary: "a · Wᵀ (transB) or a · W, reading the weight only at the pattern's positions",
  arity: 3,
  attrs: { nnz: NNZ, transB: { kind: "bool", default: true } },
  pure: true,
  infer(inputs, attrs) {
    const a = matrixAt(inputs, 0, "a");
    if ("error" in a) return a;
    const w = matrixAt(inputs, 1, "weight");
    if ("error" in w) return w;
    if (a.dtype !== w.dtype) return fail(`a and the weight must have one dtype, got ${formatType(a)} and ${formatType(w)}`, [0, 1]);
    const nnz = nnzAttr(attrs);
    if (typeof nnz !== "number") return nnz;
    const [rows, cols] = w.shape;
    const transB = boolAttr(attrs, "transB");
    const inner = transB ? cols : rows;
    if (a.shape[1] !== inner) return fail(`cannot multiply ${formatType(a)} by ${transB ? "transposed " : ""}${formatType(w)}: inner dims ${a.shape[1]} and ${inner} differ`, [0, 1]);
    return patternAt(inputs, 2, rows, cols, nnz) ?? { kind: "tensor", dtype: a.dtype, shape: [a.shape[0], transB ? rows : cols] };
  },
  interpret(inputs, attrs, ctx) {
    const a = asTensor(inputs[0], "a");
    const w = asTensor(inputs[1], "weight");
    const [rows, cols] = w.shape;
    const nnz = intAttr(attrs, "nnz");
    const p = patternArrays(asTensor(inputs[2], "pattern").data, rows, cols, nnz);
    const transB = boolAttr(attrs, "transB");
    const n = a.shape[0];
    const [outer, ptr, idx, width] = transB ? [rows, p.rowptr, p.cols, cols] : [cols, p.colptr, p.rows, rows];
    const out = alloc(a.dtype, [n, outer], ctx.precision);
    for (let i = 0; i < n; i++) {
      for (let o = 0; o < outer; o++) {
        let acc = 0;
        for (let e = ptr[o]; e < ptr[o + 1]; e++) {
          const j = idx[e];
          acc += a.data[i * width + j] * (transB ? w.data[o * cols + j] : w.data[j * cols + o]);
        }
        out.data[i * outer + o] = acc;
      }
    }
    return out;
  },
  vjp(b, { node, cotangent: c }) {
    const [a, w, p] = node.inputs;
    const nnz = node.attrs.nnz;
    if (node.attrs.transB !== false) {
      return [b.emit("sp.matmul", [c, w, p], { nnz, transB: false }), b.emit("sp.sddmm", [c, a, p], { nnz }), undefined];
    }
    return [b.emit("sp.matmul", [c, w, p], { nnz, transB: true }), b.emit("sp.sddmm", [a, c, p], { nnz }), undefined];
  },
  cost(inputs, output, attrs, symbols) {
    const n = output.kind === "tensor" ? sizeOf(output.shape[0], symbols) : 0;
    return streamingCost(inputs, output, symbols, 2 * n * intAttr(attrs, "nnz"));
  },
};

/** out [R, C] = aᵀ · b at the pattern's positions, zero elsewhere; a [N, R], b [N, C]. */
const sddmm: OpSpec = {
  name: "sp.sddmm",
  summary: "aᵀ · b computed only at the pattern's positions (zero elsewhere): a masked weight's gradient",
  arity: 3,
  attrs: { nnz: NNZ },
  pure: true,
  infer(inputs, attrs) {
    const a = matrixAt(inputs, 0, "a");
    if ("error" in a) return a;
    const b = matrixAt(inputs, 1, "b");
    if ("error" in b) return b;
    if (a.dtype !== b.dtype) return fail(`a and b must have one dtype, got ${formatType(a)} and ${formatType(b)}`, [0, 1]);
    if (a.shape[0] !== b.shape[0]) return fail(`aᵀ·b needs a and b with the same rows, got ${formatType(a)} and ${formatType(b)}`, [0, 1]);
    const nnz = nnzAttr(attrs);
    if (typeof nnz !== "number") return nnz;
    return patternAt(inputs, 2, a.shape[1], b.shape[1], nnz) ?? { kind: "tensor", dtype: a.dtype, shape: [a.shape[1], b.shape[1]] };
  },
  interpret(inputs, attrs, ctx) {
    const a = asTensor(inputs[0], "a");
    const b = asTensor(inputs[1], "b");
    const [n, rows] = a.shape;
    const cols = b.shape[1];
    const p = patternArrays(asTensor(inputs[2], "pattern").data, rows, cols, intAttr(attrs, "nnz"));
    const out = alloc(a.dtype, [rows, cols], ctx.precision);
    for (let r = 0; r < rows; r++) {
      for (let e = p.rowptr[r]; e < p.rowptr[r + 1]; e++) {
        const c = p.cols[e];
        let acc = 0;
        for (let i = 0; i < n; i++) acc += a.data[i * rows + r] * b.data[i * cols + c];
        out.data[r * cols + c] = acc;
      }
    }
    return out;
  },
  // out[r,c] = Σ_i a[i,r]·b[i,c] on the pattern: da = b · (C̄|P)ᵀ and db = a · (C̄|P).
  vjp(b, { node, cotangent: c }) {
    const [x, y, p] = node.inputs;
    const nnz = node.attrs.nnz;
    return [b.emit("sp.matmul", [y, c, p], { nnz, transB: true }), b.emit("sp.matmul", [x, c, p], { nnz, transB: false }), undefined];
  },
  cost(inputs, output, attrs, symbols) {
    const a = inputs[0];
    const n = a.kind === "tensor" ? sizeOf(a.shape[0], symbols) : 0;
    return streamingCost(inputs, output, symbols, 2 * n * intAttr(attrs, "nnz"));
  },
};

export const sparseMatmulOps: readonly OpSpec[] = [pattern, matmul, sddmm];
