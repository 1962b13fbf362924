import type { Node, Type } from "../ir/types.js";
import { spansOf, type EmitOptions } from "./emit-context.js";
import { ENTRY_PARAMS, LINEAR_WORKGROUP, gridFor } from "./grid.js";
import type { KernelSpec } from "./kernel.js";
import { matmulName, matmulSetup } from "./matmul-common.js";
import { kernelModule } from "./wgsl.js";

/**
 * `t.matmul`: C[M,N] = op(A)·op(B), tiled through workgroup memory. A workgroup of 16×16 invocations
 * computes a 64×64 block of C, stepping through K in slices of 16 staged in workgroup memory;
 * each invocation keeps a 4×4 block of C in registers (four vec4 accumulators). Global loads
 * are vec4 where aligned (see matmul-common.ts); otherwise each element is bounds-checked.
 * Edges of the matrices (sizes not multiples of the tile) load zeros and skip stores.
 */

const TILE = 16; // invocations per side of the workgroup
const RM = 4; // rows of C per invocation
const RN = 4; // columns of C per invocation (one vec4)
const BM = TILE * RM; // 64 rows of C per workgroup
const BN = TILE * RN; // 64 columns of C per workgroup
const BK = 16; // depth of one K slice

/** How one operand's tile is read from its stored (row-major) matrix. */
interface TileLoad {
  /** WGSL name of the storage binding. */
  src: string;
  vec4: boolean;
  /** Tile extent along the stored rows and along the stored (contiguous) columns. */
  tileRows: number;
  tileCols: number;
  /** WGSL: first stored row / column of the tile, and the stored matrix's row count / row length. */
  row0: string;
  col0: string;
  rows: string;
  cols: string;
  /** WGSL index into the workgroup array for stored tile position (r, c), c the contiguous axis. */
  dest: (r: string, c: string) => string;
}

/** Each of the 256 invocations loads one run of 4 contiguous stored elements of the tile. */
function loadTile(t: TileLoad, shared: string): string {
  const perRow = t.tileCols / 4;
  const lines = [
    `    {`,
    `      let r = lid / ${perRow}u;`,
    `      let c = (lid % ${perRow}u) * 4u;`,
    `      let gr = ${t.row0} + r;`,
    `      let gc = ${t.col0} + c;`,
  ];
  if (t.vec4) {
    lines.push(
      `      var v = vec4<f32>(0.0);`,
      `      if (gr < ${t.rows} && gc < ${t.cols}) {`,
      `        v = ${t.src}[(gr * ${t.cols} + gc) / 4u];`,
      `      }`,
    );
  } else {
    lines.push(`      var v = vec4<f32>(0.0);`, `      if (gr < ${t.rows}) {`);
    for (let q = 0; q < 4; q++) {
      lines.push(`        if (gc + ${q}u < ${t.cols}) { v[${q}] = ${t.src}[gr * ${t.cols} + gc + ${q}u]; }`);
    }
    lines.push(`      }`);
  }
  for (let q = 0; q < 4; q++) lines.push(`      ${shared}[${t.dest("r", `c + ${q}u`)}] = v[${q}];`);
  lines.push(`    }`);
  return lines.join("\n");
}

/**
 * The workgroup-memory variant (`matmulTiling: "workgroup"`), the classic GPU kernel. On lavapipe
 * it is 4–18× slower than the register variant (barriers split every workgroup into phases), so
 * it is not the default there.
 */
