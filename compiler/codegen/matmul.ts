import { evalDim } from "../ir/dims.js";
import type { Node, Type } from "../ir/types.js";
import { CodegenError, spansOf, type EmitOptions } from "./emit-context.js";
import type { EpilogueHook } from "./epilogue-apply.js";
import { ENTRY_PARAMS, LINEAR_WORKGROUP, gridFor } from "./grid.js";
import type { KernelSpec } from "./kernel.js";
import { emitMatmulTeams, matmulTeam } from "./matmul-teams.js";
import { emitMatmulWide, suitsWide } from "./matmul-wide.js";
import { emitMatmulWorkgroup } from "./matmul-workgroup.js";
import { flatIndex, matmulName, matmulSetup, type MatmulSetup } from "./matmul-common.js";
import { kernelModule } from "./wgsl.js";

/**
 * `t.matmul`: C[M,N] = op(A)·op(B), register-blocked. Each invocation computes a 4×4 block of C
 * in four vec4 accumulators, stepping through K four at a time with vec4 loads where aligned
 * (matmul-common.ts); a workgroup of 64 covers a tile of 4·WY rows by 4·WX columns, its shape
 * fitted to narrow outputs (N = 16 uses 4×16 invocations, not 16×4 with three quarters idle).
 * Operands are read straight from storage, not staged in workgroup memory: on lavapipe that is
 * 4× faster for square products and 18× for the narrow ones GNNs are made of (X·W with 16
 * columns), because barriers split each workgroup into separately scheduled phases. Rows and
 * columns past the edge of C are clamped on load and skipped on store. A small C over a long K
 * (a weight's gradient over every node) goes to matmul-teams.ts instead, a wide one
 * (N ≥ 32, B not transposed) to matmul-wide.ts.
 */

const ROWS = 4; // rows of C per invocation
const COLS = 4; // columns of C per invocation (one vec4)
const INVOCATIONS = 64;
const Q = [0, 1, 2, 3];

/** Invocations across the columns: enough 4-wide column blocks to cover N, at most 16. */
function columnsAcross(s: MatmulSetup): number {
  const n = s.sizes.known("n");
  if (n === undefined) return 16;
  let wx = 1;
  while (wx < 16 && wx * COLS < n) wx *= 2;
  return wx;
}

/** WGSL of one K step: loads of op(A)[rows, k+q] and op(B)[k+q, cols], then the FMAs. */
function stepCode(s: MatmulSetup, offsets: readonly number[], indent: string): string {
  const { transA, transB, aVec, bVec, layout } = s;
  const a = (row: string, col: string) => flatIndex(layout.a, row, col);
  const b = (row: string, col: string) => flatIndex(layout.b, row, col);
  const kq = (q: number) => (q === 0 ? "k" : `(k + ${q}u)`);
  const lines: string[] = [];
  // Along-K vec4s (non-transposed A, transposed B) cover four steps at once.
  const alongK = offsets.length === 4;
  if (!transA && aVec && alongK) for (const r of Q) lines.push(`let ar${r} = a[(${a(`r${r}`, "k")}) / 4u];`);
  if (transB && bVec && alongK) for (const c of Q) lines.push(`let bc${c} = b[(${b(`c${c}`, "k")}) / 4u];`);
  for (const q of offsets) {
    const aOf = (r: number): string => {
      if (!transA) return aVec ? `ar${r}[${q}]` : `a[${a(`r${r}`, kq(q))}]`;
      return aVec ? `aq${q}[${r}]` : `a[${a(kq(q), `r${r}`)}]`;
    };
    if (transA && aVec) lines.push(`let aq${q} = a[(${a(kq(q), "i0")}) / 4u];`);
    let bq: string;
    if (!transB) bq = bVec ? `b[(${b(kq(q), "j0")}) / 4u]` : `vec4<f32>(${Q.map((c) => `b[${b(kq(q), `c${c}`)}]`).join(", ")})`;
    else bq = bVec ? `vec4<f32>(${Q.map((c) => `bc${c}[${q}]`).join(", ")})` : `vec4<f32>(${Q.map((c) => `b[${b(`c${c}`, kq(q))}]`).join(", ")})`;
    lines.push(`let b${q} = ${bq};`);
    for (const r of Q) lines.push(`acc${r} = fma(vec4<f32>(${aOf(r)}), b${q}, acc${r});`);
  }
  return lines.map((l) => `${indent}${l}`).join("\n");
}

/** Stores of the in-bounds parts of the 4×4 block, each value through the epilogue when there is one. */
function storeCode(s: MatmulSetup): string {
  const { M, N, cVec, epilogue, layout } = s;
  // An epilogue's operands are indexed like C (no epilogue on grouped products: emitMatmulOf).
  const c = (row: string, col: string) => flatIndex(layout.c, row, col);
  return Q.map((r) => {
    const row = `(i0 + ${r}u)`;
    let store: string;
    if (cVec) {
      const at = `c[(${c(row, "j0")}) / 4u]`;
      store = epilogue ? epilogue.apply(4, c(row, "j0"), `acc${r}`, (v) => `${at} = ${v};`, "    ") : `    ${at} = acc${r};`;
    } else {
      store = Q.map((q) => {
        const at = `c[${c(row, `j0 + ${q}u`)}]`;
        if (!epilogue) return `    if (j0 + ${q}u < ${N}) { ${at} = acc${r}[${q}]; }`;
        return `    if (j0 + ${q}u < ${N}) {\n${epilogue.apply(1, c(row, `j0 + ${q}u`), `acc${r}[${q}]`, (v) => `${at} = ${v};`, "      ")}\n    }`;
      }).join("\n");
    }
    return `  if (${row} < ${M}) {\n${store}\n  }`;
  }).join("\n");
}

