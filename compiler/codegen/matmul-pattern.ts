import type { Dim, Node, Type } from "../ir/types.js";
import { assembleKernel } from "./assemble.js";
import { BindingList } from "./bindings.js";
import { CodegenError, DEFAULT_WORKGROUP, tensorOperand, tensorResult, type EmitOptions } from "./emit-context.js";
import { LINEAR_WORKGROUP, gridFor, groupsFor } from "./grid.js";
import type { KernelSpec } from "./kernel.js";
import { SizeTable } from "./wgsl.js";

/**
 * `t.matmul` where one operand P is mostly zeros with a pattern known at load (input features and
 * dropout of them: dropout keeps zeros zero): only P's nonzero positions are visited, so the cost
 * is nnz(P)·H instead of N·F·H — Cora's features are 1.3% nonzero. P is stored compactly: its
 * nonzero values in row order (pattern.ts); the pattern comes as CSR or CSC index arrays.
 *
 *  - rows: out[i,j] = Σ_{e ∈ row i of P} p[e] · W[j, cols[e]]             (P·Wᵀ, the layer's forward: transB)
 *  - cols: out[h,k] = Σ_{e ∈ column k of P} D[rows[e], h] · p[perm[e]]    (Dᵀ·P, the weight's gradient: transA)
 *
 * Each invocation computes a group of G outputs of one row (rows) or one column (cols), G the
 * largest divisor of H up to 16, in vec4 accumulators when G is a multiple of 4: a nonzero's
 * index and value are loaded once for G products, and the other operand's G values are read as
 * vec4s. For that the rows kernel reads Wᵀ, which a first launch writes into a scratch buffer
 * ([F, H], the node's launches share it); the cols kernel reads D's rows directly and visits the
 * columns longest first (the pattern's `order`), so that neighbouring invocations, which run in
 * lockstep on SIMD hardware, loop about equally long. Rows are summed in index order; long
 * columns are shared by teams (colsKernel).
 */

/** Outputs per invocation: the largest divisor of h up to 16. */
function groupSize(h: number): number {
  for (let g = Math.min(16, h); g > 1; g--) if (h % g === 0) return g;
  return 1;
}

/** The G accumulators' declarations, updates and values, as vec4s when G is a multiple of 4. */
function accumulators(g: number) {
  const width = g % 4 === 0 ? 4 : 1;
  const count = g / width;
  const type = width === 4 ? "vec4<f32>" : "f32";
  const names = Array.from({ length: count }, (_, a) => `acc${a}`);
  return { width, count, type, names, zero: width === 4 ? "vec4<f32>(0.0)" : "0.0" };
}

/** `nonzeros`: P's nonzero count (how long its columns are on average). */
export function emitPatternMatmul(node: Node, inputs: readonly Type[], options: EmitOptions, nonzeros: number): KernelSpec[] {
  const rows = node.attrs.transA !== true && node.attrs.transB === true;
  const cols = node.attrs.transA === true && node.attrs.transB !== true;
  if (!rows && !cols) throw new CodegenError(node.op, "a patterned matmul is P·Wᵀ or Dᵀ·P", node.span);
  const a = tensorOperand(node, inputs, 0);
  const b = tensorOperand(node, inputs, 1);
  tensorResult(node);
  if (a.dtype !== "f32" || b.dtype !== "f32") throw new CodegenError(node.op, "only f32 has a patterned kernel", node.span);
  const known = new SizeTable(options.symbols);
  // rows: a = P [N, F], b = W [H, F]; cols: a = D [N, H], b = P [N, F].
  const [hDim, fDim] = rows ? [b.shape[0], b.shape[1]] : [a.shape[1], b.shape[1]];
  known.add("h", hDim);
  known.add("f", fDim);
  const h = known.known("h");
  const f = known.known("f");
  if (h === undefined || f === undefined) throw new CodegenError(node.op, "a patterned matmul needs its feature and output widths known", node.span);
  return rows ? rowsKernels(node, a.shape[0], h, f, options) : [colsKernel(node, h, f, nonzeros, options)];
}

