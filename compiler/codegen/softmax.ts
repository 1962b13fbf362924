import { intAttr } from "../ir/attrs.js";
import { normAxis } from "../ir/ops/common.js";
import type { Node, Type } from "../ir/types.js";
import { assembleKernel } from "./assemble.js";
import { BindingList } from "./bindings.js";
import { CodegenError, tensorOperand, tensorResult, type EmitOptions } from "./emit-context.js";
import { gridFor, groupsFor } from "./grid.js";
import type { KernelSpec } from "./kernel.js";
import { lineLayout } from "./lines.js";
import { F32_MAX_HELPERS, teamPlan, teamPrologue, teamReducer } from "./team.js";
import { SizeTable } from "./wgsl.js";

/**
 * `t.softmax` / `t.log_softmax` along one axis, max-subtracted as the interpreter does: each line
 * (team.ts) takes its maximum, then Σ exp(x − max), then writes exp(x − max)/Σ or x − max − log Σ.
 * Three passes over the line, two team folds; a NaN anywhere in a line makes the line NaN.
 */
export function emitSoftmax(node: Node, inputs: readonly Type[], options: EmitOptions): KernelSpec {
  return softmaxKernel(node, inputs, options, false);
}

export function emitLogSoftmax(node: Node, inputs: readonly Type[], options: EmitOptions): KernelSpec {
  return softmaxKernel(node, inputs, options, true);
}

function softmaxKernel(node: Node, inputs: readonly Type[], options: EmitOptions, log: boolean): KernelSpec {
  const x = tensorOperand(node, inputs, 0);
  tensorResult(node);
  if (x.dtype !== "f32") throw new CodegenError(node.op, `only f32 has a kernel, got ${x.dtype}`, node.span);
  const axis = normAxis(intAttr(node.attrs, "axis"), x.shape.length);
  if (axis === undefined) throw new CodegenError(node.op, "the axis is out of range", node.span);

  const sizes = new SizeTable(options.symbols);
  const layout = lineLayout(x.shape, [axis], sizes);
  const plan = teamPlan(node, options, sizes.known("len"));
  const bindings = new BindingList()
    .add("x", "read", "array<f32>", { kind: "input", input: 0 })
    .add("out", "read_write", "array<f32>", { kind: "output" })
    .finish(sizes);
  const loop = (inner: string) => `  for (var j = member; j < count; j = j + ${plan.team}u) {\n${inner}\n  }\n`;
  const at = "base + gnnc_line_step(j)";
  const value = log ? `x[${at}] - top - log(total)` : `exp(x[${at}] - top) / total`;

  const body = `${teamPrologue(plan, layout.lines, layout.length)}  let base = gnnc_line_base(line);
  var m = gnnc_neg_inf();
${loop(`    m = gnnc_max_nan(m, x[${at}]);`)}  let top = gnnc_team_max(m, lid);
  var s = 0.0;
${loop(`    s = s + exp(x[${at}] - top);`)}  let total = gnnc_team_sum(s, lid);
${loop(`    out[${at}] = ${value};`)}`;
  const name = options.name ?? (log ? "t_log_softmax_f32" : "t_softmax_f32");
  return assembleKernel(node, {
    name,
    summary: `${log ? "log " : ""}softmax of each line of ${layout.length} elements, teams of ${plan.team}`,
    sizes,
    bindings,
    helpers: [
      ...F32_MAX_HELPERS,
      layout.helpers,
      teamReducer("gnnc_team_max", "f32", plan, (a, b) => `gnnc_max_nan(${a}, ${b})`),
      teamReducer("gnnc_team_sum", "f32", plan, (a, b) => `${a} + ${b}`),
    ],
    body,
    workgroup: plan.workgroup,
    dispatch: (s) => gridFor(groupsFor(s.lines, plan.teams)),
  });
}
