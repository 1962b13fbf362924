import type { Expr, TypeExpr } from "../../grammar/ast.js";
import { didYouMean } from "../../grammar/suggest.js";
import type { DType, Dim, GraphType, TensorType } from "../ir/types.js";
import { evaluate, type EvalScope } from "./eval.js";
import { didYouMeanHelp, type Reporter } from "./report.js";
import type { ArgKind } from "./signature.js";
import { formatGraphType, formatTensorType, int, type Value } from "./value.js";

/**
 * Type annotations: `int`/`float`/`bool`/`str` for block parameters, `f32[N, in_channels]` and
 * `graph[N]` for forward parameters and results. Dimension names that are not parameters and
 * start with a capital letter (`N`, `E`, `F`) are free: bound by the first value they meet.
 */

const DTYPES: readonly DType[] = ["f32", "f16", "i32", "u32", "bool"];
const STATIC_TYPES = ["int", "float", "bool", "str"] as const;
const ALL_TYPE_NAMES = [...STATIC_TYPES, ...DTYPES, "graph"];

/** The argument kind of a block/model parameter's annotation (`int`, `float`, `bool`, `str`). */
export function templateParamKind(te: TypeExpr, r: Reporter): ArgKind {
  const name = te.name.name;
  if (te.dims === undefined && (STATIC_TYPES as readonly string[]).includes(name)) return name as ArgKind;
  if (te.dims !== undefined || name === "graph") {
    return r.fail("E306", `block and model parameters are compile-time values (int, float, bool, str), found \`${name}[…]\``, te.span, {
      help: "tensors and graphs are parameters of `forward`",
    });
  }
  return r.fail("E306", `unknown type \`${name}\``, te.name.span, {
    help: didYouMeanHelp(didYouMean(name, STATIC_TYPES)) ?? "parameter types are int, float, bool and str",
  });
}

export type AnnotatedType = { kind: "tensor"; type: TensorType } | { kind: "graph"; type: GraphType } | { kind: "static"; name: string };

/**
 * The type an annotation declares, with free dims taken from `bindings` or, when unbound, left as
 * symbols of their own name (a model's `N`). Graph edges default to the symbol `E`.
 */
export function declaredType(te: TypeExpr, scope: EvalScope, bindings: ReadonlyMap<string, Dim>): AnnotatedType {
  const name = checkTypeName(te, scope.reporter);
  if (name === "graph") {
    const [nodes, edges] = (te.dims ?? []).map((d) => dimValue(d, scope, bindings));
    return { kind: "graph", type: { kind: "graph", nodes: nodes ?? "N", edges: edges ?? "E", selfLoops: false } };
  }
  if (te.dims === undefined) return { kind: "static", name };
  return { kind: "tensor", type: { kind: "tensor", dtype: name as DType, shape: te.dims.map((d) => dimValue(d, scope, bindings)) } };
}

/**
 * Does `actual` fit the annotation? Free dims not yet bound are bound to the actual sizes.
 * Returns the expected type's text on a mismatch, undefined when it fits.
 */
export function matchAnnotation(te: TypeExpr, actual: Value, scope: EvalScope, bindings: Map<string, Dim>): string | undefined {
  const name = checkTypeName(te, scope.reporter);
  const dims = te.dims ?? [];
  const actualDims: readonly Dim[] | undefined =
    actual.kind === "tensor" && name !== "graph" && te.dims !== undefined
      ? actual.type.dtype === name && actual.type.shape.length === dims.length
        ? actual.type.shape
        : undefined
      : actual.kind === "graph" && name === "graph"
        ? [actual.type.nodes, actual.type.edges].slice(0, Math.max(dims.length, 1))
        : undefined;
  if (actualDims) {
    dims.forEach((d, i) => {
      if (d.kind === "Name" && isFree(d.name, scope) && !bindings.has(d.name)) bindings.set(d.name, actualDims[i]);
    });
    if (dims.every((d, i) => dimValue(d, scope, bindings) === actualDims[i])) return undefined;
  } else if (te.dims === undefined && name !== "graph" && staticFits(name, actual)) {
    return undefined;
  }
  return formatAnnotated(declaredType(te, scope, bindings));
}

export function formatAnnotated(t: AnnotatedType): string {
  if (t.kind === "tensor") return formatTensorType(t.type);
  if (t.kind === "graph") return formatGraphType(t.type);
  return t.name;
}

function staticFits(name: string, v: Value): boolean {
  if (name === "float") return v.kind === "float" || v.kind === "int";
  if (name === "str") return v.kind === "str";
  return v.kind === name;
}

function checkTypeName(te: TypeExpr, r: Reporter): string {
  const name = te.name.name;
  if (!ALL_TYPE_NAMES.includes(name)) {
    return r.fail("E306", `unknown type \`${name}\``, te.name.span, {
      help: didYouMeanHelp(didYouMean(name, ALL_TYPE_NAMES)) ?? "types are f32[...], graph[N], int, float, bool and str",
    });
  }
  if (name === "graph" && te.dims !== undefined && (te.dims.length < 1 || te.dims.length > 2)) {
    return r.fail("E306", "a graph type names its node count, and optionally its edge count: `graph[N]` or `graph[N, E]`", te.span);
  }
  if (name === "graph" && te.dims === undefined) {
    return r.fail("E306", "a graph type names its node count: `graph[N]`", te.span, { help: "the node count ties the graph to the feature rows" });
  }
  if ((name === "int" || name === "float" || name === "str") && te.dims !== undefined) {
    return r.fail("E306", `\`${name}\` takes no dimensions; tensors are written \`f32[N, 16]\``, te.span);
  }
  return name;
}

/** A free dimension name: not visible as a parameter and capitalised. */
function isFree(name: string, scope: EvalScope): boolean {
  return scope.lookup(name) === undefined && /^[A-Z]/.test(name);
}

function dimValue(e: Expr, scope: EvalScope, bindings: ReadonlyMap<string, Dim>): Dim {
  const inner: EvalScope = {
    reporter: scope.reporter,
    visibleNames: () => scope.visibleNames(),
    call: (c) => scope.call(c),
    stack: (c) => scope.stack(c),
    lookup: (name) => {
      const v = scope.lookup(name);
      if (v !== undefined) return v;
      if (bindings.has(name)) return int(bindings.get(name)!);
      return /^[A-Z]/.test(name) ? int(name) : undefined;
    },
  };
  const v = evaluate(e, inner);
  if (v.kind !== "int") {
    return scope.reporter.fail("E306", `a dimension must be an int, found ${v.kind === "float" ? `float ${v.value}` : v.kind}`, e.span);
  }
  return v.value;
}
