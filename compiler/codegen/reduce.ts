import type { Node, Type } from "../ir/types.js";
import { assembleKernel } from "./assemble.js";
import { BindingList } from "./bindings.js";
import { identOf, tensorOperand, tensorResult, type EmitOptions } from "./emit-context.js";
import { gridFor, groupsFor } from "./grid.js";
import type { KernelSpec } from "./kernel.js";
import { reducedLines, type LineLayout } from "./lines.js";
import { F32_MAX_HELPERS, teamPlan, teamPrologue, teamReducer } from "./team.js";
import { SizeTable } from "./wgsl.js";

/**
 * `t.sum`, `t.mean`, `t.max` over any set of axes: one team per output element folds its line
 * (lines.ts, team.ts) — deterministic, no atomics. As in the interpreter, integer sums wrap
 * modulo 2³², integer means truncate toward zero, an empty mean is NaN (0 for integers) and an
 * empty max is −Inf (0 for integers). f32 sums are folded in f32 (the interpreter uses f64), so a
 * line of n elements agrees to about √n·ε of its magnitude.
 *
 * Two vec4 layouts cut the loads four-fold where sizes allow (about 3× faster on lavapipe):
 * - `across`: lines are columns side by side in memory in fours (a sum over axis 0 of [N,C] with
 *   C a multiple of 4, the bias gradient) — a team folds four neighbouring columns at once;
 * - `along`: lines are contiguous rows whose length is a multiple of 4 (means over the last axis,
 *   as in layer norm's gradient) — members fold vec4s of their row, then their four lanes.
 */

type Kind = "sum" | "mean" | "max";
type Scalar = "f32" | "i32" | "u32";

/** The fold's start, its combine, and the output expression from the folded value `t`. */
interface Fold {
  identity: string;
  combine(a: string, b: string): string;
  finish(t: string, length: string): string;
  helpers: readonly string[];
}

/** The fold of `kind` over values of `type` (a scalar or a vec4 of one). */
function foldOf(kind: Kind, scalar: Scalar, type: string): Fold {
  const splat = (v: string) => (type === scalar ? v : `${type}(${v})`);
  const zero = splat(scalar === "f32" ? "0.0" : `0${scalar === "i32" ? "i" : "u"}`);
  if (kind === "max") {
    if (scalar === "f32") {
      const max = type === scalar ? "gnnc_max_nan" : "gnnc_max_nan4";
      return { identity: splat("gnnc_neg_inf()"), combine: (a, b) => `${max}(${a}, ${b})`, finish: (t) => t, helpers: F32_MAX_HELPERS };
    }
    // −Inf stored into an integer array is 0: that is what an empty integer max gives.
    const lowest = splat(scalar === "i32" ? "(-2147483647i - 1i)" : "0u");
    return { identity: lowest, combine: (a, b) => `max(${a}, ${b})`, finish: (t, len) => `select(${t}, ${zero}, ${len} == 0u)`, helpers: [] };
  }
  const count = (len: string) => splat(scalar === "u32" ? len : `${scalar}(${len})`);
  const finish =
    kind === "sum"
      ? (t: string) => t
      : scalar === "f32"
        ? (t: string, len: string) => `${t} / ${count(len)}`
        : (t: string, len: string) => `select(${t} / ${count(len)}, ${zero}, ${len} == 0u)`;
  return { identity: zero, combine: (a, b) => `${a} + ${b}`, finish, helpers: [] };
}

type Lanes = "scalar" | "across" | "along";

function lanesOf(layout: LineLayout, sizes: SizeTable): Lanes {
  if (layout.sideBySide !== undefined && layout.sideBySide % 4 === 0) return "across";
  const length = sizes.known("len");
  if (layout.contiguous && length !== undefined && length % 4 === 0) return "along";
  return "scalar";
}

export function emitReduction(node: Node, inputs: readonly Type[], options: EmitOptions): KernelSpec {
  const kind = node.op.slice(2) as Kind;
  const x = tensorOperand(node, inputs, 0);
  tensorResult(node);
  const { scalar, sizes, layout } = reducedLines(node, x, options.symbols);
  const lanes = lanesOf(layout, sizes);
  const vec = `vec4<${scalar}>`;
  // What a team folds (vec4s of four lines when across), and what a member loads.
  const type = lanes === "across" ? vec : scalar;
  const load = lanes === "scalar" ? scalar : vec;
  const plan = teamPlan(node, options, lanes === "along" ? sizes.known("len")! / 4 : sizes.known("len"));
  const fold = foldOf(kind, scalar, type);
  const bindings = new BindingList()
    .add("x", "read", `array<${load}>`, { kind: "input", input: 0 })
    .add("out", "read_write", `array<${type}>`, { kind: "output" })
    .finish(sizes);

  let loop: string;
  if (lanes === "along") {
    const lane = foldOf(kind, scalar, vec);
    const c = fold.combine;
    loop = `${teamPrologue(plan, layout.lines, `(${layout.length} / 4u)`)}  let base = gnnc_line_base(line) / 4u;
  var acc4 = ${lane.identity};
  for (var j = member; j < count; j = j + ${plan.team}u) {
    acc4 = ${lane.combine("acc4", "x[base + j]")};
  }
  let acc = ${c(c("acc4.x", "acc4.y"), c("acc4.z", "acc4.w"))};
`;
  } else {
    const across = lanes === "across";
    const at = across ? "(base + gnnc_line_step(j)) / 4u" : "base + gnnc_line_step(j)";
    loop = `${teamPrologue(plan, across ? `(${layout.lines} / 4u)` : layout.lines, layout.length)}  let base = gnnc_line_base(${across ? "line * 4u" : "line"});
  var acc = ${fold.identity};
  for (var j = member; j < count; j = j + ${plan.team}u) {
    acc = ${fold.combine("acc", `x[${at}]`)};
  }
`;
  }
  const body = `${loop}  let total = gnnc_team_fold(acc, lid);
  if (live && member == 0u) {
    out[line] = ${fold.finish("total", layout.length)};
  }
`;
  const suffix = lanes === "scalar" ? "" : `_${lanes}4`;
  const name = options.name ?? `${identOf(node.op)}_${scalar}${suffix}`;
  const how = lanes === "across" ? ", four lines at a time" : lanes === "along" ? ", by vec4s" : "";
  return assembleKernel(node, {
    name,
    summary: `${kind} of each line of ${layout.length} elements${how}, teams of ${plan.team}`,
    sizes,
    bindings,
    helpers: [...fold.helpers, layout.helpers, teamReducer("gnnc_team_fold", type, plan, fold.combine)],
    body,
    workgroup: plan.workgroup,
    dispatch: (s) => gridFor(groupsFor(Math.ceil(s.lines / (lanes === "across" ? 4 : 1)), plan.teams)),
  });
}
