import { dimMul, evalDim } from "../ir/dims.js";
import type { Node, Type } from "../ir/types.js";
import { BindingList } from "./bindings.js";
import { broadcastIndices } from "./broadcast-index.js";
import {
  CodegenError,
  identOf,
  spansOf,
  tensorOperand,
  tensorResult,
  workgroupSizeOf,
  type EmitOptions,
} from "./emit-context.js";
import { BINARY, UNARY, helperTexts, type HelperName, type Scalar } from "./elementwise-ops.js";
import { ENTRY_PARAMS, LINEAR_WORKGROUP, gridFor, groupsFor } from "./grid.js";
import type { KernelSpec } from "./kernel.js";
import { SizeTable, VEC4_LANES, kernelModule, wgslScalar } from "./wgsl.js";

/**
 * Elementwise kernels, flat over the output; operands are read through broadcast indices.
 * Each invocation handles `PER_INVOCATION` vec4s (or scalars), strided by the workgroup size so
 * neighbouring invocations touch neighbouring memory: on lavapipe one scalar per invocation runs
 * at about a tenth of this layout's bandwidth. vec4 applies when the innermost broadcast axis is
 * known to be a multiple of 4, so every vec4 of the output lies in one row of each operand.
 */

const PER_INVOCATION = 4;

interface ElementwiseOp {
  name: string;
  summary: string;
  /** The scalar function's body (`return …;` over parameters `a`, `b`). */
  expr: string;
  helpers: readonly HelperName[];
}

function scalarOf(node: Node, types: readonly Type[]): Scalar {
  const t = tensorOperand(node, types, 0);
  const s = wgslScalar(t.dtype);
  if (!s) throw new CodegenError(node.op, `dtype ${t.dtype} has no GPU kernel yet`, node.span);
  return s;
}

function elementwiseKernel(node: Node, inputs: readonly Type[], options: EmitOptions, scalar: Scalar, op: ElementwiseOp): KernelSpec {
  const out = tensorResult(node);
  const operands = inputs.map((_, i) => tensorOperand(node, inputs, i));
  const wg = workgroupSizeOf(node, options);
  const sizes = new SizeTable(options.symbols);
  const total = sizes.add("total", out.shape.reduce((n, d) => dimMul(n, d), 1));
  const argNames = ["a", "b"].slice(0, operands.length);
  const plan = broadcastIndices(out.shape, operands.map((t) => t.shape), argNames.map((n) => `${n}i`), sizes);
  const inner = plan.innermost === undefined ? undefined : evalDim(plan.innermost, options.symbols ?? {});
  const lanes = inner !== undefined && inner % 4 === 0 ? 4 : 1;
  const vec = `vec4<${scalar}>`;

  const list = new BindingList();
  argNames.forEach((n, i) => {
    const packed = lanes === 4 && plan.contiguous[i];
    list.add(n, "read", `array<${packed ? vec : scalar}>`, { kind: "input", input: i });
  });
  list.add("out", "read_write", `array<${lanes === 4 ? vec : scalar}>`, { kind: "output" });
  const bindings = list.finish(sizes);

  // One output unit (a vec4 or a scalar) q; its first element is e.
  const loads = argNames.map((n, i) => {
    if (lanes === 1) return `let ${n}v = ${n}[${n}i];`;
    return plan.contiguous[i] ? `let ${n}v = ${n}[${n}i / 4u];` : `let ${n}v = ${vec}(${n}[${n}i]);`;
  });
  const call = (lane?: string) => `gnnc_op(${argNames.map((n) => (lane ? `${n}v.${lane}` : `${n}v`)).join(", ")})`;
  const value = lanes === 1 ? call() : `${vec}(${VEC4_LANES.map(call).join(", ")})`;
  const indent = (text: string) => text.split("\n").map((l) => `      ${l}`).join("\n");
  const units = lanes === 4 ? `(${total} / 4u)` : total;
  const params = argNames.map((n) => `${n}: ${scalar}`).join(", ");
  const fn = `fn gnnc_op(${params}) -> ${scalar} {\n  return ${op.expr};\n}\n`;

  const body = `@compute @workgroup_size(${wg})
fn main(${ENTRY_PARAMS}) {
  let base = ${LINEAR_WORKGROUP} * ${wg * PER_INVOCATION}u + lid;
  for (var k = 0u; k < ${PER_INVOCATION}u; k = k + 1u) {
    let q = base + k * ${wg}u;
    if (q < ${units}) {
      let e = q * ${lanes}u;
${indent(plan.code)}
${indent(loads.join("\n"))}
      out[q] = ${value};
    }
  }
}
`;
  return {
    name: op.name,
    op: node.op,
    ...kernelModule({ name: op.name, summary: op.summary, sizes, bindings, helpers: [...helperTexts(op.helpers), fn], body }),
    entryPoint: "main",
    workgroupSize: [wg, 1, 1],
    bindings,
    sizes: sizes.all,
    uniforms: sizes.uniforms,
    dispatch: (s) => gridFor(groupsFor(Math.ceil(s.total / lanes), wg * PER_INVOCATION)),
    spans: spansOf(node),
  };
}

export function emitUnary(node: Node, inputs: readonly Type[], options: EmitOptions): KernelSpec {
  const op = UNARY[node.op];
  if (!op) throw new CodegenError(node.op, "not an elementwise unary op with a kernel", node.span);
  const scalar = scalarOf(node, inputs);
  if (!op.scalars.includes(scalar)) throw new CodegenError(node.op, `not defined on ${scalar}`, node.span);
  let expr: string;
  try {
    expr = op.expr("a", node.attrs, scalar);
  } catch (e) {
    throw new CodegenError(node.op, e instanceof Error ? e.message : String(e), node.span); // Inf/NaN attrs
  }
  return elementwiseKernel(node, inputs, options, scalar, {
    name: options.name ?? `${identOf(node.op)}_${scalar}`,
    summary: `${node.op} over ${scalar}`,
    expr,
    helpers: op.helpers ?? [],
  });
}

export function emitBinary(node: Node, inputs: readonly Type[], options: EmitOptions): KernelSpec {
  const op = BINARY[node.op];
  if (!op) throw new CodegenError(node.op, "not an elementwise binary op with a kernel", node.span);
  const scalar = scalarOf(node, inputs);
  return elementwiseKernel(node, inputs, options, scalar, {
    name: options.name ?? `${identOf(node.op)}_${scalar}`,
    summary: `${node.op} over ${scalar}, broadcasting`,
    expr: op.expr("a", "b", scalar),
    helpers: scalar === "f32" ? (op.helpers ?? []) : [],
  });
}
