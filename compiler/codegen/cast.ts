import { dimMul } from "../ir/dims.js";
import type { DType, Node, Type } from "../ir/types.js";
import { assembleKernel } from "./assemble.js";
import { BindingList } from "./bindings.js";
import { CodegenError, identOf, tensorOperand, tensorResult, workgroupSizeOf, type EmitOptions } from "./emit-context.js";
import { helperTexts } from "./elementwise-ops.js";
import { LINEAR_WORKGROUP, gridFor, groupsFor } from "./grid.js";
import type { KernelSpec } from "./kernel.js";
import { SizeTable, VEC4_LANES } from "./wgsl.js";
import { refuseInPlace } from "./words.js";

/**
 * `t.cast` between f32, i32, u32 and bool (stored as u32 0/1), exactly as the interpreter converts
 * (compiler/ir/ops/shape.ts): floats truncate toward zero into integers, and the typed array the
 * interpreter stores into wraps the result modulo 2³² (NaN and ±Inf give 0); i32 ↔ u32 keep the
 * bits; bool is x ≠ 0 (NaN is false). Every value is one 32-bit word, so each work item converts
 * one vec4 of words, the padding of the last included. The element count only bounds the grid and
 * travels in the sizes uniform: one pipeline per dtype pair.
 */


type Word = "f32" | "i32" | "u32" | "bool";

/**
 * trunc(v) mod 2³² as u32 bits. Below 2³¹ in magnitude WGSL's i32(v) truncates exactly; above, v
 * is an integer m·2ˢ (s ≥ 8) whose low 32 bits are m shifted, negated for negative v; s ≥ 32
 * leaves none. WGSL's own conversion would saturate instead.
 */
const TRUNC_BITS = `fn gnnc_trunc_bits(v: f32) -> u32 {
  let bits = bitcast<u32>(v);
  let e = (bits >> 23u) & 0xffu;
  if (e == 0xffu) {
    return 0u;
  }
  if (e < 158u) {
    return bitcast<u32>(i32(v));
  }
  let s = e - 150u;
  let m = (bits & 0x7fffffu) | 0x800000u;
  let r = select(0u, m << (s & 31u), s < 32u);
  return select(r, 0u - r, (bits >> 31u) == 1u);
}
`;

interface Conversion {
  /** The WGSL scalar each side is stored as. */
  from: "f32" | "i32" | "u32";
  to: "f32" | "i32" | "u32";
  /** The converted scalar from the scalar expression `v`. */
  expr(v: string): string;
  helpers: readonly string[];
}

function stored(dtype: Word): "f32" | "i32" | "u32" {
  return dtype === "bool" ? "u32" : dtype;
}

function conversion(from: Word, to: Word): Conversion {
  const base = { from: stored(from), to: stored(to), helpers: [] as string[] };
  if (from === to) return { ...base, expr: (v) => v };
  if (to === "bool") {
    if (from === "f32") return { ...base, expr: (v) => `select(0u, 1u, ${v} != 0.0 && !gnnc_isnan(${v}))`, helpers: helperTexts(["gnnc_isnan"]) };
    return { ...base, expr: (v) => `select(0u, 1u, ${v} != 0${from === "i32" ? "i" : "u"})` };
  }
  if (from === "f32") {
    return { ...base, expr: (v) => (to === "u32" ? `gnnc_trunc_bits(${v})` : `bitcast<i32>(gnnc_trunc_bits(${v}))`), helpers: [TRUNC_BITS] };
  }
  // From an integer or a bool (0/1): to f32 by value, between i32 and u32 by bits.
  if (to === "f32") return { ...base, expr: (v) => `f32(${v})` };
  return { ...base, expr: (v) => `bitcast<${to}>(${v})` };
}

function wordType(node: Node, dtype: DType): Word {
  if (dtype === "f16") throw new CodegenError(node.op, "f16 tensors have no GPU kernel yet", node.span);
  return dtype;
}

export function emitCast(node: Node, inputs: readonly Type[], options: EmitOptions): KernelSpec {
  refuseInPlace(node, options);
  const x = tensorOperand(node, inputs, 0);
  const from = wordType(node, x.dtype);
  const to = wordType(node, tensorResult(node).dtype);
  const c = conversion(from, to);
  const wg = workgroupSizeOf(node, options);
  const sizes = new SizeTable(options.symbols);
  const total = sizes.add("total", x.shape.reduce<number | string>((n, d) => dimMul(n, d), 1), "runtime");
  const bindings = new BindingList()
    .add("x", "read", `array<vec4<${c.from}>>`, { kind: "input", input: 0 })
    .add("out", "read_write", `array<vec4<${c.to}>>`, { kind: "output" })
    .finish(sizes);
  const value = `vec4<${c.to}>(${VEC4_LANES.map((l) => c.expr(`v.${l}`)).join(", ")})`;
  const body = `  let q = ${LINEAR_WORKGROUP} * ${wg}u + lid;
  if (q < (${total} + 3u) / 4u) {
    let v = x[q];
    out[q] = ${value};
  }
`;
  return assembleKernel(node, {
    name: options.name ?? `${identOf(node.op)}_${from}_${to}`,
    summary: `${from} → ${to}, one vec4 per invocation`,
    sizes,
    bindings,
    helpers: c.helpers,
    body,
    workgroup: wg,
    dispatch: (s) => gridFor(groupsFor(Math.ceil(s.total / 4), wg)),
  });
}
