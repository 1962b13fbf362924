import { floatAttr, intAttr } from "../ir/attrs.js";
import { dimMul } from "../ir/dims.js";
import type { Node, Type } from "../ir/types.js";
import { assembleKernel } from "./assemble.js";
import { BindingList } from "./bindings.js";
import { CodegenError, tensorOperand, tensorResult, workgroupSizeOf, type EmitOptions } from "./emit-context.js";
import { LINEAR_WORKGROUP, gridFor, groupsFor } from "./grid.js";
import type { KernelSpec } from "./kernel.js";
import { PHILOX_WGSL } from "./philox.js";
import { SizeTable, f32Literal } from "./wgsl.js";

/**
 * The RNG ops, drawing exactly what compiler/ir/rng.ts draws. An `rng` value is a buffer of its
 * two u32 key words.
 * - `s.rng_fold{salt}(rng[, i])`: one invocation writes the derived key (foldKey by the salt, then
 *   by the index's bits when given). The salt travels in the `sizes` uniform rather than in the
 *   WGSL: every random site has its own salt, and one pipeline then serves them all.
 * - `nn.dropout{p}(x, rng)` / `nn.dropout_mask{p}(x, rng)`: element k is kept iff uniform(key, k)
 *   ≥ p, i.e. iff the top 24 bits of Philox word k % 4 of block k / 4 reach ⌈p·2²⁴⌉ — an integer
 *   comparison, because comparing the float in f32 against p rounded to f32 would flip draws that
 *   fall between p and its rounding. Kept elements are scaled by fround(1/(1−p)), so x·mask is
 *   bit-identical to the interpreter's product. One invocation per Philox block of four.
 */

const FOLD_MARK = "0u, 0u, 1u"; // counter words 1–3 of a key derivation (rng.ts foldKey)

export function emitRngFold(node: Node, inputs: readonly Type[], options: EmitOptions): KernelSpec {
  if (inputs[0]?.kind !== "rng") throw new CodegenError(node.op, "operand 0 must be an rng key", node.span);
  const indexed = inputs.length > 1;
  if (indexed) tensorOperand(node, inputs, 1);
  const salt = intAttr(node.attrs, "salt");
  if (!Number.isInteger(salt) || salt < 0 || salt > 0xffffffff) throw new CodegenError(node.op, `salt ${salt} is not a u32`, node.span);
  const sizes = new SizeTable(options.symbols);
  const saltExpr = sizes.add("salt", salt, "runtime");
  const list = new BindingList().add("rng", "read", "array<u32>", { kind: "input", input: 0 });
  if (indexed) list.add("index", "read", "array<i32>", { kind: "input", input: 1 });
  const bindings = list.add("out", "read_write", "array<u32>", { kind: "output" }).finish(sizes);
  const byIndex = indexed ? `  key = gnnc_philox(vec4<u32>(bitcast<u32>(index[0]), ${FOLD_MARK}), key).xy;\n` : "";
  const body = `  var key = gnnc_philox(vec4<u32>(${saltExpr}, ${FOLD_MARK}), vec2<u32>(rng[0], rng[1])).xy;
${byIndex}  out[0] = key.x;
  out[1] = key.y;
`;
  return assembleKernel(node, {
    name: options.name ?? `s_rng_fold${indexed ? "_indexed" : ""}`,
    summary: `derive a key from a key, a salt${indexed ? " and an index" : ""}`,
    sizes,
    bindings,
    helpers: [PHILOX_WGSL],
    body,
    workgroup: 1,
    dispatch: () => ({ x: 1, y: 1, z: 1 }),
  });
}

/** Dropout's keep test and scale: keep iff (Philox word >> 8) ≥ `threshold`; kept values times `scale` (a WGSL literal). */
export function dropoutConstants(p: number): { threshold: number; scale: string } {
  // p = 1 keeps nothing, so its infinite scale is never used.
  return { threshold: Math.ceil(p * 2 ** 24), scale: p === 1 ? "0.0" : f32Literal(Math.fround(1 / (1 - p))) };
}

/** A dropout node's p (checked) and its dropoutConstants. */
export function dropoutDraw(node: Node): { p: number; threshold: number; scale: string } {
  const p = floatAttr(node.attrs, "p");
  if (!(p >= 0 && p <= 1)) throw new CodegenError(node.op, `p = ${p} is not in [0, 1]`, node.span);
  return { p, ...dropoutConstants(p) };
}

export function emitDropout(node: Node, inputs: readonly Type[], options: EmitOptions): KernelSpec {
  return dropoutKernel(node, inputs, options, false);
}

/** `nn.dropout_mask`: the mask dropout multiplies by (its scale where kept, 0 elsewhere), from x's shape alone. */
export function emitDropoutMask(node: Node, inputs: readonly Type[], options: EmitOptions): KernelSpec {
  return dropoutKernel(node, inputs, options, true);
}

function dropoutKernel(node: Node, inputs: readonly Type[], options: EmitOptions, maskOnly: boolean): KernelSpec {
  const x = tensorOperand(node, inputs, 0);
  tensorResult(node);
  if (x.dtype !== "f32") throw new CodegenError(node.op, `only f32 has a kernel, got ${x.dtype}`, node.span);
  if (inputs[1]?.kind !== "rng") throw new CodegenError(node.op, "operand 1 must be an rng key", node.span);
  const { p, threshold, scale } = dropoutDraw(node);
  const wg = workgroupSizeOf(node, options);

  const sizes = new SizeTable(options.symbols);
  // The count only bounds the grid: one pipeline per p serves every shape.
  const total = sizes.add("total", x.shape.reduce<number | string>((n, d) => dimMul(n, d), 1), "runtime");
  // Whole vec4s always: buffers are padded to 16 bytes, so a ragged last block only touches padding.
  const list = new BindingList();
  if (!maskOnly) list.add("x", "read", "array<vec4<f32>>", { kind: "input", input: 0 });
  list.add("rng", "read", "array<u32>", { kind: "input", input: 1 });
  const bindings = list.add("out", "read_write", "array<vec4<f32>>", { kind: "output" }).finish(sizes);

  const body = `  let b = ${LINEAR_WORKGROUP} * ${wg}u + lid;
  if (b * 4u >= ${total}) {
    return;
  }
  let words = gnnc_philox(vec4<u32>(b, 0u, 0u, 0u), vec2<u32>(rng[0], rng[1]));
  let mask = select(vec4<f32>(0.0), vec4<f32>(${scale}), (words >> vec4<u32>(8u)) >= vec4<u32>(${threshold}u));
  out[b] = ${maskOnly ? "mask" : "x[b] * mask"};
`;
  const name = options.name ?? (maskOnly ? "nn_dropout_mask" : "nn_dropout");
  return assembleKernel(node, {
    name,
    summary: `${maskOnly ? "dropout mask" : "dropout"} with p = ${p}, one Philox block of 4 per invocation`,
    sizes,
    bindings,
    helpers: [PHILOX_WGSL],
    body,
    workgroup: wg,
    dispatch: (s) => gridFor(groupsFor(Math.ceil(s.total / 4), wg)),
  });
}
