import type { Node, Type } from "../ir/types.js";
import { assembleKernel } from "./assemble.js";
import { BindingList } from "./bindings.js";
import { CodegenError, identOf, tensorOperand, tensorResult, type EmitOptions } from "./emit-context.js";
import type { KernelSpec } from "./kernel.js";
import { bindMask, gradientGroups, maskedMean } from "./loss-parts.js";
import { F32_MAX_HELPERS, teamPlan, teamReducer } from "./team.js";
import { SizeTable } from "./wgsl.js";

/**
 * `nn.cross_entropy` / `nn.nll` over x[N,C] and labels i32[N] (optional mask [N]), and their
 * `_grad` ops, by the interpreter's rules: the mean over rows whose label is not −1, weighted by
 * the mask (bool selects, float weighs), 0 when no weight remains. Labels outside [0, C) other
 * than −1, which the interpreter rejects with an error, are ignored here (a kernel cannot throw).
 *
 * The loss is one value: a single workgroup folds every row (one invocation per row, then a
 * team tree). The gradient spreads rows over workgroups, which read the mean's denominator from
 * a first launch (classLossGradLaunches, as plans run it) or each fold it (emitKernel's one kernel).
 */

type ClassLoss = "cross_entropy" | "nll";

/** log Σ exp over the row at `at`, max-subtracted; −Inf for a row of −Inf, as the interpreter. */
function logSumExp(c: string): string {
  return `fn gnnc_row_lse(at: u32) -> f32 {
  var m = gnnc_neg_inf();
  for (var k = 0u; k < ${c}; k = k + 1u) {
    m = gnnc_max_nan(m, x[at + k]);
  }
  if (m == gnnc_neg_inf()) {
    return m;
  }
  var s = 0.0;
  for (var k = 0u; k < ${c}; k = k + 1u) {
    s = s + exp(x[at + k] - m);
  }
  return m + log(s);
}
`;
}

interface Setup {
  loss: ClassLoss;
  sizes: SizeTable;
  list: BindingList;
  n: string;
  c: string;
  /** The WGSL weight of row `i`: the mask's value, or 1. */
  weight(i: string): string;
  helpers: string[];
}

/** Operands from `first` on are (x, labels[, mask]); `labelsOnly`: bind only the labels and the mask. */
function setup(node: Node, inputs: readonly Type[], options: EmitOptions, first: number, labelsOnly = false): Setup {
  const loss = node.op.replace(/^nn\./, "").replace(/_grad$/, "") as ClassLoss;
  const x = tensorOperand(node, inputs, first);
  const labels = tensorOperand(node, inputs, first + 1);
  tensorResult(node);
  if (x.dtype !== "f32" || x.shape.length !== 2) throw new CodegenError(node.op, `needs x f32[N,C], got ${x.dtype} of rank ${x.shape.length}`, node.span);
  if (labels.dtype !== "i32") throw new CodegenError(node.op, `labels must be i32, got ${labels.dtype}`, node.span);
  const sizes = new SizeTable(options.symbols);
  const n = sizes.add("n", x.shape[0], "runtime"); // a bound only: one pipeline serves every N
  const c = sizes.add("c", x.shape[1]);
  const list = new BindingList();
  // An unread binding would be dropped from the layout: nll's gradient depends on the labels alone.
  if (first === 1 && !labelsOnly) list.add("cotangent", "read", "array<f32>", { kind: "input", input: 0 });
  if (!(loss === "nll" && first === 1) && !labelsOnly) list.add("x", "read", "array<f32>", { kind: "input", input: first });
  list.add("labels", "read", "array<i32>", { kind: "input", input: first + 1 });
  const masked = inputs.length > first + 2;
  const weight = masked ? bindMask(node, list, tensorOperand(node, inputs, first + 2), first + 2) : () => "1.0";
  const helpers = loss === "cross_entropy" ? [...F32_MAX_HELPERS, logSumExp(c)] : [];
  return { loss, sizes, list, n, c, weight, helpers };
}

/** Statements binding `label` (as u32) and `counted` (the row's label is a class) for row `i`. */
function labelOf(c: string): string {
  return `let raw = labels[i];\n    let label = u32(raw);\n    let counted = raw >= 0i && label < ${c};`;
}

export function emitClassLoss(node: Node, inputs: readonly Type[], options: EmitOptions): KernelSpec {
  const s = setup(node, inputs, options, 0);
  const plan = teamPlan(node, options, undefined, true);
  const bindings = s.list.add("out", "read_write", "array<f32>", { kind: "output" }).finish(s.sizes);
  const rowLoss = s.loss === "cross_entropy" ? "gnnc_row_lse(i * c) - x[i * c + label]" : "-x[i * c + label]";
  const body = `  let c = ${s.c};
  var acc = vec2<f32>(0.0, 0.0);
  for (var i = lid; i < ${s.n}; i = i + ${plan.workgroup}u) {
    ${labelOf(s.c)}
    let w = select(0.0, ${s.weight("i")}, counted);
    if (w != 0.0) {
      acc = acc + vec2<f32>(w * (${rowLoss}), w);
    }
  }
  let t = gnnc_team_sum(acc, lid);
  if (lid == 0u) {
    out[0] = ${maskedMean("t")};
  }
`;
  const name = options.name ?? `${identOf(node.op)}${inputs.length > 2 ? "_masked" : ""}`;
  return assembleKernel(node, {
    name,
    summary: `${s.loss} loss, a masked mean over rows, one workgroup`,
    sizes: s.sizes,
    bindings,
    helpers: [...s.helpers, teamReducer("gnnc_team_sum", "vec2<f32>", plan, (a, b) => `${a} + ${b}`)],
    body,
    workgroup: plan.workgroup,
    dispatch: () => ({ x: 1, y: 1, z: 1 }),
  });
}

