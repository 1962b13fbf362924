import { formatAttrValue } from "./text-format.js";
import { isDType } from "./type-utils.js";
import type { AttrValue, Attrs, Dim, DType } from "./types.js";

/**
 * Typed reads of attributes, for op rules and emitters. The verifier has checked every attribute
 * against its op's schema (verify-attrs.ts), so a value of the wrong kind here is a compiler bug:
 * it throws, naming the attribute. Optional attributes read as undefined when absent.
 */

function wrong(key: string, want: string, v: AttrValue | undefined): never {
  throw new Error(`attribute ${key} must be ${want}, got ${v === undefined ? "nothing" : formatAttrValue(v)}`);
}

const isDim = (v: unknown): v is Dim => typeof v === "number" || typeof v === "string";

export function intAttr(attrs: Attrs, key: string): number {
  const v = attrs[key];
  return typeof v === "number" && Number.isInteger(v) ? v : wrong(key, "an integer", v);
}

export function floatAttr(attrs: Attrs, key: string): number {
  const v = attrs[key];
  return typeof v === "number" ? v : wrong(key, "a number", v);
}

/** A number attribute that may be absent. */
export function optionalFloatAttr(attrs: Attrs, key: string): number | undefined {
  return attrs[key] === undefined ? undefined : floatAttr(attrs, key);
}

export function boolAttr(attrs: Attrs, key: string): boolean {
  const v = attrs[key];
  return typeof v === "boolean" ? v : wrong(key, "a boolean", v);
}

export function stringAttr(attrs: Attrs, key: string): string {
  const v = attrs[key];
  return typeof v === "string" ? v : wrong(key, "a string", v);
}

export function intsAttr(attrs: Attrs, key: string): readonly number[] {
  const v = attrs[key];
  return Array.isArray(v) && v.every((x) => typeof x === "number") ? (v as readonly number[]) : wrong(key, "a list of integers", v);
}

export function dimAttr(attrs: Attrs, key: string): Dim {
  const v = attrs[key];
  return isDim(v) ? v : wrong(key, "a dimension", v);
}

export function dimsAttr(attrs: Attrs, key: string): readonly Dim[] {
  const v = attrs[key];
  return Array.isArray(v) && v.every(isDim) ? (v as readonly Dim[]) : wrong(key, "a list of dimensions", v);
}

export function dtypeAttr(attrs: Attrs, key: string): DType {
  const v = attrs[key];
  return typeof v === "string" && isDType(v) ? v : wrong(key, "a dtype", v);
}
