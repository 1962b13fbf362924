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
 * Two kernel families, each for the weight stored either way round:
 *  - rows: out[i,j] = Σ_{e ∈ row i of P} p[e] · W[j, cols[e]]             (P·Wᵀ, the layer's forward: transB)
 *          out[i,j] = Σ_{e ∈ row i of P} p[e] · W[cols[e], j]             (P·W: W stored [F, H])
 *  - cols: out[h,k] = Σ_{e ∈ column k of P} D[rows[e], h] · pc[e]        (Dᵀ·P, the weight's gradient: transA;
 *                                                                          pc: P's values in column order)
 *          out[k,h] = the same sum                                        (Pᵀ·D: the gradient of P·W's weight)
 * P·W and Pᵀ·D are what the features times many models' weights side by side become
 * (compiler/schedules/batch-models.ts: H = 160 for ten models of width 16).
 *
 * Each invocation computes a group of G outputs of one row (rows) or one column (cols), G the
 * largest divisor of H up to 16, in vec4 accumulators when G is a multiple of 4: a nonzero's
 * index and value are loaded once for G products, and the other operand's G values are read as
 * vec4s. For that the rows kernel reads W as [F, H]: stored [H, F], a first launch writes Wᵀ
 * into a scratch buffer (the node's launches share it). The cols kernel reads D's rows directly
 * and visits the columns longest first (the pattern's `order`), so that neighbouring
 * invocations, which run in lockstep on SIMD hardware, loop about equally long; for the same
 * reason the rows kernel visits the rows most nonzeros first (`roworder`) when an invocation
 * holds a whole row (Cora, 16 columns: 575 → 517 µs on lavapipe, one microbenchmark). Rows are
 * summed in index order; long columns are shared by teams (colsKernel).
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

/** Which of the four products a patterned matmul is; P is operand `pattern`. */
export type PatternForm = "rows" | "rowsN" | "cols" | "colsT";

/** The form of `node` with P as operand `pattern`, or undefined when it has no patterned kernel. */
export function patternForm(node: Node, pattern: 0 | 1): PatternForm | undefined {
  const transA = node.attrs.transA === true;
  const transB = node.attrs.transB === true;
  if (pattern === 1) return transA && !transB ? "cols" : undefined;
  if (transB) return transA ? undefined : "rows";
  return transA ? "colsT" : "rowsN";
}

/**
 * Where a patterned matmul reads P's nonzeros: `given`, P is an input — its values in row order,
 * and in column order too (BindingSource `column_values`, permuted on the host when it is given:
 * Pᵀ·D at 160 columns on Coauthor CS took 218 → 151 ms on lavapipe against reading through the
 * pattern's `perm`); `kept`, P is dropout of one — its kept view (pattern.ts KEPT_ARRAYS), only
 * the nonzeros the mask kept, in row and in column order, written on the GPU.
 */
export type PatternValues = "given" | "kept";

/** The launches of `node`, a matmul whose operand `pattern` is P, of `nonzeros` nonzeros (how long its columns are on average). */
export function emitPatternMatmul(node: Node, inputs: readonly Type[], options: EmitOptions, nonzeros: number, pattern: 0 | 1, values: PatternValues): KernelSpec[] {
  const form = patternForm(node, pattern);
  if (form === undefined) throw new CodegenError(node.op, "a patterned matmul is P·Wᵀ, P·W, Dᵀ·P or Pᵀ·D", node.span);
  const a = tensorOperand(node, inputs, 0);
  const b = tensorOperand(node, inputs, 1);
  tensorResult(node);
  if (a.dtype !== "f32" || b.dtype !== "f32") throw new CodegenError(node.op, "only f32 has a patterned kernel", node.span);
  const known = new SizeTable(options.symbols);
  // rows: P [N, F], W [H, F]; rowsN: P [N, F], W [F, H]; cols: D [N, H], P [N, F]; colsT: P [N, F], D [N, H].
  const p = pattern === 0 ? a : b;
  const other = pattern === 0 ? b : a;
  known.add("h", form === "rows" ? other.shape[0] : other.shape[1]);
  known.add("f", p.shape[1]);
  const h = known.known("h");
  const f = known.known("f");
  if (h === undefined || f === undefined) throw new CodegenError(node.op, "a patterned matmul needs its feature and output widths known", node.span);
  const kept = values === "kept";
  if (form === "rows" || form === "rowsN") return rowsKernels(node, a.shape[0], h, f, options, form === "rows", kept);
  return [colsKernel(node, h, f, nonzeros, options, form === "colsT", kept)];
}

/**
 * Wᵀ [F, H] of a W stored [H, F], into `scratch`: each invocation writes G outputs of one row of
 * Wᵀ (G as in the matmul, vec4 stores when a multiple of 4), reading one column of W; neighbouring
 * invocations take neighbouring columns, so each of their reads is contiguous across them. One
 * element per invocation took twice as long on lavapipe (Cora's [16, 1433]: 290 against 145 µs).
 */
function transposeKernel(node: Node, h: number, f: number, options: EmitOptions, scratch: { kind: "scratch"; index: number; bytes: number }): KernelSpec {
  const sizes = new SizeTable(options.symbols);
  sizes.add("h", h);
  sizes.add("f", f);
  const g = groupSize(h);
  const acc = accumulators(g);
  const element = acc.width === 4 ? "vec4<f32>" : "f32";
  const read = (j: string) => `w[(j0 + ${j}u) * ${f}u + k]`;
  const stores = Array.from({ length: acc.count }, (_, a) => {
    const value = acc.width === 4 ? `vec4<f32>(${[0, 1, 2, 3].map((l) => read(String(4 * a + l))).join(", ")})` : read(String(a));
    return `  wt[o + ${a}u] = ${value};`;
  });
  return assembleKernel(node, {
    name: "t_matmul_pattern_wt",
    summary: `Wᵀ [${f}, ${h}] for the patterned P·Wᵀ, ${g} outputs per invocation`,
    sizes,
    bindings: new BindingList().add("w", "read", "array<f32>", { kind: "input", input: 1 }).add("wt", "read_write", `array<${element}>`, scratch).finish(sizes),
    body: `  let q = ${LINEAR_WORKGROUP} * ${DEFAULT_WORKGROUP}u + lid;
  if (q >= ${f * (h / g)}u) {
    return;
  }
  let k = q % ${f}u;
  let j0 = (q / ${f}u) * ${g}u;
  let o = (k * ${h}u + j0) / ${acc.width}u;
${stores.join("\n")}
`,
    workgroup: DEFAULT_WORKGROUP,
    dispatch: () => gridFor(groupsFor(f * (h / g), DEFAULT_WORKGROUP)),
  });
}

/**
 * P·W a group of outputs per invocation, W read as [F, H]; `transposed` (P·Wᵀ, W stored [H, F]):
 * first Wᵀ into the scratch buffer. `kept`: P is dropout of a compact matrix, and only its kept
 * view's nonzeros are visited (pattern.ts KEPT_ARRAYS).
 */
function rowsKernels(node: Node, nDim: Dim, h: number, f: number, options: EmitOptions, transposed: boolean, kept: boolean): KernelSpec[] {
  const scratch = { kind: "scratch" as const, index: 0, bytes: 4 * f * h };
  const wide = transposed ? scratch : { kind: "input" as const, input: 1 };
  const g = groupSize(h);
  const groups = h / g;
  const acc = accumulators(g);
  const sizes = new SizeTable(options.symbols);
  const n = sizes.add("n", nDim, "runtime");
  const element = acc.width === 4 ? "vec4<f32>" : "f32";
  // A whole row per invocation: rows most nonzeros first, as in dropout (pattern-kernels.ts).
  const ordered = groups === 1;
  const list = new BindingList().add("rowptr", "read", "array<i32>", { kind: "pattern", input: 0, array: "rowptr" });
  if (kept) list.add("rowend", "read", "array<i32>", { kind: "kept", input: 0, array: "rowend" });
  list.add("cols", "read", "array<i32>", kept ? { kind: "kept", input: 0, array: "cols" } : { kind: "pattern", input: 0, array: "cols" });
  if (ordered) list.add("roworder", "read", "array<i32>", { kind: "pattern", input: 0, array: "roworder" });
  const bindings = list
    .add("p", "read", "array<f32>", kept ? { kind: "kept", input: 0, array: "values" } : { kind: "input", input: 0 })
    .add("wt", "read", `array<${element}>`, wide)
    .add("out", "read_write", `array<${element}>`, { kind: "output" })
    .finish(sizes);
  const stride = h / acc.width;
  const body = `  let t = ${LINEAR_WORKGROUP} * ${DEFAULT_WORKGROUP}u + lid;
  if (t >= ${n} * ${groups}u) {
    return;
  }
  let i = ${ordered ? "u32(roworder[t])" : `t / ${groups}u`};
  let g0 = (t % ${groups}u) * ${acc.count}u;
${acc.names.map((v) => `  var ${v} = ${acc.zero};`).join("\n")}
  for (var e = u32(rowptr[i]); e < u32(${kept ? "rowend[i]" : "rowptr[i + 1u]"}); e++) {
    let c = u32(cols[e]) * ${stride}u + g0;
    let v = p[e];
${acc.names.map((v, k) => `    ${v} = ${v} + v * wt[c + ${k}u];`).join("\n")}
  }
  let o = i * ${stride}u + g0;
${acc.names.map((v, k) => `  out[o + ${k}u] = ${v};`).join("\n")}
`;
  const matmul = assembleKernel(node, {
    name: transposed ? "t_matmul_pattern_rows" : "t_matmul_pattern_rows_n",
    summary: `P·W${transposed ? "ᵀ" : ""} over P's ${kept ? "kept " : ""}nonzeros (CSR pattern), ${g} outputs per invocation`,
    sizes,
    bindings,
    body,
    workgroup: DEFAULT_WORKGROUP,
    dispatch: (s) => gridFor(groupsFor(s.n * groups, DEFAULT_WORKGROUP)),
  });
  return transposed ? [transposeKernel(node, h, f, options, scratch), matmul] : [matmul];
}

/** Nonzeros of a column one invocation folds before a bigger team pays off. */
const NONZEROS_PER_MEMBER = 128;
const MAX_TEAM = 64;
/**
 * Invocations that keep a device busy without teams: past them, a team's barriers and tree cost
 * more than its shorter loops save (ten models side by side on Coauthor CS, 68,050 groups of
 * about 160 nonzeros: 131 ms a launch alone against 160 ms in teams of 2, on lavapipe).
 */
const BUSY = 32_768;

/**
 * Dᵀ·P (out [H, F]) or, `transposed`, Pᵀ·D (out [F, H]), a group of outputs of one column of P
 * per team. Groups are numbered group-major (every column's first group, longest column first,
 * then every column's second…), so that while a group is swept the rows of D it reads — H/G
 * columns of them — stay in cache however wide D is. Long columns (a graph of a million nodes
 * and 128 features has 80,000 nonzeros per column, and only 128 × H/G groups to spread) are
 * shared by a team of T invocations: member m folds nonzeros m, m+T, …, then the team adds its
 * partial sums by a fixed binary tree in workgroup memory. P's values are read in column order:
 * the host's copy of an input's, the kept view's of dropout of one (`kept`).
 */
function colsKernel(node: Node, h: number, f: number, nonzeros: number, options: EmitOptions, transposed: boolean, kept: boolean): KernelSpec {
  const [pIn, dIn] = transposed ? [0, 1] : [1, 0];
  const g = groupSize(h);
  const groups = h / g;
  const acc = accumulators(g);
  let team = 1;
  while (team < MAX_TEAM && team * NONZEROS_PER_MEMBER < nonzeros / f && f * groups * team < BUSY) team *= 2;
  const workgroup = Math.max(DEFAULT_WORKGROUP, team);
  const sizes = new SizeTable(options.symbols);
  sizes.add("h", h);
  sizes.add("f", f);
  const element = acc.width === 4 ? "vec4<f32>" : "f32";
  const list = new BindingList().add("colptr", "read", "array<i32>", { kind: "pattern", input: pIn, array: "colptr" });
  if (kept) list.add("colend", "read", "array<i32>", { kind: "kept", input: pIn, array: "colend" });
  list.add("rows", "read", "array<i32>", kept ? { kind: "kept", input: pIn, array: "rows" } : { kind: "pattern", input: pIn, array: "rows" });
  const bindings = list
    .add("order", "read", "array<i32>", { kind: "pattern", input: pIn, array: "order" })
    .add("d", "read", `array<${element}>`, { kind: "input", input: dIn })
    .add("p", "read", "array<f32>", kept ? { kind: "kept", input: pIn, array: "column_values" } : { kind: "column_values", input: pIn })
    .add("out", "read_write", "array<f32>", { kind: "output" })
    .finish(sizes);
  const stride = h / acc.width;
  const lanes = acc.width === 4 ? ["x", "y", "z", "w"] : [""];
  const total = (v: string, k: number) => (team === 1 ? v : `partial[lid * ${acc.count}u + ${k}u]`);
  const stores = acc.names.flatMap((v, k) =>
    lanes.map((lane, l) => `    out[${transposed ? `col * ${h}u + j0 + ${k * acc.width + l}u` : `(j0 + ${k * acc.width + l}u) * ${f}u + col`}] = ${total(v, k)}${lane ? `.${lane}` : ""};`),
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
  let col = u32(order[min(slot, ${f * groups - 1}u) % ${f}u]);
  let g0 = (min(slot, ${f * groups - 1}u) / ${f}u) * ${acc.count}u;
  let j0 = g0 * ${acc.width}u;
${acc.names.map((v) => `  var ${v} = ${acc.zero};`).join("\n")}
  let last = select(0u, u32(${kept ? "colend[col]" : "colptr[col + 1u]"}), live);
  for (var e = u32(colptr[col]) + member; e < last; e = e + ${team}u) {
    let r = u32(rows[e]) * ${stride}u + g0;
    let v = p[e];
${acc.names.map((v, k) => `    ${v} = ${v} + d[r + ${k}u] * v;`).join("\n")}
  }
${tree}  if (live && member == 0u) {
${stores.join("\n")}
  }
`;
  return assembleKernel(node, {
    name: transposed ? "t_matmul_pattern_cols_t" : "t_matmul_pattern_cols",
    summary: `${transposed ? "Pᵀ·D" : "Dᵀ·P"} over P's ${kept ? "kept " : ""}nonzeros (CSC pattern and values, longest columns first), ${g} outputs per ${team === 1 ? "invocation" : `team of ${team}`}`,
    sizes,
    bindings,
    helpers: team === 1 ? [] : [`var<workgroup> partial: array<${element}, ${workgroup * acc.count}>;\n`],
    body,
    workgroup,
    dispatch: () => gridFor(groupsFor(f * groups * team, workgroup)),
  });
}