/** Wᵀ into the scratch buffer, then P·Wᵀ a group of outputs per invocation. */
function rowsKernels(node: Node, nDim: Dim, h: number, f: number, options: EmitOptions): KernelSpec[] {
  const scratch = { kind: "scratch" as const, index: 0, bytes: 4 * f * h };
  const tSizes = new SizeTable(options.symbols);
  tSizes.add("h", h);
  tSizes.add("f", f);
  const transpose = assembleKernel(node, {
    name: "t_matmul_pattern_wt",
    summary: `Wᵀ [${f}, ${h}] for the patterned P·Wᵀ`,
    sizes: tSizes,
    bindings: new BindingList().add("w", "read", "array<f32>", { kind: "input", input: 1 }).add("wt", "read_write", "array<f32>", scratch).finish(tSizes),
    body: `  let q = ${LINEAR_WORKGROUP} * ${DEFAULT_WORKGROUP}u + lid;
  if (q >= ${f * h}u) {
    return;
  }
  wt[q] = w[(q % ${h}u) * ${f}u + q / ${h}u];
`,
    workgroup: DEFAULT_WORKGROUP,
    dispatch: () => gridFor(groupsFor(f * h, DEFAULT_WORKGROUP)),
  });

  const g = groupSize(h);
  const groups = h / g;
  const acc = accumulators(g);
  const sizes = new SizeTable(options.symbols);
  const n = sizes.add("n", nDim, "runtime");
  const element = acc.width === 4 ? "vec4<f32>" : "f32";
  const bindings = new BindingList()
    .add("rowptr", "read", "array<i32>", { kind: "pattern", input: 0, array: "rowptr" })
    .add("cols", "read", "array<i32>", { kind: "pattern", input: 0, array: "cols" })
    .add("p", "read", "array<f32>", { kind: "input", input: 0 })
    .add("wt", "read", `array<${element}>`, scratch)
    .add("out", "read_write", `array<${element}>`, { kind: "output" })
    .finish(sizes);
  const stride = h / acc.width;
  const body = `  let t = ${LINEAR_WORKGROUP} * ${DEFAULT_WORKGROUP}u + lid;
  if (t >= ${n} * ${groups}u) {
    return;
  }
  let i = t / ${groups}u;
  let g0 = (t % ${groups}u) * ${acc.count}u;
${acc.names.map((v) => `  var ${v} = ${acc.zero};`).join("\n")}
  for (var e = u32(rowptr[i]); e < u32(rowptr[i + 1u]); e++) {
    let c = u32(cols[e]) * ${stride}u + g0;
    let v = p[e];
${acc.names.map((v, k) => `    ${v} = ${v} + v * wt[c + ${k}u];`).join("\n")}
  }
  let o = i * ${stride}u + g0;
${acc.names.map((v, k) => `  out[o + ${k}u] = ${v};`).join("\n")}
`;
  const matmul = assembleKernel(node, {
    name: "t_matmul_pattern_rows",
    summary: `P·Wᵀ over P's nonzeros (CSR pattern), ${g} outputs per invocation`,
    sizes,
    bindings,
    body,
    workgroup: DEFAULT_WORKGROUP,
    dispatch: (s) => gridFor(groupsFor(s.n * groups, DEFAULT_WORKGROUP)),
  });
  return [transpose, matmul];
}

/** Nonzeros of a column one invocation folds before a bigger team pays off. */
const NONZEROS_PER_MEMBER = 128;
const MAX_TEAM = 64;

/**
 * Dᵀ·P, a group of outputs of one column per team, the longest columns first. Long columns (a
 * graph of a million nodes and 128 features has 80,000 nonzeros per column, and only 128 × H/G
 * groups to spread) are shared by a team of T invocations: member m folds nonzeros m, m+T, …,
 * then the team adds its partial sums by a fixed binary tree in workgroup memory.
 */
