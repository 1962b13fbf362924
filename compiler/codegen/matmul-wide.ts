import type { Node } from "../ir/types.js";
import { assembleKernel } from "./assemble.js";
import type { EmitOptions } from "./emit-context.js";
import { LINEAR_WORKGROUP, gridFor } from "./grid.js";
import type { KernelSpec } from "./kernel.js";
import { flatIndex, matmulName, type MatmulSetup } from "./matmul-common.js";

/**
 * `t.matmul` with a wide C (N ≥ WIDE_MIN_COLUMNS, B stored [K, N]): ten ingredients' first
 * layers side by side, hidden layers of 32 and up. A workgroup takes ROWS rows of C, the same
 * rows for all its invocations, and each invocation one vec4 of columns:
 *
 *   C[i0 + r, 4j .. 4j+3] = Σ_k A[i0 + r, k] · B[k, 4j .. 4j+3]   for r < ROWS
 *
 * Why: lavapipe runs invocations as SIMD lanes, and an element whose index every lane of the
 * workgroup shares is loaded once, while one whose index differs by lane is gathered lane by
 * lane. Here A's element is shared (its row depends on the workgroup only) and only B's vec4
 * differs, so each step of K gathers one vec4 for ROWS vec4 FMAs; the register-blocked kernel
 * (matmul.ts) gathers four elements of A and a vec4 of B for 4. On lavapipe, [13752, 767]·[767, 160]:
 * 424 → 296 ms; Aᵀ·B of [13752, 767]ᵀ·[13752, 160]: 569 → 359 ms (one microbenchmark, 7 trials each).
 * It wins from 8 lanes up: at N = 32, 98 → 70 ms; at N = 16 it won by 15% on that shape but lost
 * on Cora's [2708, 16]·[16, 16] (0.26 → 0.31 ms), and at N = 8 it lost (29 → 35 ms).
 * Rows past M read the last row (in bounds) and are not stored; column vec4s past N likewise.
 */

/** Rows of C per workgroup (each invocation holds this many vec4 accumulators): 8 and 16 were within 10% of 12 either way. */
const ROWS = 12;
/** Invocations per workgroup at most (one vec4 of columns each). */
const MAX_LANES = 64;
/** The narrowest C that takes this kernel: 8 lanes of vec4s (one SIMD row of 8 on lavapipe). */
export const WIDE_MIN_COLUMNS = 32;

/** Whether the wide kernel serves this matmul: one product (not grouped), B not transposed, N known, a multiple of 4 and wide enough. */
export function suitsWide(s: MatmulSetup): boolean {
  const n = s.sizes.known("n");
  return !s.groups && !s.transB && s.bVec && s.cVec && n !== undefined && n >= WIDE_MIN_COLUMNS;
}

export function emitMatmulWide(node: Node, options: EmitOptions, setup: MatmulSetup): KernelSpec {
  const { transA, aVec, sizes, M, K, bindings, layout, epilogue } = setup;
  const vec4s = sizes.known("n")! / 4;
  const lanes = Math.min(MAX_LANES, vec4s);
  const colTiles = Math.ceil(vec4s / lanes);
  const rows = [...Array(ROWS).keys()];
  // A is bound as vec4s when its stored rows allow: the shared element is then one component of one.
  const aAt = (index: string) => (aVec ? `a[(${index}) / 4u][(${index}) % 4u]` : `a[${index}]`);
  const aOf = (r: number) => aAt(transA ? flatIndex(layout.a, "k", `r${r}`) : flatIndex(layout.a, `r${r}`, "k"));
  const store = (r: number) => {
    const row = `(i0 + ${r}u)`;
    const e = flatIndex(layout.c, row, "j0");
    const at = `c[(${e}) / 4u]`;
    const write = epilogue ? epilogue.apply(4, e, `acc${r}`, (v) => `${at} = ${v};`, "    ") : `    ${at} = acc${r};`;
    return `  if (${row} < ${M} && live) {\n${write}\n  }`;
  };
  const body = `  let wg = ${LINEAR_WORKGROUP};
  if (wg >= ${colTiles}u * ((${M} + ${ROWS - 1}u) / ${ROWS}u)) {
    return;
  }
  // The rows are the workgroup's (shared by its invocations); the columns are the invocation's.
  let i0 = (wg / ${colTiles}u) * ${ROWS}u;
  let q = (wg % ${colTiles}u) * ${lanes}u + lid;
  let live = q < ${vec4s}u;
  let j0 = min(q, ${vec4s - 1}u) * 4u;
${rows.map((r) => `  let r${r} = min(i0 + ${r}u, ${M} - 1u);`).join("\n")}
${rows.map((r) => `  var acc${r} = vec4<f32>(0.0);`).join("\n")}
  for (var k = 0u; k < ${K}; k = k + 1u) {
    let bk = b[(${flatIndex(layout.b, "k", "j0")}) / 4u];
${rows.map((r) => `    acc${r} = fma(vec4<f32>(${aOf(r)}), bk, acc${r});`).join("\n")}
  }
${rows.map(store).join("\n")}
`;
  return assembleKernel(node, {
    name: matmulName(options, setup, epilogue ? "_wide_epilogue" : "_wide"),
    summary: `C = ${transA ? "Aᵀ" : "A"}·B, ${ROWS} rows per workgroup shared by its invocations, a vec4 of columns per invocation` + (epilogue ? `, then ${epilogue.ops}` : ""),
    sizes,
    bindings,
    helpers: epilogue?.helpers,
    body,
    workgroup: lanes,
    dispatch: (s) => gridFor(colTiles * Math.ceil(s.m / ROWS)),
  });
}
