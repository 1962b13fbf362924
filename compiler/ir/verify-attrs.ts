import type { AttrKind, AttrSchema, OpSpec } from "./spec.js";
import { formatAttrValue } from "./text-format.js";
import type { AttrValue, Attrs } from "./types.js";

/** Checks a node's attrs against its op's schema: unknown, missing and ill-typed attributes. */

const isInt = (v: unknown) => typeof v === "number" && Number.isInteger(v);
const isDim = (v: unknown) => (isInt(v) && (v as number) >= 0) || (typeof v === "string" && v.length > 0);

const CHECKS: Record<AttrKind, (v: AttrValue) => boolean> = {
  int: isInt,
  float: (v) => typeof v === "number",
  bool: (v) => typeof v === "boolean",
  string: (v) => typeof v === "string",
  dim: isDim,
  ints: (v) => Array.isArray(v) && v.every(isInt),
  dims: (v) => Array.isArray(v) && v.every(isDim),
  strings: (v) => Array.isArray(v) && v.every((x) => typeof x === "string"),
};

const KIND_NAMES: Record<AttrKind, string> = {
  int: "an integer",
  float: "a number",
  bool: "a boolean",
  string: "a string",
  dim: "a dimension (a size or a symbol)",
  ints: "a list of integers",
  dims: "a list of dimensions",
  strings: "a list of strings",
};

function checkOne(name: string, schema: AttrSchema, value: AttrValue): string | undefined {
  if (!CHECKS[schema.kind](value)) {
    return `attribute ${name} must be ${KIND_NAMES[schema.kind]}, got ${formatAttrValue(value)}`;
  }
  if (schema.oneOf && !schema.oneOf.includes(value as string)) {
    return `attribute ${name} must be one of ${schema.oneOf.join(", ")}, got ${formatAttrValue(value)}`;
  }
  return undefined;
}

/** Every attribute problem of a node, as messages. */
export function checkAttrs(spec: OpSpec, attrs: Attrs): string[] {
  const problems: string[] = [];
  const known = Object.keys(spec.attrs);
  for (const name of Object.keys(attrs)) {
    if (!(name in spec.attrs)) {
      const allowed = known.length ? `; ${spec.name} takes ${known.join(", ")}` : `; ${spec.name} takes none`;
      problems.push(`unknown attribute ${name}${allowed}`);
    }
  }
  for (const [name, schema] of Object.entries(spec.attrs)) {
    const value = attrs[name];
    if (value === undefined) {
      if (schema.default === undefined && !schema.optional) problems.push(`missing attribute ${name}`);
      continue;
    }
    const bad = checkOne(name, schema, value);
    if (bad) problems.push(bad);
  }
  return problems;
}
