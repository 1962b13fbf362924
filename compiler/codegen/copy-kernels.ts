import { evalDim } from "../ir/dims.js";
import type { Node, Type } from "../ir/types.js";
import { BindingList } from "./bindings.js";
import { broadcastIndices } from "./broadcast-index.js";
import { CodegenError, tensorOperand, tensorResult, workgroupSizeOf, type EmitOptions } from "./emit-context.js";
import { flatKernel } from "./flat-kernel.js";
import type { KernelSpec } from "./kernel.js";
import { SizeTable } from "./wgsl.js";
import { addDivisor, checkWords, product, refuseInPlace, unitType, type Lanes } from "./words.js";

/**
 * Whole-tensor index maps of one operand: `t.reshape` (the same words), `t.broadcast_to`
 * (NumPy broadcasting) and `t.transpose` (2-D).
 */


/**
 * `t.reshape`: row-major order is unchanged, so the kernel copies the words as they are, a vec4
 * at a time whatever the count: every buffer is padded to whole vec4s (16 bytes), so the last,
 * partial vec4 reads and writes only padding past the end.
 */
export function emitReshape(node: Node, inputs: readonly Type[], options: EmitOptions): KernelSpec {
  refuseInPlace(node, options);
  const x = tensorOperand(node, inputs, 0);
  checkWords(node, x.dtype);
  const wg = workgroupSizeOf(node, options);
  const sizes = new SizeTable(options.symbols);
  const total = sizes.add("total", product(x.shape));
  const bindings = new BindingList()
    .add("x", "read", "array<vec4<u32>>", { kind: "input", input: 0 })
    .add("out", "read_write", "array<vec4<u32>>", { kind: "output" })
    .finish(sizes);
  return flatKernel({
    node,
    name: options.name ?? "t_reshape",
    summary: "copy of the operand's words (row-major order is unchanged)",
    sizes,
    bindings,
    workgroupSize: wg,
    units: `((${total} + 3u) / 4u)`,
    unitsOf: (s) => Math.ceil(s.total / 4),
    body: "out[q] = x[q];",
  });
}

/** `t.broadcast_to`: out[e] = x[the element broadcast onto e], vec4 where the innermost axis allows. */
export function emitBroadcastTo(node: Node, inputs: readonly Type[], options: EmitOptions): KernelSpec {
  refuseInPlace(node, options);
  const x = tensorOperand(node, inputs, 0);
  const out = tensorResult(node);
  checkWords(node, x.dtype);
  const wg = workgroupSizeOf(node, options);
  const sizes = new SizeTable(options.symbols);
  const totalDim = product(out.shape);
  const total = sizes.add("total", totalDim);
  // An empty result runs no work item; its index plan could divide by a constant 0, which WGSL rejects.
  const plan =
    evalDim(totalDim, options.symbols ?? {}) === 0
      ? { code: "let xi = e;", innermost: undefined, contiguous: [true] }
      : broadcastIndices(out.shape, [x.shape], ["xi"], sizes);
  const inner = plan.innermost === undefined ? undefined : evalDim(plan.innermost, options.symbols ?? {});
  const lanes: Lanes = inner !== undefined && inner % 4 === 0 ? 4 : 1;
  // An operand constant along the innermost axis repeats one word across the vec4.
  const packed = lanes === 4 && plan.contiguous[0];
  const bindings = new BindingList()
    .add("x", "read", `array<${unitType("u32", packed ? 4 : 1)}>`, { kind: "input", input: 0 })
    .add("out", "read_write", `array<${unitType("u32", lanes)}>`, { kind: "output" })
    .finish(sizes);
  const load = lanes === 1 ? "x[xi]" : packed ? "x[xi / 4u]" : "vec4<u32>(x[xi])";
  return flatKernel({
    node,
    name: options.name ?? `t_broadcast_to${lanes === 4 ? (packed ? "_v4" : "_splat") : ""}`,
    summary: "the operand repeated NumPy-style to the result's shape",
    sizes,
    bindings,
    workgroupSize: wg,
    units: lanes === 4 ? `(${total} / 4u)` : total,
    unitsOf: (s) => s.total / lanes,
    body: `let e = q * ${lanes}u;\n${plan.code}\nout[q] = ${load};`,
  });
}

/**
 * `t.transpose` of a [R,C] matrix: output-ordered (writes are contiguous, reads stride by C).
 * A workgroup-memory tiled transpose would make both sides contiguous, but its barrier costs more
 * than it saves on software Vulkan, and transposes are rare in GNN programs (matmul has flags).
 */
export function emitTranspose(node: Node, inputs: readonly Type[], options: EmitOptions): KernelSpec {
  refuseInPlace(node, options);
  const x = tensorOperand(node, inputs, 0);
  checkWords(node, x.dtype);
  if (x.shape.length !== 2) throw new CodegenError(node.op, "needs a 2-D operand", node.span);
  const wg = workgroupSizeOf(node, options);
  const sizes = new SizeTable(options.symbols);
  const r = addDivisor(sizes, "r", x.shape[0], options.symbols);
  const c = sizes.add("c", x.shape[1]);
  const bindings = new BindingList()
    .add("x", "read", "array<u32>", { kind: "input", input: 0 })
    .add("out", "read_write", "array<u32>", { kind: "output" })
    .finish(sizes);
  return flatKernel({
    node,
    name: options.name ?? "t_transpose",
    summary: "out[j, i] = x[i, j]",
    sizes,
    bindings,
    workgroupSize: wg,
    units: `(${r} * ${c})`,
    unitsOf: (s) => s.r * s.c,
    body: `out[q] = x[(q % ${r}) * ${c} + q / ${r}];`,
  });
}