/**
 * The workgroup's place: its group `grp` (products side by side, MatmulSetup.groups) and its
 * tile `wg` of that product's `tiles`; surplus workgroups return. Workgroups take the groups of
 * one tile one after another, so that the rows of A a tile reads are read whole, G blocks side
 * by side, while they are in cache — rather than each group sweeping every row for one block.
 * Ten models' H1·W2ᵀ on Coauthor CS ([18333, 160] by [10, 15, 16]), isolated on lavapipe:
 * 32.0 and 36.5 ms by group, 23.7 and 24.8 ms by tile.
 */
function workgroupPlace(s: MatmulSetup, tiles: string): string {
  if (!s.groups) return `  let wg = ${LINEAR_WORKGROUP};
  if (wg >= ${tiles}) {
    return;
  }`;
  return `  let flat = ${LINEAR_WORKGROUP};
  if (flat >= ${tiles} * ${s.groups}) {
    return;
  }
  let grp = flat % ${s.groups};
  let wg = flat / ${s.groups};`;
}

/** `epilogue`: applied to each value before it is stored (t.matmul_epilogue, see epilogue.ts). */
export function emitMatmul(node: Node, inputs: readonly Type[], options: EmitOptions, epilogue?: EpilogueHook): KernelSpec {
  if (options.matmulTiling === "workgroup") {
    if (epilogue) throw new CodegenError(node.op, "the workgroup-tiled matmul has no epilogue variant", node.span);
    return emitMatmulWorkgroup(node, inputs, options);
  }
  return emitMatmulOf(node, options, matmulSetup(node, inputs, options, epilogue));
}

/**
 * The kernel of a matmul set up (matmul-common.ts): register-blocked, or by teams for a small C
 * over a long K; one workgroup row per group when the setup has several (group-matmul.ts).
 */
export function emitMatmulOf(node: Node, options: EmitOptions, setup: MatmulSetup): KernelSpec {
  const { sizes, M, N, K, bindings } = setup;
  if (setup.groups && setup.epilogue) throw new CodegenError(node.op, "a grouped matmul has no epilogue variant", node.span);
  const wx = columnsAcross(setup);
  const wy = INVOCATIONS / wx;
  const tileRows = wy * ROWS;
  const tileCols = wx * COLS;
  const [m, n] = [sizes.known("m"), sizes.known("n")];
  const team = matmulTeam(setup, m === undefined || n === undefined ? undefined : Math.ceil(m / tileRows) * Math.ceil(n / tileCols));
  if (team !== undefined) return emitMatmulTeams(node, options, setup, team);
  if (suitsWide(setup)) return emitMatmulWide(node, options, setup);
  // K a known multiple of 4 needs no single-step tail after the 4-step loop.
  const kKnown = evalDim(sizes.all.k, options.symbols ?? {});
  const tail = kKnown === undefined || kKnown % 4 !== 0;

  const body = `@compute @workgroup_size(${INVOCATIONS})
fn main(${ENTRY_PARAMS}) {
  let col_tiles = (${N} + ${tileCols - 1}u) / ${tileCols}u;
${workgroupPlace(setup, `col_tiles * ((${M} + ${tileRows - 1}u) / ${tileRows}u)`)}
  let i0 = (wg / col_tiles) * ${tileRows}u + (lid / ${wx}u) * ${ROWS}u;
  let j0 = (wg % col_tiles) * ${tileCols}u + (lid % ${wx}u) * ${COLS}u;
  if (i0 >= ${M} || j0 >= ${N}) {
    return;
  }
  // Rows and columns past the edge read the last one (in bounds); their results are not stored.
${Q.map((r) => `  let r${r} = min(i0 + ${r}u, ${M} - 1u);`).join("\n")}
${Q.map((c) => `  let c${c} = min(j0 + ${c}u, ${N} - 1u);`).join("\n")}
${Q.map((r) => `  var acc${r} = vec4<f32>(0.0);`).join("\n")}
  var k = 0u;
  for (; k + 4u <= ${K}; k = k + 4u) {
${stepCode(setup, Q, "    ")}
  }
${
  tail
    ? `  for (; k < ${K}; k = k + 1u) {
${stepCode(setup, [0], "    ")}
  }
`
    : ""
}${storeCode(setup)}
}
`;
  const name = matmulName(options, setup, setup.epilogue ? "_epilogue" : "");
  const summary =
    `C${setup.groups ? "_g" : ""} = ${setup.transA ? "Aᵀ" : "A"}·${setup.transB ? "Bᵀ" : "B"}${setup.groups ? ` for each of ${setup.groups} groups` : ""}, ${ROWS}×${COLS} per invocation, ${tileRows}×${tileCols} per workgroup` +
    (setup.epilogue ? `, then ${setup.epilogue.ops}` : "");
  return {
    name,
    op: node.op,
    ...kernelModule({ name, summary, sizes, bindings, helpers: setup.epilogue?.helpers, body }),
    entryPoint: "main",
    workgroupSize: [INVOCATIONS, 1, 1],
    bindings,
    sizes: sizes.all,
    uniforms: sizes.uniforms,
    dispatch: (s) => gridFor((setup.groups ? s.g : 1) * Math.ceil(s.m / tileRows) * Math.ceil(s.n / tileCols)),
    spans: spansOf(node),
  };
}
