import type { Node } from "../ir/types.js";
import { assembleKernel } from "./assemble.js";
import type { EmitOptions } from "./emit-context.js";
import { LINEAR_WORKGROUP, gridFor } from "./grid.js";
import type { KernelSpec } from "./kernel.js";
import { flatIndex, matmulName, type MatmulSetup } from "./matmul-common.js";

/**
 * `t.matmul` with a small output and a long K — a weight's gradient Xᵀ·G sums over every node —
 * where the register-blocked kernel (matmul.ts) would run a few workgroups, each looping over all
 * of K alone (one workgroup for a [64, 7] gradient over a million nodes). Here a team of T
 * invocations shares each 4×4 block of C: member m folds k = m, m+T, m+2T, … into four vec4
 * accumulators, then the team adds its partial blocks by a fixed binary tree in workgroup memory
 * (deterministic, no atomics), and member 0 stores the in-bounds part of the block.
 */

const Q = [0, 1, 2, 3];
/** Elements of K one member folds before a bigger team pays off. */
const K_PER_MEMBER = 128;
const MAX_TEAM = 64;

/** The team size for a matmul of these sizes, or undefined when the register-blocked kernel suits it better. */
export function matmulTeam(setup: MatmulSetup, registerWorkgroups: number | undefined): number | undefined {
  const k = setup.sizes.known("k");
  if (setup.epilogue || k === undefined || registerWorkgroups === undefined || registerWorkgroups >= 8 || k < 4 * K_PER_MEMBER) return undefined;
  let team = 1;
  while (team < MAX_TEAM && team * K_PER_MEMBER < k) team *= 2;
  return team;
}

/**
 * The workgroup's group `grp` and tile `wg` (of `tiles`). Surplus workgroups of the grid get a
 * tile past the last, so that they fold nothing but still reach every barrier.
 */
function groupPlace(s: MatmulSetup): string {
  if (!s.groups) return `  let wg = ${LINEAR_WORKGROUP};`;
  return `  let flat = min(${LINEAR_WORKGROUP}, tiles * ${s.groups});
  let grp = min(flat / tiles, ${s.groups} - 1u);
  let wg = select(flat % tiles, tiles, flat >= tiles * ${s.groups});`;
}

export function emitMatmulTeams(node: Node, options: EmitOptions, setup: MatmulSetup, team: number): KernelSpec {
  const { transA, transB, aVec, bVec, cVec, sizes, M, N, K, bindings, layout } = setup;
  const at = (name: string, vec: boolean, index: string) => (vec ? `${name}[(${index}) / 4u][(${index}) % 4u]` : `${name}[${index}]`);
  const a = (row: string, col: string) => flatIndex(layout.a, row, col);
  const b = (row: string, col: string) => flatIndex(layout.b, row, col);
  const c = (row: string, col: string) => flatIndex(layout.c, row, col);
  const aRow = (r: number) => (transA ? at("a", aVec, a("k", `r${r}`)) : at("a", aVec, a(`r${r}`, "k")));
  // A transposed with M a multiple of 4: the block's four rows are one aligned vec4 at row k.
  const aLoad = transA && aVec ? `    let a4 = a[(${a("k", "i0")}) / 4u];` : "";
  const aOf = (r: number) => (transA && aVec ? `a4[${r}]` : aRow(r));
  const bLoad = !transB && bVec ? `b[(${b("k", "j0")}) / 4u]` : `vec4<f32>(${Q.map((q) => (transB ? at("b", bVec, b(`c${q}`, "k")) : at("b", bVec, b("k", `c${q}`)))).join(", ")})`;
  const stores = Q.map((r) => {
    const row = `(i0 + ${r}u)`;
    const store = cVec
      ? `    c[(${c(row, "j0")}) / 4u] = total${r};`
      : Q.map((q) => `    if (j0 + ${q}u < ${N}) { c[${c(row, `j0 + ${q}u`)}] = total${r}[${q}]; }`).join("\n");
    return `  if (${row} < ${M}) {\n${store}\n  }`;
  }).join("\n");
  const body = `  let col_tiles = (${N} + 3u) / 4u;
  let tiles = col_tiles * ((${M} + 3u) / 4u);
${groupPlace(setup)}
  // Surplus workgroups fold nothing but still reach every barrier.
  let live = wg < tiles;
  let i0 = (wg / col_tiles) * 4u;
  let j0 = (wg % col_tiles) * 4u;
  // Rows and columns past the edge read the last one (in bounds); their results are not stored.
${Q.map((r) => `  let r${r} = min(i0 + ${r}u, ${M} - 1u);`).join("\n")}
${Q.map((c) => `  let c${c} = min(j0 + ${c}u, ${N} - 1u);`).join("\n")}
${Q.map((r) => `  var acc${r} = vec4<f32>(0.0);`).join("\n")}
  let count = select(0u, ${K}, live);
  for (var k = lid; k < count; k = k + ${team}u) {
${aLoad}
    let bk = ${bLoad};
${Q.map((r) => `    acc${r} = fma(vec4<f32>(${aOf(r)}), bk, acc${r});`).join("\n")}
  }
${Q.map((r) => `  partial[lid * 4u + ${r}u] = acc${r};`).join("\n")}
  workgroupBarrier();
  for (var s = ${team / 2}u; s > 0u; s = s / 2u) {
    if (lid < s) {
${Q.map((r) => `      partial[lid * 4u + ${r}u] = partial[lid * 4u + ${r}u] + partial[(lid + s) * 4u + ${r}u];`).join("\n")}
    }
    workgroupBarrier();
  }
  if (!live || lid != 0u) {
    return;
  }
${Q.map((r) => `  let total${r} = partial[${r}u];`).join("\n")}
${stores}
`;
  return assembleKernel(node, {
    name: matmulName(options, setup, "_teams"),
    summary: `C${setup.groups ? "_g" : ""} = ${transA ? "Aᵀ" : "A"}·${transB ? "Bᵀ" : "B"}${setup.groups ? ` for each of ${setup.groups} groups` : ""}, a team of ${team} per 4×4 block of C sharing K`,
    sizes,
    bindings,
    helpers: [`var<workgroup> partial: array<vec4<f32>, ${4 * team}>;\n`],
    body,
    workgroup: team,
    dispatch: (s) => gridFor((setup.groups ? s.g : 1) * Math.ceil(s.m / 4) * Math.ceil(s.n / 4)),
  });
}
