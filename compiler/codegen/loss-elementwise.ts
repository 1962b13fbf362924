import { dimMul } from "../ir/dims.js";
import type { Node, Type } from "../ir/types.js";
import { assembleKernel } from "./assemble.js";
import { BindingList } from "./bindings.js";
import { helperTexts } from "./elementwise-ops.js";
import { CodegenError, identOf, tensorOperand, tensorResult, type EmitOptions } from "./emit-context.js";
import type { KernelSpec } from "./kernel.js";
import { bindMask, gradientGroups, maskedMean } from "./loss-parts.js";
import { teamPlan, teamReducer } from "./team.js";
import { SizeTable } from "./wgsl.js";

/**
 * `nn.bce_with_logits` / `nn.mse` over x and y of one shape (optional mask: per row [N], shared
 * by the row's elements, or per element), and their `_grad` ops (d/dx), by the interpreter's
 * rules: the mean over masked elements, bool selecting and float weighing, 0 when no weight
 * remains. The loss is folded by one workgroup; the gradient spreads elements over workgroups,
 * which fold the mask's sum first when there is a mask (loss-parts.ts) and otherwise divide by
 * the element count.
 */

interface ElementwiseLoss {
  loss(x: string, y: string): string;
  grad(x: string, y: string): string;
  helpers: readonly string[];
}

/** log(1 + t) for t ∈ [0, 1] without losing small t to rounding (WGSL has no log1p). */
const LOG1P = `fn gnnc_log1p(t: f32) -> f32 {
  let u = 1.0 + t;
  return select(log(u) * (t / (u - 1.0)), t, u == 1.0);
}
`;

const LOSSES: Readonly<Record<string, ElementwiseLoss>> = {
  bce_with_logits: {
    loss: (x, y) => `max(${x}, 0.0) - ${x} * ${y} + gnnc_log1p(exp(-abs(${x})))`,
    grad: (x, y) => `gnnc_sigmoid(${x}) - ${y}`,
    helpers: [LOG1P, ...helperTexts(["gnnc_sigmoid"])],
  },
  mse: {
    loss: (x, y) => `(${x} - ${y}) * (${x} - ${y})`,
    grad: (x, y) => `2.0 * (${x} - ${y})`,
    helpers: [],
  },
};

interface Setup {
  name: string;
  loss: ElementwiseLoss;
  sizes: SizeTable;
  list: BindingList;
  /** Elements. */
  n: string;
  /** The mask's element count (0 when there is no mask). */
  maskLength(sizes: Readonly<Record<string, number>>): number;
  /** WGSL weight of element `k`, or undefined without a mask. */
  weight?: (k: string) => string;
}

/** Operands from `first` on are (x, y[, mask]). */
function setup(node: Node, inputs: readonly Type[], options: EmitOptions, first: number): Setup {
  const name = node.op.replace(/^nn\./, "").replace(/_grad$/, "");
  const loss = LOSSES[name];
  if (!loss) throw new CodegenError(node.op, "not an elementwise loss with a kernel", node.span);
  const x = tensorOperand(node, inputs, first);
  tensorOperand(node, inputs, first + 1);
  tensorResult(node);
  if (x.dtype !== "f32") throw new CodegenError(node.op, `only f32 has a kernel, got ${x.dtype}`, node.span);
  const sizes = new SizeTable(options.symbols);
  const n = sizes.add("n", x.shape.reduce<number | string>((a, d) => dimMul(a, d), 1), "runtime"); // a bound only
  const list = new BindingList();
  if (first === 1) list.add("cotangent", "read", "array<f32>", { kind: "input", input: 0 });
  list.add("x", "read", "array<f32>", { kind: "input", input: first }).add("y", "read", "array<f32>", { kind: "input", input: first + 1 });
  if (inputs.length <= first + 2) return { name, loss, sizes, list, n, maskLength: () => 0 };

  const mask = tensorOperand(node, inputs, first + 2);
  const read = bindMask(node, list, mask, first + 2);
  // A rank-1 mask on a tensor of higher rank weighs rows: element k belongs to row k / (row width).
  if (mask.shape.length === 1 && x.shape.length > 1) {
    const width = sizes.add("row", x.shape.slice(1).reduce<number | string>((a, d) => dimMul(a, d), 1));
    sizes.add("rows", x.shape[0], "runtime");
    return { name, loss, sizes, list, n, maskLength: (s) => s.rows, weight: (k) => read(`${k} / ${width}`) };
  }
  return { name, loss, sizes, list, n, maskLength: (s) => s.n, weight: read };
}

