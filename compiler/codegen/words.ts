import { dimMul, evalDim } from "../ir/dims.js";
import type { Dim, DType, Node } from "../ir/types.js";
import { CodegenError, type EmitOptions } from "./emit-context.js";
import type { SizeTable } from "./wgsl.js";

/**
 * Data-movement kernels (reshape, slice, concat, gathers, …) copy 32-bit words without looking at
 * them: f32, i32, u32 and bool (stored as u32 0/1) share one kernel per shape, typed `u32`. A
 * kernel moves vec4s of words instead when every run of contiguous words it copies, and every
 * offset into one, is known to be a multiple of 4.
 */

export type Lanes = 1 | 4;

/** Refuse dtypes that are not stored as 32-bit words (f16 needs the shader-f16 feature). */
export function checkWords(node: Node, dtype: DType): void {
  if (dtype === "f16") throw new CodegenError(node.op, "f16 tensors have no GPU kernel yet", node.span);
}

/** The WGSL scalar an arithmetic kernel computes `dtype` in (bool as u32). */
export function arithmeticScalar(node: Node, dtype: DType): "f32" | "i32" | "u32" {
  if (dtype === "f16") throw new CodegenError(node.op, "f16 tensors have no GPU kernel yet", node.span);
  return dtype === "bool" ? "u32" : dtype;
}

/** `scalar` or `vec4<scalar>`. */
export function unitType(scalar: string, lanes: Lanes): string {
  return lanes === 4 ? `vec4<${scalar}>` : scalar;
}

/** 4 when every dim is known (under `symbols`) to be a multiple of 4, else 1. */
export function lanesFor(dims: readonly Dim[], symbols: Readonly<Record<string, number>> = {}): Lanes {
  return dims.every((d) => {
    const v = evalDim(d, symbols);
    return v !== undefined && v % 4 === 0;
  })
    ? 4
    : 1;
}

/** A size in words as a size in units of `lanes` words (exact: lanesFor has checked it). */
export function inUnits(dim: Dim, lanes: Lanes, symbols: Readonly<Record<string, number>> = {}): Dim {
  if (lanes === 1) return dim;
  return evalDim(dim, symbols)! / 4;
}

/** Only t.scatter_slice and t.slice_add have an in-place variant; the other emitters here refuse it. */
export function refuseInPlace(node: Node, options: EmitOptions): void {
  if (options.inPlace) throw new CodegenError(node.op, "has no in-place variant", node.span);
}

/** The product of dims (1 for none). */
export function product(dims: readonly Dim[]): Dim {
  return dims.reduce<Dim>((n, d) => dimMul(n, d), 1);
}

/**
 * Declare a size the kernel divides by: baked in when known, unless it is 0 — WGSL rejects a
 * division by a constant zero, so a zero goes through the sizes uniform. (A zero divisor always
 * comes with an empty result: no work item ever divides by it.)
 */
export function addDivisor(sizes: SizeTable, name: string, dim: Dim, symbols: Readonly<Record<string, number>> = {}): string {
  return sizes.add(name, dim, evalDim(dim, symbols) === 0 ? "runtime" : "bake");
}