export function emitMatmulWorkgroup(node: Node, inputs: readonly Type[], options: EmitOptions): KernelSpec {
  const setup = matmulSetup(node, inputs, options);
  const { transA, transB, sizes, M, N, K, aVec, bVec, cVec, bindings } = setup;

  // Workgroup arrays: As[k][i] (BK×BM) and Bs[k][j] (BK×BN), k-major so that one k step reads
  // an invocation's 4 rows of op(A) and 4 columns of op(B) as one vec4 each.
  const loadA = loadTile(
    transA
      ? { src: "a", vec4: aVec, tileRows: BK, tileCols: BM, row0: "k0", col0: "i0", rows: K, cols: M, dest: (r, cc) => `${r} * ${BM}u + ${cc}` }
      : { src: "a", vec4: aVec, tileRows: BM, tileCols: BK, row0: "i0", col0: "k0", rows: M, cols: K, dest: (r, cc) => `(${cc}) * ${BM}u + ${r}` },
    "As",
  );
  const loadB = loadTile(
    transB
      ? { src: "b", vec4: bVec, tileRows: BN, tileCols: BK, row0: "j0", col0: "k0", rows: N, cols: K, dest: (r, cc) => `(${cc}) * ${BN}u + ${r}` }
      : { src: "b", vec4: bVec, tileRows: BK, tileCols: BN, row0: "k0", col0: "j0", rows: K, cols: N, dest: (r, cc) => `${r} * ${BN}u + ${cc}` },
    "Bs",
  );

  const accs = Array.from({ length: RM }, (_, r) => `acc${r}`);
  const fmas = accs.map((acc, r) => `      ${acc} = fma(vec4<f32>(av[${r}]), bv, ${acc});`).join("\n");
  const stores = accs
    .map((acc, r) => {
      const head = `  {\n    let i = i0 + ty * ${RM}u + ${r}u;\n    if (i < ${M}) {\n`;
      const tail = `    }\n  }`;
      if (cVec) return `${head}      if (j < ${N}) { c[(i * ${N} + j) / 4u] = ${acc}; }\n${tail}`;
      const each = Array.from({ length: RN }, (_, q) => `      if (j + ${q}u < ${N}) { c[i * ${N} + j + ${q}u] = ${acc}[${q}]; }`);
      return `${head}${each.join("\n")}\n${tail}`;
    })
    .join("\n");

  const body = `var<workgroup> As: array<f32, ${BK * BM}>;
var<workgroup> Bs: array<f32, ${BK * BN}>;

@compute @workgroup_size(${TILE * TILE})
fn main(${ENTRY_PARAMS}) {
  let col_tiles = (${N} + ${BN - 1}u) / ${BN}u;
  let tiles = col_tiles * ((${M} + ${BM - 1}u) / ${BM}u);
  let wg = ${LINEAR_WORKGROUP};
  if (wg >= tiles) {
    return;
  }
  let i0 = (wg / col_tiles) * ${BM}u;
  let j0 = (wg % col_tiles) * ${BN}u;
  let tx = lid % ${TILE}u;
  let ty = lid / ${TILE}u;
${accs.map((acc) => `  var ${acc} = vec4<f32>(0.0);`).join("\n")}
  for (var k0 = 0u; k0 < ${K}; k0 = k0 + ${BK}u) {
${loadA}
${loadB}
    workgroupBarrier();
    for (var kk = 0u; kk < ${BK}u; kk = kk + 1u) {
      let av = vec4<f32>(${Array.from({ length: RM }, (_, r) => `As[kk * ${BM}u + ty * ${RM}u + ${r}u]`).join(", ")});
      let bv = vec4<f32>(${Array.from({ length: RN }, (_, q) => `Bs[kk * ${BN}u + tx * ${RN}u + ${q}u]`).join(", ")});
${fmas}
    }
    workgroupBarrier();
  }
  let j = j0 + tx * ${RN}u;
${stores}
}
`;
  const name = matmulName(options, setup, "_wg");
  const summary = `C = ${transA ? "Aᵀ" : "A"}·${transB ? "Bᵀ" : "B"}, ${BM}×${BN} tiles, ${RM}×${RN} per invocation`;
  return {
    name,
    op: node.op,
    ...kernelModule({ name, summary, sizes, bindings, body }),
    entryPoint: "main",
    workgroupSize: [TILE * TILE, 1, 1],
    bindings,
    sizes: sizes.all,
    uniforms: sizes.uniforms,
    dispatch: (s) => gridFor(Math.ceil(s.m / BM) * Math.ceil(s.n / BN)),
    spans: spansOf(node),
  };
}
