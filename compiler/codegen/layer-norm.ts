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
 * `nn.layer_norm`, both modes of the interpreter:
 * - `node`: each row over the last axis, (x − μ)·1/√(σ² + eps) — one team per row;
 * - `graph`: the whole tensor as one line, (x − μ)·1/(σ + eps) with σ the biased standard
 *   deviation (PyG's graph mode for one graph) — a single workgroup, since WebGPU has no way to
 *   combine workgroups within one dispatch.
 * Then ·weight[c] + bias[c] where given. μ and σ² take two passes (mean, then squared deviations)
 * as the interpreter does, rather than the cancellation-prone Σx² − (Σx)²/n. Rows of a known
 * multiple of 4 channels are read, and parameters applied, in vec4s.
 */
export function emitLayerNorm(node: Node, inputs: readonly Type[], options: EmitOptions): KernelSpec {
  const x = tensorOperand(node, inputs, 0);
  tensorResult(node);
  if (x.dtype !== "f32") throw new CodegenError(node.op, `only f32 has a kernel, got ${x.dtype}`, node.span);
  const graph = node.attrs.mode === "graph";
  const weighted = inputs.length > 1;
  const biased = inputs.length > 2;
  const eps = attrLiteral(node, floatAttr(node.attrs, "eps"), "eps");

  const sizes = new SizeTable(options.symbols);
  const rank = x.shape.length;
  const axes = graph ? x.shape.map((_, k) => k) : [rank - 1];
  const layout = lineLayout(x.shape, axes, sizes); // either way, lines are contiguous
  const channels = sizes.add("c", x.shape[rank - 1]);
  // vec4s when rows are whole vec4s: every line then starts on one, and so do the parameters.
  const lanes = (sizes.known("c") ?? 1) % 4 === 0 ? 4 : 1;
  const T = lanes === 4 ? "vec4<f32>" : "f32";
  const length = sizes.known("len");
  const plan = teamPlan(node, options, length === undefined ? undefined : length / lanes, graph);
  const list = new BindingList().add("x", "read", `array<${T}>`, { kind: "input", input: 0 });
  if (weighted) list.add("weight", "read", `array<${T}>`, { kind: "input", input: 1 });
  if (biased) list.add("bias", "read", `array<${T}>`, { kind: "input", input: 2 });
  const bindings = list.add("out", "read_write", `array<${T}>`, { kind: "output" }).finish(sizes);

  // Unit j of a node-mode line (a row) is channel unit j; the graph-mode line is everything.
  const channel = graph ? `j % ${lanes === 4 ? `(${channels} / 4u)` : channels}` : "j";
  let y = `(x[at] - ${T}(mean)) * scale`;
  if (weighted) y = `${y} * weight[${channel}]`;
  if (biased) y = `${y} + bias[${channel}]`;
  const units = lanes === 4 ? `(${layout.length} / 4u)` : layout.length;
  const loop = (inner: string) => `  for (var j = member; j < count; j = j + ${plan.team}u) {\n    let at = base + j;\n${inner}\n  }\n`;
  const lanesOf = (v: string) => (lanes === 4 ? `${v}.x + ${v}.y + ${v}.z + ${v}.w` : v);
  const n = `f32(${layout.length})`;
  const scale = graph ? `1.0 / (sqrt(variance) + ${eps})` : `1.0 / sqrt(variance + ${eps})`;

  const body = `${teamPrologue(plan, layout.lines, units)}  let base = gnnc_line_base(line) / ${lanes}u;
  var s = ${T}(0.0);
${loop("    s = s + x[at];")}  let mean = gnnc_team_sum(${lanesOf("s")}, lid) / ${n};
  var q = ${T}(0.0);
${loop(`    let d = x[at] - ${T}(mean);\n    q = q + d * d;`)}  let variance = gnnc_team_sum(${lanesOf("q")}, lid) / ${n};
  let scale = ${scale};
${loop(`    out[at] = ${y};`)}`;
  const affine = biased ? ", weight and bias" : weighted ? ", weight" : "";
  const name = options.name ?? `nn_layer_norm_${graph ? "graph" : "node"}${biased ? "_wb" : weighted ? "_w" : ""}${lanes === 4 ? "_vec4" : ""}`;
  return assembleKernel(node, {
    name,
    summary: `layer norm (${graph ? "graph" : "node"} mode${affine}), ${T} units, teams of ${plan.team}`,
    sizes,
    bindings,
    helpers: [layout.helpers, teamReducer("gnnc_team_sum", "f32", plan, (a, b) => `${a} + ${b}`)],
    body,
    workgroup: plan.workgroup,
    dispatch: (s) => gridFor(groupsFor(s.lines, plan.teams)),
  });
}
