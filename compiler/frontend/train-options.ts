import type { Arg, Expr } from "../../grammar/ast.js";
import type { Span } from "../../grammar/span.js";
import { didYouMean } from "../../grammar/suggest.js";
import { evaluate } from "./eval.js";
import { exprText } from "./expr-text.js";
import { Abort, didYouMeanHelp, type Reporter } from "./report.js";
import { SPLITS, type OptionValue } from "../train/spec.js";

/**
 * Arguments of the calls inside a train block (`adam(lr = 0.01)`, `cross_entropy(mask = train)`,
 * `sparsify(method = rigl)`): literals and bare words rather than model values.
 */
export type OptKind = "number" | "int" | "bool" | "split" | "string" | "word" | "pair" | "any";

export interface OptParam {
  name: string;
  kind: OptKind;
  /** May be given by position (in declaration order among positional params). */
  positional?: boolean;
  min?: number;
  max?: number;
  maxExclusive?: boolean;
}

export interface BoundOption {
  value: OptionValue;
  span: Span;
}

export interface OptionSite {
  callee: string;
  reporter: Reporter;
  /** Reports an unknown option name itself (returns true) instead of the generic E401. */
  unknown?: (name: string, span: Span) => boolean;
}

/** Match arguments to option params and check their values; reports everything, then aborts on error. */
export function bindOptions(args: readonly Arg[], params: readonly OptParam[], site: OptionSite): Map<string, BoundOption> {
  const r: Reporter = site.reporter;
  const before = r.errors;
  const out = new Map<string, BoundOption>();
  const positional = params.filter((p) => p.positional);
  let next = 0;
  for (const arg of args) {
    let param: OptParam | undefined;
    if (arg.name) {
      param = params.find((p) => p.name === arg.name!.name);
      if (!param) {
        if (!site.unknown?.(arg.name.name, arg.name.span)) {
          r.error("E401", `\`${site.callee}\` has no option \`${arg.name.name}\``, arg.name.span, {
            help: didYouMeanHelp(didYouMean(arg.name.name, params.map((p) => p.name))) ?? optionsHelp(params),
          });
        }
        continue;
      }
    } else {
      param = positional[next++];
      if (!param) {
        r.error("E404", `too many positional arguments to \`${site.callee}\``, arg.span, { help: optionsHelp(params) });
        continue;
      }
    }
    const prev = out.get(param.name);
    if (prev) {
      r.error("E403", `option \`${param.name}\` of \`${site.callee}\` is given twice`, arg.span, { labels: [{ span: prev.span, message: "first given here" }] });
      continue;
    }
    const value = optionValueOf(param, arg.value, site);
    if (value !== undefined) out.set(param.name, { value, span: arg.value.span });
  }
  if (r.errors > before) throw new Abort();
  return out;
}

function optionsHelp(params: readonly OptParam[]): string {
  return params.length === 0 ? "it takes no options" : `its options are ${params.map((p) => `\`${p.name}\``).join(", ")}`;
}

function optionValueOf(p: OptParam, e: Expr, site: OptionSite): OptionValue | undefined {
  const r: Reporter = site.reporter;
  const what = `\`${p.name}\` of \`${site.callee}\``;
  const wrong = (expected: string) => {
    r.error("E405", `${what} must be ${expected}, found \`${exprText(e)}\``, e.span);
    return undefined;
  };
  switch (p.kind) {
    case "split":
      return splitName(e, r);
    case "word":
      return e.kind === "Name" ? e.name : wrong("a name");
    case "string":
      return e.kind === "String" ? e.value : wrong("a string");
    case "bool":
      return e.kind === "Bool" ? e.value : wrong("`true` or `false`");
    case "any":
      return freeValue(e, r);
    case "pair": {
      if (e.kind !== "List" || e.elements.length !== 2) return wrong("a pair of numbers such as `[0.9, 0.999]`");
      const xs = e.elements.map((x) => literalNumber(x, r));
      if (xs.some((x) => x === undefined)) return wrong("a pair of numbers such as `[0.9, 0.999]`");
      if (xs.some((x) => !inBounds(p, x!))) return outOfBounds(p, what, e, r);
      return xs as number[];
    }
    case "number":
    case "int": {
      const n = literalNumber(e, r);
      if (n === undefined) return wrong(p.kind === "int" ? "a whole number" : "a number");
      if (p.kind === "int" && !Number.isInteger(n)) return wrong("a whole number");
      if (!inBounds(p, n)) return outOfBounds(p, what, e, r);
      return n;
    }
  }
}

function inBounds(p: OptParam, n: number): boolean {
  if (p.min !== undefined && n < p.min) return false;
  if (p.max !== undefined && (p.maxExclusive ? n >= p.max : n > p.max)) return false;
  return true;
}

function outOfBounds(p: OptParam, what: string, e: Expr, r: Reporter): undefined {
  const range =
    p.max === undefined ? `at least ${p.min}` : `in [${p.min ?? "-∞"}, ${p.max}${p.maxExclusive ? ")" : "]"}`;
  r.error("E406", `${what} must be ${range}, found \`${exprText(e)}\``, e.span);
  return undefined;
}

/** A number written as a literal or literal arithmetic (`5e-4`, `-1`, `1 / 3.0`). */
export function literalNumber(e: Expr, r: Reporter): number | undefined {
  if (!isLiteral(e)) return undefined;
  const v = evaluate(e, {
    reporter: r,
    lookup: () => undefined,
    visibleNames: () => [],
    call: () => {
      throw new Abort();
    },
    stack: () => {
      throw new Abort();
    },
  });
  return (v.kind === "int" || v.kind === "float") && typeof v.value === "number" ? v.value : undefined;
}

function isLiteral(e: Expr): boolean {
  if (e.kind === "Number") return true;
  if (e.kind === "Unary") return isLiteral(e.operand);
  if (e.kind === "Binary") return e.op !== "@" && isLiteral(e.left) && isLiteral(e.right);
  return false;
}

export function splitName(e: Expr, r: Reporter): string | undefined {
  const name = e.kind === "Name" ? e.name : exprText(e);
  if (e.kind === "Name" && (SPLITS as readonly string[]).includes(name)) return name;
  r.error("E509", `unknown split \`${name}\``, e.span, {
    help: didYouMeanHelp(didYouMean(name, SPLITS)) ?? "the splits are `train`, `val` and `test`",
  });
  return undefined;
}

/** Options of schedules and passes: literals, lists, bare words (`method = rigl`) and calls of those (`levels(-1, 20)`). */
export function freeValue(e: Expr, r: Reporter): OptionValue | undefined {
  switch (e.kind) {
    case "Call": {
      const named = e.args.find((a) => a.name);
      if (e.callee.kind !== "Name" || named) {
        r.error("E512", `\`${exprText(e)}\` is not an option value: a call in an option is a name with positional arguments, e.g. \`levels(-1, 20)\``, (named ?? e).span);
        return undefined;
      }
      const args = e.args.map((a) => freeValue(a.value, r));
      return args.some((x) => x === undefined) ? undefined : { call: e.callee.name, args: args as OptionValue[] };
    }
    case "Name":
      return e.name;
    case "String":
      return e.value;
    case "Bool":
      return e.value;
    case "Member":
      return exprText(e);
    case "List": {
      const items = e.elements.map((x) => freeValue(x, r));
      return items.some((x) => x === undefined) ? undefined : (items as OptionValue[]);
    }
    default: {
      const n = literalNumber(e, r);
      if (n !== undefined) return n;
      r.error("E512", `\`${exprText(e)}\` is not an option value (a number, string, bool, name or list)`, e.span);
      return undefined;
    }
  }
}
