import { floatAttr } from "../ir/attrs.js";
import type { Node, Type } from "../ir/types.js";
import { assembleKernel } from "./assemble.js";
import { BindingList } from "./bindings.js";
import { CodegenError, attrLiteral, tensorOperand, tensorResult, type EmitOptions } from "./emit-context.js";
import { gridFor, groupsFor } from "./grid.js";
import type { KernelSpec } from "./kernel.js";
import { lineLayout } from "./lines.js";
import { teamPlan, teamPrologue, teamReducer } from "./team.js";
import { SizeTable } from "./wgsl.js";

/**
 * `nn.batch_norm(x[N,C], weight, bias, running_mean, running_var)`: y = (x − μ_c)·1/√(σ²_c + eps)
 * ·weight[c] + bias[c]. Each channel's column is one line (team.ts): in training the team takes
 * the column's mean and biased variance (two passes, as the interpreter does); in eval it reads
 * the running statistics, which training mode does not bind at all. With C a multiple of 4, a
 * team takes four neighbouring channels in vec4s.
 */
export function emitBatchNorm(node: Node, inputs: readonly Type[], options: EmitOptions): KernelSpec {
  const x = tensorOperand(node, inputs, 0);
  tensorResult(node);
  if (x.dtype !== "f32" || x.shape.length !== 2) throw new CodegenError(node.op, `needs x f32[N,C], got ${x.dtype} of rank ${x.shape.length}`, node.span);
  const training = node.attrs.training !== false;
  const eps = attrLiteral(node, floatAttr(node.attrs, "eps"), "eps");

  const sizes = new SizeTable(options.symbols);
  const layout = lineLayout(x.shape, [0], sizes);
  const plan = teamPlan(node, options, sizes.known("len"));
  // Channels in fours when C is a multiple of 4: one vec4 per row and team (see reduce.ts).
  const lanes = layout.sideBySide !== undefined && layout.sideBySide % 4 === 0 ? 4 : 1;
  const type = lanes === 4 ? "vec4<f32>" : "f32";
  const array = `array<${type}>`;
  const list = new BindingList()
    .add("x", "read", array, { kind: "input", input: 0 })
    .add("weight", "read", array, { kind: "input", input: 1 })
    .add("bias", "read", array, { kind: "input", input: 2 });
  if (!training) {
    list.add("running_mean", "read", array, { kind: "input", input: 3 });
    list.add("running_var", "read", array, { kind: "input", input: 4 });
  }
  const bindings = list.add("out", "read_write", array, { kind: "output" }).finish(sizes);

  const index = lanes === 4 ? "(base + gnnc_line_step(j)) / 4u" : "base + gnnc_line_step(j)";
  const loop = (inner: string) => `  for (var j = member; j < count; j = j + ${plan.team}u) {\n    let at = ${index};\n${inner}\n  }\n`;
  const n = `${type}(f32(${layout.length}))`;
  // Surplus teams of the last workgroup read channel 0's parameters rather than past the end.
  const stats = training
    ? `  var s = ${type}(0.0);
${loop("    s = s + x[at];")}  let mean = gnnc_team_sum(s, lid) / ${n};
  var q = ${type}(0.0);
${loop("    let d = x[at] - mean;\n    q = q + d * d;")}  let variance = gnnc_team_sum(q, lid) / ${n};
`
    : `  let mean = running_mean[ch];
  let variance = running_var[ch];
`;
  const units = lanes === 4 ? `(${layout.lines} / 4u)` : layout.lines;
  const body = `${teamPrologue(plan, units, layout.length)}  let base = gnnc_line_base(${lanes === 4 ? "line * 4u" : "line"});
  let ch = select(0u, line, live);
${stats}  let scale = ${type}(1.0) / sqrt(variance + ${type}(${eps}));
  let w = weight[ch];
  let b = bias[ch];
${loop("    out[at] = (x[at] - mean) * scale * w + b;")}`;
  const name = options.name ?? `nn_batch_norm_${training ? "train" : "eval"}${lanes === 4 ? "_vec4" : ""}`;
  return assembleKernel(node, {
    name,
    summary: `batch norm with ${training ? "batch" : "running"} statistics, one team of ${plan.team} per ${lanes === 4 ? "4 channels" : "channel"}`,
    sizes,
    bindings,
    helpers: [layout.helpers, ...(training ? [teamReducer("gnnc_team_sum", type, plan, (a, b) => `${a} + ${b}`)] : [])],
    body,
    workgroup: plan.workgroup,
    dispatch: (s) => gridFor(groupsFor(Math.ceil(s.lines / lanes), plan.teams)),
  });
}
