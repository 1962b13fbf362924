import type { Ident } from "../../grammar/ast.js";
import type { Label } from "../../grammar/diagnostics.js";
import type { Span } from "../../grammar/span.js";
import { didYouMean } from "../../grammar/suggest.js";
import { Abort, didYouMeanHelp, type Reporter } from "./report.js";
import { describeValue, float, type Value } from "./value.js";

/** What an argument must be. `float` accepts an int too and yields a float. */
export type ArgKind = "int" | "float" | "bool" | "str" | "module" | "tensor" | "graph" | "ints" | "tensors" | "any";

export interface SigParam {
  name: string;
  kind: ArgKind;
  /** The value used when the argument is omitted. */
  default?: Value;
  /** Omittable without a default (PyG's `None`): absent from the bound arguments. */
  optional?: boolean;
  /** For `str`: the accepted values. */
  oneOf?: readonly string[];
  /** Numeric bounds (inclusive unless `maxExclusive`). */
  min?: number;
  max?: number;
  maxExclusive?: boolean;
  /** Shown as the hint when the value is out of bounds (why the bound exists). */
  boundsHelp?: string;
}

export interface Signature {
  /** The callee as users write it: `GCNConv`, `dropout`, `ResBlock`. */
  name: string;
  params: readonly SigParam[];
}

export interface ArgInput {
  name?: Ident;
  value: Value;
  span: Span;
}

export interface BoundArg {
  value: Value;
  /** Where the argument was written; undefined when the default was used. */
  span?: Span;
}

export type BoundArgs = ReadonlyMap<string, BoundArg>;

export interface BindSite {
  reporter: Reporter;
  /** The whole call, for "missing argument" errors. */
  callSpan: Span;
  /** Where the callee is declared (user blocks), for a "declared here" label. */
  declSpan?: Span;
}

/**
 * Inputs of a layer or block call: one error for too many positional inputs (rather than one per
 * extra input), naming what the callee takes.
 */
export function checkInputCount(sig: Signature, args: readonly ArgInput[], site: BindSite): void {
  const positional = args.filter((a) => !a.name);
  if (positional.length <= sig.params.length) return;
  const n = sig.params.length;
  site.reporter.fail("E407", `\`${sig.name}\` takes ${n} input${plural(n)} (${sig.params.map((p) => p.name).join(", ")}), found ${positional.length}`, positional[n].span, {
    labels: site.declSpan ? [{ span: site.declSpan, message: `\`${sig.name}\` is declared here` }] : [],
  });
}

/**
 * Match positional and named arguments to a signature, check their kinds and bounds and fill in
 * defaults. Every problem is reported; the call aborts if there was any.
 */
export function bindArgs(sig: Signature, args: readonly ArgInput[], site: BindSite): Map<string, BoundArg> {
  const r: Reporter = site.reporter;
  const before = r.errors;
  const bound = new Map<string, BoundArg>();
  const declLabel: Label[] = site.declSpan ? [{ span: site.declSpan, message: `\`${sig.name}\` is declared here` }] : [];
  let positional = 0;
  for (const arg of args) {
    let param: SigParam | undefined;
    if (arg.name) {
      param = sig.params.find((p) => p.name === arg.name!.name);
      if (!param) {
        const names = sig.params.map((p) => p.name);
        const suggestion = didYouMean(arg.name.name, names);
        r.error("E401", `\`${sig.name}\` has no argument named \`${arg.name.name}\``, arg.name.span, {
          labels: declLabel,
          help: didYouMeanHelp(suggestion) ?? `its arguments are: ${formatSignature(sig)}`,
        });
        continue;
      }
    } else {
      param = sig.params[positional++];
      if (!param) {
        r.error("E404", `\`${sig.name}\` takes at most ${sig.params.length} argument${plural(sig.params.length)}, found more`, arg.span, {
          labels: declLabel,
          help: `the signature is ${formatSignature(sig)}`,
        });
        continue;
      }
    }
    const previous = bound.get(param.name);
    if (previous) {
      r.error("E403", `argument \`${param.name}\` of \`${sig.name}\` is given twice`, arg.span, {
        labels: previous.span ? [{ span: previous.span, message: "first given here" }] : [],
      });
      continue;
    }
    const value = checkArg(sig, param, arg.value, arg.span, r);
    if (value) bound.set(param.name, { value, span: arg.span });
  }
  for (const p of sig.params) {
    if (bound.has(p.name)) continue;
    if (p.default !== undefined) bound.set(p.name, { value: p.default });
    else if (!p.optional && !failedEarlier(args, p, sig)) {
      r.error("E402", `missing argument \`${p.name}\` of \`${sig.name}\``, site.callSpan, {
        labels: declLabel,
        help: `the signature is ${formatSignature(sig)}`,
      });
    }
  }
  if (r.errors > before) throw new Abort();
  return bound;
}

/** An argument that was given but rejected should not also be reported as missing. */
function failedEarlier(args: readonly ArgInput[], p: SigParam, sig: Signature): boolean {
  let positional = 0;
  for (const a of args) {
    if (a.name ? a.name.name === p.name : sig.params[positional++]?.name === p.name) return true;
  }
  return false;
}