function colsKernel(node: Node, h: number, f: number, nonzeros: number, options: EmitOptions): KernelSpec {
  const g = groupSize(h);
  const groups = h / g;
  const acc = accumulators(g);
  let team = 1;
  while (team < MAX_TEAM && team * NONZEROS_PER_MEMBER < nonzeros / f) team *= 2;
  const workgroup = Math.max(DEFAULT_WORKGROUP, team);
  const sizes = new SizeTable(options.symbols);
  sizes.add("h", h);
  sizes.add("f", f);
  const element = acc.width === 4 ? "vec4<f32>" : "f32";
  const bindings = new BindingList()
    .add("colptr", "read", "array<i32>", { kind: "pattern", input: 1, array: "colptr" })
    .add("rows", "read", "array<i32>", { kind: "pattern", input: 1, array: "rows" })
    .add("perm", "read", "array<i32>", { kind: "pattern", input: 1, array: "perm" })
    .add("order", "read", "array<i32>", { kind: "pattern", input: 1, array: "order" })
    .add("d", "read", `array<${element}>`, { kind: "input", input: 0 })
    .add("p", "read", "array<f32>", { kind: "input", input: 1 })
    .add("out", "read_write", "array<f32>", { kind: "output" })
    .finish(sizes);
  const stride = h / acc.width;
  const lanes = acc.width === 4 ? ["x", "y", "z", "w"] : [""];
  const total = (v: string, k: number) => (team === 1 ? v : `partial[lid * ${acc.count}u + ${k}u]`);
  const stores = acc.names.flatMap((v, k) =>
    lanes.map((lane, l) => `    out[(j0 + ${k * acc.width + l}u) * ${f}u + col] = ${total(v, k)}${lane ? `.${lane}` : ""};`),
  );
  const tree =
    team === 1
      ? ""
      : `${acc.names.map((v, k) => `  partial[lid * ${acc.count}u + ${k}u] = ${v};`).join("\n")}
  workgroupBarrier();
  for (var s = ${team / 2}u; s > 0u; s = s / 2u) {
    if (member < s) {
${acc.names.map((_, k) => `      partial[lid * ${acc.count}u + ${k}u] = partial[lid * ${acc.count}u + ${k}u] + partial[(lid + s) * ${acc.count}u + ${k}u];`).join("\n")}
    }
    workgroupBarrier();
  }
`;
  const body = `  let member = lid % ${team}u;
  let slot = ${LINEAR_WORKGROUP} * ${workgroup / team}u + lid / ${team}u;
  // Surplus teams of the last workgroup fold nothing${team === 1 ? "" : " but still reach every barrier"}.
  let live = slot < ${f * groups}u;
  let col = u32(order[min(slot, ${f * groups - 1}u) / ${groups}u]);
  let g0 = (slot % ${groups}u) * ${acc.count}u;
  let j0 = g0 * ${acc.width}u;
${acc.names.map((v) => `  var ${v} = ${acc.zero};`).join("\n")}
  let last = select(0u, u32(colptr[col + 1u]), live);
  for (var e = u32(colptr[col]) + member; e < last; e = e + ${team}u) {
    let r = u32(rows[e]) * ${stride}u + g0;
    let v = p[perm[e]];
${acc.names.map((v, k) => `    ${v} = ${v} + d[r + ${k}u] * v;`).join("\n")}
  }
${tree}  if (live && member == 0u) {
${stores.join("\n")}
  }
`;
  return assembleKernel(node, {
    name: "t_matmul_pattern_cols",
    summary: `Dᵀ·P over P's nonzeros (CSC pattern, longest columns first), ${g} outputs per ${team === 1 ? "invocation" : `team of ${team}`}`,
    sizes,
    bindings,
    helpers: team === 1 ? [] : [`var<workgroup> partial: array<${element}, ${workgroup * acc.count}>;\n`],
    body,
    workgroup,
    dispatch: () => gridFor(groupsFor(f * groups * team, workgroup)),
  });
}
