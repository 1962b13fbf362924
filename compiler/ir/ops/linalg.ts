import type { OpSpec } from "../spec.js";
import { formatType, isFloatDType } from "../type-utils.js";
import type { Dim } from "../types.js";
import { alloc, asTensor, fail, sizeOf, streamingCost, tensorAt } from "./common.js";

/** Dense 2-D linear algebra: matmul with optional transposed operands, and transpose. */

const matmul: OpSpec = {
  name: "t.matmul",
  summary: "C = op(A) · op(B) for 2-D A, B, where op transposes when transA/transB is set",
  arity: 2,
  attrs: {
    transA: { kind: "bool", default: false },
    transB: { kind: "bool", default: false },
  },
  pure: true,
  epilogue: "t.matmul_epilogue",
  infer(inputs, attrs) {
    const a = tensorAt(inputs, 0, "left operand");
    if ("error" in a) return a;
    const b = tensorAt(inputs, 1, "right operand");
    if ("error" in b) return b;
    const left = `${attrs.transA ? "transposed " : ""}${formatType(a)}`;
    const right = `${attrs.transB ? "transposed " : ""}${formatType(b)}`;
    const what = `cannot multiply ${left} by ${right}`;
    if (a.shape.length !== 2 || b.shape.length !== 2) {
      const bad = [a, b].flatMap((t, i) => (t.shape.length === 2 ? [] : [i]));
      return fail(`${what}: t.matmul needs 2-D operands`, bad);
    }
    if (a.dtype !== b.dtype) return fail(`${what}: dtypes ${a.dtype} and ${b.dtype} differ`, [0, 1]);
    if (!isFloatDType(a.dtype)) return fail(`${what}: t.matmul needs float operands`, [0, 1]);
    const [m, ka] = attrs.transA ? [a.shape[1], a.shape[0]] : [a.shape[0], a.shape[1]];
    const [kb, n] = attrs.transB ? [b.shape[1], b.shape[0]] : [b.shape[0], b.shape[1]];
    if (ka !== kb) return fail(`${what}: inner dims ${ka} and ${kb} differ`, [0, 1]);
    return { kind: "tensor", dtype: a.dtype, shape: [m, n] as Dim[] };
  },
  interpret(inputs, attrs, ctx) {
    const a = asTensor(inputs[0], "left operand");
    const b = asTensor(inputs[1], "right operand");
    const [m, k] = attrs.transA ? [a.shape[1], a.shape[0]] : [a.shape[0], a.shape[1]];
    const [kb, n] = attrs.transB ? [b.shape[1], b.shape[0]] : [b.shape[0], b.shape[1]];
    if (k !== kb) throw new Error(`inner dims ${k} and ${kb} differ`);
    // Strides of op(A)[i,k] in A's stored row-major array.
    const [aI, aK] = attrs.transA ? [1, m] : [k, 1];
    const out = alloc(a.dtype, [m, n], ctx.precision);
    const acc = new Float64Array(n);
    const ad = a.data;
    // A transposed B is copied to row-major [k, n] first, so the inner loop reads contiguously.
    const bd = attrs.transB ? transposed(b.data, n, k) : b.data;
    // Sparse features make most terms exact zeros. Skipping them keeps the summation order (and so
    // the result, up to the sign of an exact zero) unless the other operand holds Inf/NaN, where
    // 0·Inf must still give NaN.
    const skipZeroA = allFinite(bd);
    const rowsB = allFinite(ad) ? nonZeroColumns(bd, k, n) : undefined;
    for (let i = 0; i < m; i++) {
      acc.fill(0);
      for (let p = 0; p < k; p++) {
        const av = ad[i * aI + p * aK];
        if (av === 0 && skipZeroA) continue;
        const rowB = p * n;
        if (rowsB) {
          for (let q = rowsB.start[p]; q < rowsB.start[p + 1]; q++) acc[rowsB.cols[q]] += av * bd[rowB + rowsB.cols[q]];
        } else {
          for (let j = 0; j < n; j++) acc[j] += av * bd[rowB + j];
        }
      }
      out.data.set(acc, i * n);
    }
    return out;
  },
  // With C = op(A)·op(B): d op(A) = C̄·op(B)ᵀ and d op(B) = op(A)ᵀ·C̄, each transposed back when
  // the operand was stored transposed — every case is one matmul with the right flags.
  vjp(b, { node, cotangent: c }) {
    const [a, y] = node.inputs;
    const tA = node.attrs.transA === true;
    const tB = node.attrs.transB === true;
    const gradA = tA
      ? b.emit("t.matmul", [y, c], { transA: tB, transB: true })
      : b.emit("t.matmul", [c, y], { transA: false, transB: !tB });
    const gradB = tB
      ? b.emit("t.matmul", [c, a], { transA: true, transB: tA })
      : b.emit("t.matmul", [a, c], { transA: !tA, transB: false });
    return [gradA, gradB];
  },
  cost(inputs, output, attrs, symbols) {
    const a = inputs[0];
    const inner = a.kind === "tensor" ? sizeOf(a.shape[attrs.transA ? 0 : 1], symbols) : 0;
    const o = output.kind === "tensor" ? output.shape.map((d) => sizeOf(d, symbols)) : [0, 0];
    return streamingCost(inputs, output, symbols, 2 * o[0] * o[1] * inner);
  },
};

const transpose: OpSpec = {
  name: "t.transpose",
  summary: "swap the two axes of a 2-D tensor",
  arity: 1,
  attrs: {},
  pure: true,
  infer(inputs) {
    const x = tensorAt(inputs, 0, "operand");
    if ("error" in x) return x;
    if (x.shape.length !== 2) return fail(`t.transpose needs a 2-D tensor, got ${formatType(x)}`, [0]);
    return { kind: "tensor", dtype: x.dtype, shape: [x.shape[1], x.shape[0]] };
  },
  interpret(inputs, _attrs, ctx) {
    const x = asTensor(inputs[0], "operand");
    const [r, c] = x.shape;
    const out = alloc(x.dtype, [c, r], ctx.precision);
    for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out.data[j * r + i] = x.data[i * c + j];
    return out;
  },
  vjp(b, { cotangent }) {
    return [b.emit("t.transpose", [cotangent])];
  },
  cost(inputs, output, _attrs, symbols) {
    return streamingCost(inputs, output, symbols, 0);
  },
};

/** The [cols, rows] row-major transpose of a [rows, cols] row-major array (values copied exactly). */
function transposed(d: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = d[r * cols + c];
  return out;
}

function allFinite(d: ArrayLike<number>): boolean {
  for (let i = 0; i < d.length; i++) if (!Number.isFinite(d[i])) return false;
  return true;
}

/** Per row of a row-major [rows, cols] array, the columns of its non-zeros; undefined when dense (≥ 25%). */
function nonZeroColumns(d: ArrayLike<number>, rows: number, cols: number) {
  let nnz = 0;
  for (let i = 0; i < rows * cols; i++) if (d[i] !== 0) nnz++;
  if (nnz >= 0.25 * rows * cols) return undefined;
  const start = new Int32Array(rows + 1);
  const out = new Int32Array(nnz);
  let q = 0;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) if (d[r * cols + c] !== 0) out[q++] = c;
    start[r + 1] = q;
  }
  return { start, cols: out };
}

export const linalgOps: readonly OpSpec[] = [matmul, transpose];
