import { floatAttr } from "../ir/attrs.js";
import { dimMul } from "../ir/dims.js";
import type { Node, Type } from "../ir/types.js";
import { assembleKernel } from "./assemble.js";
import { BindingList } from "./bindings.js";
import { CodegenError, tensorOperand, tensorResult, type EmitOptions } from "./emit-context.js";
import { helperTexts } from "./elementwise-ops.js";
import type { KernelSpec } from "./kernel.js";
import { teamPlan, teamReducer } from "./team.js";
import { attrLiteral } from "./emit-context.js";
import { SizeTable } from "./wgsl.js";
import { refuseInPlace } from "./words.js";
import { MAX_STORAGE_BUFFERS } from "./kernel.js";

/**
 * Gradient clipping by global norm (compiler/ir/ops/opt-clip.ts): `opt.global_norm`, the 2-norm of
 * every element of every operand, and `opt.clip_factor`, min(1, max_norm/(norm + 1e-6)).
 *
 * A global norm has one operand per trainable parameter — often more than the 7 that fit beside
 * the output in one kernel (WebGPU's default of 8 storage buffers). So it runs as launches over
 * chunks of at most `MAX_NORM_OPERANDS` operands that accumulate into the result's own buffer:
 *
 * - `globalNormLaunches(node, types)` gives the launches, in operand order. Launch k binds the
 *   operands of chunk k (`{kind:"input", input: i}`, i the node's operand index) and the node's
 *   output. The executor allocates the output once, binds that same buffer to every launch and
 *   records the launches in order, with nothing else writing the output between them.
 * - Between launches the output's element 0 holds the running Σg²; the first launch starts it, the
 *   last replaces it by its square root. Which launch is which comes through the sizes uniform
 *   (`resume`, `finish`), with the operands' element counts, so every full chunk shares one WGSL
 *   text (one pipeline) whatever the shapes.
 * - With at most 7 operands there is one launch, and `emitKernel` (`emitGlobalNorm`) gives it;
 *   beyond, `emitKernel` refuses and names `globalNormLaunches`.
 *
 * Each launch is one workgroup: a team of up to 256 invocations folds vec4s of every operand in a
 * fixed order and combines them by a fixed tree (team.ts) — deterministic, no atomics. The norm
 * runs once per training step, on the gradients alone, so one workgroup suffices.
 */

export const MAX_NORM_OPERANDS = MAX_STORAGE_BUFFERS - 1;

function checkNormOperands(node: Node, inputs: readonly Type[], options: EmitOptions): void {
  refuseInPlace(node, options);
  if (inputs.length === 0) throw new CodegenError(node.op, "needs at least one operand", node.span);
  inputs.forEach((_, i) => {
    const t = tensorOperand(node, inputs, i);
    if (t.dtype !== "f32") throw new CodegenError(node.op, `operand ${i} is ${t.dtype}: only f32 has a GPU kernel`, node.span);
  });
  if (tensorResult(node).dtype !== "f32") throw new CodegenError(node.op, "only an f32 result has a GPU kernel", node.span);
}