export function emitClassLossGrad(node: Node, inputs: readonly Type[], options: EmitOptions): KernelSpec {
  return classLossGrad(node, inputs, options, false);
}

/**
 * The launches of a class loss's gradient: a workgroup folds the mean's denominator into a
 * scratch word, then every workgroup reads it. One kernel whose workgroups each fold it costs
 * more than the rows it writes once they are many: ten models side by side on Coauthor CS (64
 * workgroups, each folding 18,333 rows) took 18.2 ms a step with the folds and 3.1 without, in
 * kernel profiles on lavapipe. The fold's single workgroup is merged with the loss's
 * (plan/merge-launches.ts), so the step gains no launch.
 */
export function classLossGradLaunches(node: Node, inputs: readonly Type[], options: EmitOptions): KernelSpec[] {
  const s = setup(node, inputs, options, 1, true);
  const plan = teamPlan(node, options, undefined, true);
  const bindings = s.list.add("denominator", "read_write", "array<f32>", DENOMINATOR).finish(s.sizes);
  const fold = assembleKernel(node, {
    name: `${options.name ?? identOf(node.op)}_denominator`,
    summary: `the denominator of ${s.loss}'s masked mean (Σ weights of rows with a class), one workgroup`,
    sizes: s.sizes,
    bindings,
    helpers: [teamReducer("gnnc_team_sum", "f32", plan, (a, b) => `${a} + ${b}`)],
    body: `${denominatorFold(s, plan.workgroup)}  if (lid == 0u) {
    denominator[0] = total;
  }
`,
    workgroup: plan.workgroup,
    dispatch: () => ({ x: 1, y: 1, z: 1 }),
  });
  return [fold, classLossGrad(node, inputs, options, true)];
}

/** The scratch word holding the denominator between a gradient's two launches. */
const DENOMINATOR = { kind: "scratch", index: 0, bytes: 4 } as const;

/** Statements leaving `total`: Σ over rows with a class of their weight, folded by one workgroup. */
function denominatorFold(s: Setup, wg: number): string {
  return `  var partial = 0.0;
  for (var i = lid; i < ${s.n}; i = i + ${wg}u) {
    ${labelOf(s.c)}
    partial = partial + select(0.0, ${s.weight("i")}, counted);
  }
  let total = gnnc_team_sum(partial, lid);
`;
}

/** The gradient kernel; `given`: the denominator comes from the scratch word, else each workgroup folds it. */
function classLossGrad(node: Node, inputs: readonly Type[], options: EmitOptions, given: boolean): KernelSpec {
  const s = setup(node, inputs, options, 1);
  const plan = teamPlan(node, options, undefined, true);
  const wg = plan.workgroup;
  if (given) s.list.add("denominator", "read", "array<f32>", DENOMINATOR);
  const bindings = s.list.add("out", "read_write", "array<f32>", { kind: "output" }).finish(s.sizes);
  const write =
    s.loss === "cross_entropy"
      ? `let lse = gnnc_row_lse(at);
      for (var k = 0u; k < c; k = k + 1u) {
        out[at + k] = scale * (exp(x[at + k] - lse) - select(0.0, 1.0, k == label));
      }`
      : `for (var k = 0u; k < c; k = k + 1u) {
        out[at + k] = select(0.0, -scale, k == label);
      }`;
  const body = `  let c = ${s.c};
${given ? "  let total = denominator[0];\n" : denominatorFold(s, wg)}  let cot = cotangent[0];
  for (var i = wid.x * ${wg}u + lid; i < ${s.n}; i = i + nwg.x * ${wg}u) {
    ${labelOf(s.c)}
    let w = select(0.0, ${s.weight("i")}, counted);
    let at = i * c;
    if (w == 0.0 || total == 0.0) {
      for (var k = 0u; k < c; k = k + 1u) {
        out[at + k] = 0.0;
      }
    } else {
      let scale = (cot * w) / total;
      ${write}
    }
  }
`;
  const name = options.name ?? `${identOf(node.op)}${inputs.length > 3 ? "_masked" : ""}`;
  return assembleKernel(node, {
    name,
    summary: `gradient of ${s.loss}: rows spread over workgroups that ${given ? "read the mean's denominator" : "each fold the mean's denominator"}`,
    sizes: s.sizes,
    bindings,
    helpers: [...s.helpers, ...(given ? [] : [teamReducer("gnnc_team_sum", "f32", plan, (a, b) => `${a} + ${b}`)])],
    body,
    workgroup: wg,
    dispatch: (z) => ({ x: gradientGroups(z.n, z.n * z.c, given ? 0 : z.n, wg), y: 1, z: 1 }),
  });
}
