import type { Node } from "../ir/types.js";
import { helperTexts } from "./elementwise-ops.js";
import { DEFAULT_WORKGROUP, workgroupSizeOf, type EmitOptions } from "./emit-context.js";
import { LINEAR_WORKGROUP } from "./grid.js";

/**
 * Teams: how line kernels (reductions, softmax, normalisations, losses) spread a line over
 * invocations. A team of T consecutive invocations owns one line; member m folds elements m,
 * m+T, m+2T, … in order, then the team combines its T partial results by a fixed binary tree in
 * workgroup memory. Every step is in a fixed order, so results are deterministic run to run, and
 * no atomics are needed. A workgroup holds workgroup/T teams.
 *
 * Short lines get small teams (down to one invocation, which folds its line alone with no
 * barrier); long or symbolic lines (N nodes) get the largest, so a column of 200k rows is
 * shared by 256 invocations of ~800 elements each.
 */

/** WebGPU's default maxComputeInvocationsPerWorkgroup: the largest team a portable kernel may use. */
export const MAX_TEAM = 256;
/** Elements one member folds alone before a line is worth a bigger team. */
const ELEMENTS_PER_MEMBER = 128;

export interface TeamPlan {
  workgroup: number;
  team: number;
  /** Teams (lines) per workgroup. */
  teams: number;
}

function nextPowerOfTwo(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/**
 * The team for lines of `length` elements (undefined: symbolic, assumed long). `whole` asks for
 * one team per workgroup (kernels with a single line). `options.workgroupSize` caps the team.
 */
export function teamPlan(node: Node, options: EmitOptions, length: number | undefined, whole = false): TeamPlan {
  const wanted = whole || length === undefined ? MAX_TEAM : Math.min(MAX_TEAM, nextPowerOfTwo(Math.ceil(length / ELEMENTS_PER_MEMBER)));
  const workgroup =
    options.workgroupSize !== undefined ? workgroupSizeOf(node, options) : Math.max(DEFAULT_WORKGROUP, wanted);
  const team = whole ? workgroup : Math.min(wanted, workgroup);
  return { workgroup, team, teams: workgroup / team };
}

/**
 * Statements defining `member` (0 … T−1), `line` (the team's line), `live` (line < lines) and
 * `count` (the units the team folds: `length`, or 0 for the surplus teams of the last workgroup,
 * which must still reach every barrier and so may not return early).
 */
export function teamPrologue(plan: TeamPlan, lines: string, length: string): string {
  return [
    `  let member = lid % ${plan.team}u;`,
    `  let line = ${LINEAR_WORKGROUP} * ${plan.teams}u + lid / ${plan.team}u;`,
    `  let live = line < ${lines};`,
    `  let count = select(0u, ${length}, live);`,
    "",
  ].join("\n");
}

/**
 * A WGSL function `name(v, lid) -> type` combining `v` over each team with `combine` (a binary
 * WGSL expression builder); every member receives the result. Must be called in uniform control
 * flow (it has barriers). A team of one returns `v` without touching workgroup memory.
 */
export function teamReducer(name: string, type: string, plan: TeamPlan, combine: (a: string, b: string) => string): string {
  if (plan.team === 1) return `fn ${name}(v: ${type}, lid: u32) -> ${type} {\n  return v;\n}\n`;
  const scratch = `${name}_scratch`;
  return `var<workgroup> ${scratch}: array<${type}, ${plan.workgroup}>;

fn ${name}(v: ${type}, lid: u32) -> ${type} {
  ${scratch}[lid] = v;
  workgroupBarrier();
  for (var s = ${plan.team / 2}u; s > 0u; s = s / 2u) {
    if (lid % ${plan.team}u < s) {
      ${scratch}[lid] = ${combine(`${scratch}[lid]`, `${scratch}[lid + s]`)};
    }
    workgroupBarrier();
  }
  let result = ${scratch}[lid - lid % ${plan.team}u];
  workgroupBarrier();
  return result;
}
`;
}

/**
 * Helpers for f32 maxima (scalar and vec4) as the interpreter takes them: Math.max lets NaN win,
 * and folds start from −Inf — which WGSL cannot write as a constant, so it is read from the bits
 * in a private variable.
 */
export const F32_MAX_HELPERS: readonly string[] = [
  ...helperTexts(["gnnc_isnan"]),
  `var<private> gnnc_neg_inf_bits: u32 = 0xff800000u;

fn gnnc_neg_inf() -> f32 {
  return bitcast<f32>(gnnc_neg_inf_bits);
}

fn gnnc_max_nan(a: f32, b: f32) -> f32 {
  return select(select(max(a, b), b, gnnc_isnan(b)), a, gnnc_isnan(a));
}

fn gnnc_isnan4(x: vec4<f32>) -> vec4<bool> {
  return (bitcast<vec4<u32>>(x) & vec4<u32>(0x7fffffffu)) > vec4<u32>(0x7f800000u);
}

fn gnnc_max_nan4(a: vec4<f32>, b: vec4<f32>) -> vec4<f32> {
  return select(select(max(a, b), b, gnnc_isnan4(b)), a, gnnc_isnan4(a));
}
`,
];