/** The launch folding operands `first … first + count − 1`; `resume`/`finish` say where it sits in the chain. */
function normLaunch(node: Node, inputs: readonly Type[], options: EmitOptions, first: number, count: number, resume: boolean, finish: boolean): KernelSpec {
  const plan = teamPlan(node, options, undefined, true);
  const sizes = new SizeTable(options.symbols);
  const list = new BindingList();
  const folds: string[] = [];
  for (let j = 0; j < count; j++) {
    const shape = tensorOperand(node, inputs, first + j).shape;
    const n = sizes.add(`n${j}`, shape.reduce<number | string>((a, d) => dimMul(a, d), 1), "runtime");
    list.add(`g${j}`, "read", "array<vec4<f32>>", { kind: "input", input: first + j });
    // Lanes past the operand's end (the padding of its last vec4) are masked out of the sum.
    folds.push(`  for (var q = lid; q < (${n} + 3u) / 4u; q = q + ${plan.workgroup}u) {
    let w = select(vec4<f32>(0.0), g${j}[q], vec4<u32>(q * 4u) + vec4<u32>(0u, 1u, 2u, 3u) < vec4<u32>(${n}));
    acc = acc + dot(w, w);
  }
`);
  }
  const resumeFlag = sizes.add("resume", resume ? 1 : 0, "runtime");
  const finishFlag = sizes.add("finish", finish ? 1 : 0, "runtime");
  const bindings = list.add("out", "read_write", "array<f32>", { kind: "output" }).finish(sizes);
  const body = `  var acc = 0.0;
${folds.join("")}  let total = gnnc_team_sum(acc, lid);
  if (lid == 0u) {
    let sum = select(total, out[0] + total, ${resumeFlag} == 1u);
    out[0] = select(sum, sqrt(sum), ${finishFlag} == 1u);
  }
`;
  return assembleKernel(node, {
    name: options.name ?? `opt_global_norm${count}`,
    summary: `Σg² over ${count} operand(s), added to the running sum in out[0] (resume) and square-rooted (finish)`,
    sizes,
    bindings,
    helpers: [teamReducer("gnnc_team_sum", "f32", plan, (a, b) => `${a} + ${b}`)],
    body,
    workgroup: plan.workgroup,
    dispatch: () => ({ x: 1, y: 1, z: 1 }),
  });
}

/** The launches computing `opt.global_norm` over any number of operands (see the file comment). */
export function globalNormLaunches(node: Node, inputs: readonly Type[], options: EmitOptions = {}): KernelSpec[] {
  checkNormOperands(node, inputs, options);
  const launches: KernelSpec[] = [];
  for (let first = 0; first < inputs.length; first += MAX_NORM_OPERANDS) {
    const count = Math.min(MAX_NORM_OPERANDS, inputs.length - first);
    launches.push(normLaunch(node, inputs, options, first, count, first > 0, first + count === inputs.length));
  }
  return launches;
}

/** `opt.global_norm` of at most `MAX_NORM_OPERANDS` operands: one launch. */
export function emitGlobalNorm(node: Node, inputs: readonly Type[], options: EmitOptions): KernelSpec {
  if (inputs.length > MAX_NORM_OPERANDS) {
    throw new CodegenError(
      node.op,
      `${inputs.length} operands exceed the ${MAX_STORAGE_BUFFERS} storage buffers of one kernel: launch globalNormLaunches(…) instead, ${MAX_NORM_OPERANDS} operands per launch`,
      node.span,
    );
  }
  return globalNormLaunches(node, inputs, options)[0];
}

/** `opt.clip_factor`: min(1, max_norm/(norm + 1e-6)), NaN kept as Math.min keeps it. */
export function emitClipFactor(node: Node, inputs: readonly Type[], options: EmitOptions): KernelSpec {
  refuseInPlace(node, options);
  const norm = tensorOperand(node, inputs, 0);
  if (norm.dtype !== "f32" || tensorResult(node).dtype !== "f32") throw new CodegenError(node.op, `${norm.dtype} has no GPU kernel: only f32`, node.span);
  const maxNorm = attrLiteral(node, floatAttr(node.attrs, "max_norm"), "max_norm");
  const sizes = new SizeTable(options.symbols);
  const bindings = new BindingList()
    .add("norm", "read", "array<f32>", { kind: "input", input: 0 })
    .add("out", "read_write", "array<f32>", { kind: "output" })
    .finish(sizes);
  return assembleKernel(node, {
    name: options.name ?? "opt_clip_factor",
    summary: `min(1, ${maxNorm}/(norm + 1e-6))`,
    sizes,
    bindings,
    helpers: helperTexts(["gnnc_isnan"]),
    body: `  let r = ${maxNorm} / (norm[0] + 1e-6);
  out[0] = select(min(1.0, r), r, gnnc_isnan(r));
`,
    workgroup: 1,
    dispatch: () => ({ x: 1, y: 1, z: 1 }),
  });
}
