import { floatAttr } from "../ir/attrs.js";
import { dimMul } from "../ir/dims.js";
import type { Dim, DType, Node, Type } from "../ir/types.js";
import { assembleKernel } from "./assemble.js";
import { BindingList } from "./bindings.js";
import { CodegenError, tensorOperand, tensorResult, workgroupSizeOf, type EmitOptions } from "./emit-context.js";
import { LINEAR_WORKGROUP, gridFor, groupsFor } from "./grid.js";
import type { KernelSpec } from "./kernel.js";
import { SizeTable } from "./wgsl.js";

/**
 * Fills and copies, which never look at values, only at 32-bit words: `t.full`, `t.const` and
 * `t.zeros_like` write one word pattern (the value as the interpreter stores it in the result's
 * dtype — which also covers ±Inf and NaN, which WGSL cannot write as f32 constants; it travels in
 * the `sizes` uniform as `word`), and
 * `t.stop_gradient` copies its operand. Buffers are whole vec4s (16-byte multiples), so each
 * invocation moves one vec4<u32>, the padding of the last one included.
 */


/** The 32-bit word that holds `value` in a tensor of `dtype`, exactly as the interpreter converts it. */
export function storedWord(value: number, dtype: DType): number {
  switch (dtype) {
    case "bool":
      return value !== 0 && !Number.isNaN(value) ? 1 : 0;
    case "i32":
    case "u32":
      return Number.isFinite(value) ? Math.trunc(value) >>> 0 : 0; // stores wrap modulo 2³²
    case "f32":
      return new Uint32Array(Float32Array.of(value).buffer)[0];
    default:
      throw new RangeError(`no 32-bit word for ${dtype}`);
  }
}

/** What a word kernel writes: a copy of operand `source`, or one `word` everywhere. */
type Words = { source: number } | { word: number };

function wordKernel(node: Node, options: EmitOptions, dtype: DType, shape: readonly Dim[], what: Words): KernelSpec {
  if (dtype === "f16") throw new CodegenError(node.op, "f16 has no GPU kernel yet", node.span);
  const wg = workgroupSizeOf(node, options);
  const sizes = new SizeTable(options.symbols);
  // The count and the word only bound the loop and fill it: passed at run time, so one pipeline
  // serves every fill (and one every copy) of a program.
  const total = sizes.add("total", shape.reduce<Dim>((n, d) => dimMul(n, d), 1), "runtime");
  const list = new BindingList();
  let value: string;
  if ("source" in what) {
    list.add("x", "read", "array<vec4<u32>>", { kind: "input", input: what.source });
    value = "x[q]";
  } else {
    value = `vec4<u32>(${sizes.add("word", what.word, "runtime")})`;
  }
  const bindings = list.add("out", "read_write", "array<vec4<u32>>", { kind: "output" }).finish(sizes);
  const body = `  let q = ${LINEAR_WORKGROUP} * ${wg}u + lid;
  if (q * 4u < ${total}) {
    out[q] = ${value};
  }
`;
  const copy = "source" in what;
  return assembleKernel(node, {
    name: options.name ?? (copy ? "t_copy_words" : "t_fill_words"),
    summary: `${copy ? "copy" : "fill with one word"}, one vec4 of words per invocation`,
    sizes,
    bindings,
    body,
    workgroup: wg,
    dispatch: (s) => gridFor(groupsFor(Math.ceil(s.total / 4), wg)),
  });
}

/** `t.full`, `t.const`: the result's words, all alike. */
export function emitFill(node: Node, _inputs: readonly Type[], options: EmitOptions): KernelSpec {
  return fillKernel(node, options, floatAttr(node.attrs, "value"));
}

/** `t.zeros_like`: zeros of its operand's type. */
export function emitZerosLike(node: Node, inputs: readonly Type[], options: EmitOptions): KernelSpec {
  tensorOperand(node, inputs, 0);
  return fillKernel(node, options, 0);
}

/** The node's result zeroed (a product that then adds into it: codegen/sparse-matmul.ts). */
export function emitZeros(node: Node, options: EmitOptions): KernelSpec {
  return fillKernel(node, options, 0);
}

function fillKernel(node: Node, options: EmitOptions, value: number): KernelSpec {
  const out = tensorResult(node);
  if (out.dtype === "f16") throw new CodegenError(node.op, "f16 has no GPU kernel yet", node.span);
  return wordKernel(node, options, out.dtype, out.shape, { word: storedWord(value, out.dtype) });
}

/** `t.stop_gradient`: a copy of the operand. */
export function emitCopy(node: Node, inputs: readonly Type[], options: EmitOptions): KernelSpec {
  const x = tensorOperand(node, inputs, 0);
  tensorResult(node);
  return wordKernel(node, options, x.dtype, x.shape, { source: 0 });
}
