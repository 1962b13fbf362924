import type { Node, Type } from "../ir/types.js";
import { assembleKernel } from "./assemble.js";
import { BindingList } from "./bindings.js";
import { identOf, tensorOperand, tensorResult, type EmitOptions } from "./emit-context.js";
import { helperTexts } from "./elementwise-ops.js";
import { gridFor, groupsFor } from "./grid.js";
import type { KernelSpec } from "./kernel.js";
import { reducedLines } from "./lines.js";
import { teamPlan, teamPrologue, teamReducer } from "./team.js";

import { refuseInPlace } from "./words.js";

/**
 * `t.argmax_onehot` (where t.max's gradient goes): 1 at the first maximum of each line reduced
 * over `axes`, row-major, 0 elsewhere. The interpreter scans a line in order and moves to an
 * element only when it is strictly greater, so: a line whose first element is NaN keeps that
 * element; otherwise NaNs are never chosen, and ties go to the earliest element.
 *
 * Each line belongs to a team (team.ts): members fold (value, position) candidates over their
 * elements in order, the team combines them by a fixed tree, and then every member writes its own
 * elements (1 at the winner, 0 elsewhere) — each element written once, so no storage barrier.
 */

const NONE = "0xffffffffu";

function candidateHelpers(scalar: "f32" | "i32" | "u32"): string {
  return `struct Candidate {
  v: ${scalar},
  j: u32,
}

/** The better of two candidates (j = ${NONE}: none): the larger value, the earlier position on ties. */
fn gnnc_better(a: Candidate, b: Candidate) -> Candidate {
  if (b.j == ${NONE}) {
    return a;
  }
  if (a.j == ${NONE} || b.v > a.v || (b.v == a.v && b.j < a.j)) {
    return b;
  }
  return a;
}
`;
}

export function emitArgmaxOnehot(node: Node, inputs: readonly Type[], options: EmitOptions): KernelSpec {
  refuseInPlace(node, options);
  const x = tensorOperand(node, inputs, 0);
  tensorResult(node);
  const { scalar, sizes, layout } = reducedLines(node, x, options.symbols);
  const plan = teamPlan(node, options, sizes.known("len"));
  const bindings = new BindingList()
    .add("x", "read", `array<${scalar}>`, { kind: "input", input: 0 })
    .add("out", "read_write", `array<${scalar}>`, { kind: "output" })
    .finish(sizes);
  const isFloat = scalar === "f32";
  const one = isFloat ? "1.0" : `1${scalar === "i32" ? "i" : "u"}`;
  const zero = isFloat ? "0.0" : `0${scalar === "i32" ? "i" : "u"}`;
  const at = "base + gnnc_line_step(j)";
  // NaN is never a candidate; only a NaN first element wins (it is where the interpreter's scan starts and stays).
  const usable = isFloat ? "!gnnc_isnan(v) && " : "";
  const firstNan = isFloat ? `\n  let stuck = count > 0u && gnnc_isnan(x[base]);` : "\n  let stuck = false;";

  const body = `${teamPrologue(plan, layout.lines, layout.length)}  let base = gnnc_line_base(line);
  var best = Candidate(${zero}, ${NONE});
  for (var j = member; j < count; j = j + ${plan.team}u) {
    let v = x[${at}];
    if (${usable}(best.j == ${NONE} || v > best.v)) {
      best = Candidate(v, j);
    }
  }
  let winner = gnnc_team_best(best, lid);${firstNan}
  let chosen = select(winner.j, 0u, stuck);
  for (var j = member; j < count; j = j + ${plan.team}u) {
    out[${at}] = select(${zero}, ${one}, j == chosen);
  }
`;
  return assembleKernel(node, {
    name: options.name ?? `${identOf(node.op)}_${scalar}`,
    summary: `one-hot of the first maximum of each line of ${layout.length} elements, teams of ${plan.team}`,
    sizes,
    bindings,
    helpers: [
      ...(isFloat ? helperTexts(["gnnc_isnan"]) : []),
      candidateHelpers(scalar),
      layout.helpers,
      teamReducer("gnnc_team_best", "Candidate", plan, (a, b) => `gnnc_better(${a}, ${b})`),
    ],
    body,
    workgroup: plan.workgroup,
    dispatch: (s) => gridFor(groupsFor(s.lines, plan.teams)),
  });
}