export function emitElementwiseLoss(node: Node, inputs: readonly Type[], options: EmitOptions): KernelSpec {
  const s = setup(node, inputs, options, 0);
  const plan = teamPlan(node, options, undefined, true);
  const bindings = s.list.add("out", "read_write", "array<f32>", { kind: "output" }).finish(s.sizes);
  const term = s.loss.loss("x[k]", "y[k]");
  // Without a mask every element weighs 1: the denominator is the count, exact in any size.
  const fold = s.weight
    ? `    let w = ${s.weight("k")};
    if (w != 0.0) {
      acc = acc + vec2<f32>(w * (${term}), w);
    }`
    : `    acc.x = acc.x + ${term};`;
  const count = s.weight ? "" : `  t.y = f32(${s.n});\n`;
  const body = `  var acc = vec2<f32>(0.0, 0.0);
  for (var k = lid; k < ${s.n}; k = k + ${plan.workgroup}u) {
${fold}
  }
  var t = gnnc_team_sum(acc, lid);
${count}  if (lid == 0u) {
    out[0] = ${maskedMean("t")};
  }
`;
  return assembleKernel(node, {
    name: options.name ?? `${identOf(node.op)}${s.weight ? "_masked" : ""}`,
    summary: `${s.name} loss, a masked mean over elements, one workgroup`,
    sizes: s.sizes,
    bindings,
    helpers: [...s.loss.helpers, teamReducer("gnnc_team_sum", "vec2<f32>", plan, (a, b) => `${a} + ${b}`)],
    body,
    workgroup: plan.workgroup,
    dispatch: () => ({ x: 1, y: 1, z: 1 }),
  });
}

export function emitElementwiseLossGrad(node: Node, inputs: readonly Type[], options: EmitOptions): KernelSpec {
  const s = setup(node, inputs, options, 1);
  const plan = teamPlan(node, options, undefined, true);
  const wg = plan.workgroup;
  const bindings = s.list.add("out", "read_write", "array<f32>", { kind: "output" }).finish(s.sizes);
  const grad = s.loss.grad("x[k]", "y[k]");
  // Without a mask every element weighs 1 and the denominator is the element count.
  const total = s.weight
    ? `  var partial = 0.0;
  for (var k = lid; k < ${s.n}; k = k + ${wg}u) {
    partial = partial + ${s.weight("k")};
  }
  let total = gnnc_team_sum(partial, lid);
`
    : `  let total = f32(${s.n});\n`;
  const store = s.weight
    ? `    let w = ${s.weight("k")};\n    out[k] = select(scale * w * (${grad}), 0.0, w == 0.0 || total == 0.0);`
    : `    out[k] = select(scale * (${grad}), 0.0, total == 0.0);`;
  const body = `${total}  let scale = cotangent[0] / total;
  for (var k = wid.x * ${wg}u + lid; k < ${s.n}; k = k + nwg.x * ${wg}u) {
${store}
  }
`;
  return assembleKernel(node, {
    name: options.name ?? `${identOf(node.op)}${s.weight ? "_masked" : ""}`,
    summary: `gradient of ${s.name}${s.weight ? ": elements spread over workgroups that each fold the mask's sum" : ", one element per invocation"}`,
    sizes: s.sizes,
    bindings,
    helpers: [...s.loss.helpers, ...(s.weight ? [teamReducer("gnnc_team_sum", "f32", plan, (a, b) => `${a} + ${b}`)] : [])],
    body,
    workgroup: wg,
    // At most 65,535 groups (a 1-D grid): invocations stride over whatever is left.
    dispatch: (z) => ({ x: gradientGroups(z.n, z.n, s.maskLength(z), wg), y: 1, z: 1 }),
  });
}