/** Check one argument's kind and bounds; returns the (coerced) value or undefined after an error. */
export function checkArg(sig: Signature, p: SigParam, v: Value, span: Span, r: Reporter): Value | undefined {
  const what = `argument \`${p.name}\` of \`${sig.name}\``;
  const wrongKind = (expected: string) => {
    r.error("E405", `${what} must be ${expected}, found ${describeValue(v)}`, span, { help: kindHelp(sig, p.kind, v) });
    return undefined;
  };
  let out: Value = v;
  switch (p.kind) {
    case "any":
      return v;
    case "int":
      if (v.kind !== "int") return wrongKind("an int");
      break;
    case "float":
      if (v.kind === "int") {
        if (typeof v.value !== "number") {
          r.error("E311", `${what} must be a known number, found the symbolic size \`${v.value}\``, span);
          return undefined;
        }
        out = float(v.value);
      } else if (v.kind !== "float") return wrongKind("a number");
      break;
    case "bool":
      if (v.kind !== "bool") return wrongKind("`true` or `false`");
      break;
    case "str":
      if (v.kind !== "str") return wrongKind("a string");
      if (p.oneOf && !p.oneOf.includes(v.value)) {
        const suggestion = didYouMean(v.value, p.oneOf);
        r.error("E406", `${what} must be one of ${p.oneOf.map((s) => JSON.stringify(s)).join(", ")}, found ${JSON.stringify(v.value)}`, span, {
          help: suggestion ? `did you mean "${suggestion}"?` : undefined,
        });
        return undefined;
      }
      break;
    case "module":
      if (v.kind !== "module") return wrongKind("a layer or block instance");
      break;
    case "tensor":
      if (v.kind !== "tensor") return wrongKind("a tensor");
      break;
    case "graph":
      if (v.kind !== "graph") return wrongKind("a graph");
      break;
    case "ints":
      if (v.kind !== "list" || v.items.some((i) => i.kind !== "int")) return wrongKind("a list of ints");
      break;
    case "tensors":
      if (v.kind !== "list" || v.items.length === 0 || v.items.some((i) => i.kind !== "tensor")) return wrongKind("a non-empty list of tensors");
      break;
  }
  if (!inBounds(p, out)) {
    r.error("E406", `${what} must be ${boundsText(p)}, found ${describeValue(out)}`, span, { help: p.boundsHelp });
    return undefined;
  }
  return out;
}

function inBounds(p: SigParam, v: Value): boolean {
  const n = v.kind === "int" || v.kind === "float" ? v.value : undefined;
  if (typeof n !== "number") return true; // symbolic sizes are checked when bound
  if (p.min !== undefined && n < p.min) return false;
  if (p.max !== undefined && (p.maxExclusive ? n >= p.max : n > p.max)) return false;
  return true;
}

function boundsText(p: SigParam): string {
  if (p.min !== undefined && p.max !== undefined) return `in [${p.min}, ${p.max}${p.maxExclusive ? ")" : "]"}`;
  if (p.min !== undefined) return p.min === 1 && p.kind === "int" ? "a positive int" : `at least ${p.min}`;
  return p.maxExclusive ? `below ${p.max}` : `at most ${p.max}`;
}

function kindHelp(sig: Signature, kind: ArgKind, v: Value): string | undefined {
  if (kind === "tensor" || kind === "graph") return `the inputs are ${formatSignature(sig)}`;
  if (kind === "int" && v.kind === "float") return "write an integer (no decimal point), or compute it from int parameters";
  if (kind === "module") return "pass a layer instance such as `Linear(16, 16)` or a block instance";
  if (kind === "str" && v.kind !== "str") return "strings are written in double quotes";
  return undefined;
}

/** `GCNConv(in_channels: int, out_channels: int, improved: bool = false, …)`. */
export function formatSignature(sig: Signature): string {
  const parts = sig.params.map((p) => {
    const d = p.default !== undefined ? ` = ${formatDefault(p.default)}` : p.optional ? " = none" : "";
    return `${p.name}${d}`;
  });
  return `${sig.name}(${parts.join(", ")})`;
}

function formatDefault(v: Value): string {
  switch (v.kind) {
    case "int":
    case "bool":
      return String(v.value);
    case "float":
      return Number.isInteger(v.value) ? v.value.toFixed(1) : String(v.value);
    case "str":
      return JSON.stringify(v.value);
    case "list":
      return `[${v.items.map(formatDefault).join(", ")}]`;
    default:
      return describeValue(v);
  }
}

function plural(n: number): string {
  return n === 1 ? "" : "s";
}

/** Typed accessors for bound arguments (the binder has already checked kinds). */
export function argInt(args: BoundArgs, name: string): number | string {
  const v = args.get(name)?.value;
  if (v?.kind !== "int") throw new Error(`internal: argument ${name} is not an int`);
  return v.value;
}
export function argFloat(args: BoundArgs, name: string): number {
  const v = args.get(name)?.value;
  if (v?.kind !== "float") throw new Error(`internal: argument ${name} is not a float`);
  return v.value;
}
export function argBool(args: BoundArgs, name: string): boolean {
  const v = args.get(name)?.value;
  if (v?.kind !== "bool") throw new Error(`internal: argument ${name} is not a bool`);
  return v.value;
}
export function argStr(args: BoundArgs, name: string): string | undefined {
  const v = args.get(name)?.value;
  return v?.kind === "str" ? v.value : undefined;
}
