import { expect } from "vitest";
import { parse } from "../../grammar/index.js";
import type { Expr, Item, ModuleDecl, Program } from "../../grammar/ast.js";
import type { Diagnostic } from "../../grammar/diagnostics.js";
import type { Span } from "../../grammar/span.js";

/** Parses text that must be valid and returns its AST. */
export function parseOk(text: string, file = "test.gnn"): Program {
  const { ast, diagnostics } = parse(text, file);
  expect(diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual([]);
  expect(ast).toBeDefined();
  return ast!;
}

/** Parses text that must be invalid and returns its diagnostics. */
export function parseBad(text: string, file = "test.gnn"): Diagnostic[] {
  const { ast, diagnostics } = parse(text, file);
  expect(ast).toBeUndefined();
  expect(diagnostics.length).toBeGreaterThan(0);
  return diagnostics;
}

/** The value of `dataset x = <expr>`. */
export function parseExpr(expr: string): Expr {
  const item = parseOk(`dataset x = ${expr}`).items[0];
  if (item.kind !== "Dataset") throw new Error("expected a dataset item");
  return item.value;
}

/** A compact rendering of an expression: `(a + (b * c))`, `f(x, k = 1)`, `-x`, `[a, b]`, … */
export function show(e: Expr): string {
  switch (e.kind) {
    case "Number":
      return e.raw;
    case "String":
      return JSON.stringify(e.value);
    case "Bool":
      return String(e.value);
    case "Name":
      return e.name;
    case "Member":
      return `${show(e.object)}.${e.property.name}`;
    case "Call":
      return `${show(e.callee)}(${e.args.map((a) => (a.name ? `${a.name.name} = ` : "") + show(a.value)).join(", ")})`;
    case "Binary":
      return `(${show(e.left)} ${e.op} ${show(e.right)})`;
    case "Unary":
      return `-${show(e.operand)}`;
    case "List":
      return `[${e.elements.map(show).join(", ")}]`;
    case "Stack":
      return `${e.modifiers.map((m) => `${m.kind}(${m.args.map((a) => (a.name ? `${a.name.name} = ` : "") + show(a.value)).join(", ")})`).join(" ")} ${show(e.layer)}`;
  }
}

/** The source text a span covers. */
export function textOf(source: string, span: Span): string {
  return source.slice(span.start.offset, span.end.offset);
}

/** `line:column-line:column` of a span. */
export function where(span: Span): string {
  return `${span.start.line}:${span.start.column}-${span.end.line}:${span.end.column}`;
}

type ItemOfKind<K extends Item["kind"]> = K extends ModuleDecl["kind"] ? ModuleDecl : Extract<Item, { kind: K }>;

export function itemsOfKind<K extends Item["kind"]>(program: Program, kind: K): ItemOfKind<K>[] {
  return program.items.filter((i) => i.kind === kind) as ItemOfKind<K>[];
}
