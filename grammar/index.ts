import type { IToken } from "chevrotain";
import type { Item, Program } from "./ast.js";
import { error, hasErrors, type Diagnostic } from "./diagnostics.js";
import { lex } from "./lexer.js";
import { scanBrackets } from "./brackets.js";
import { GnnParser } from "./parser.js";
import type { ParseState } from "./raw-errors.js";
import { syntaxDiagnostic, type ErrorEnv } from "./syntax-errors.js";
import { endOfText, pointSpan, tokenSpan } from "./positions.js";
import { MAX_ERRORS, MAX_NESTING } from "./codes.js";
import { findTooDeep, MAX_AST_DEPTH } from "./depth.js";

export interface ParseResult {
  /** Present only when the file has no errors. */
  ast?: Program;
  diagnostics: Diagnostic[];
}

const state: ParseState = {};
let parser: GnnParser | undefined;

/**
 * Parses one `.gnn` file. Never throws on bad input: every problem (all of them, up to MAX_ERRORS)
 * comes back as a diagnostic, sorted by position.
 */
export function parse(text: string, file: string): ParseResult {
  const lexed = lex(text, file);
  const tokens = lexed.tokens;
  const scan = scanBrackets(tokens);
  const endOfFile = endOfText(text);
  const diagnostics = [...lexed.diagnostics];
  let items: Item[] | undefined;

  if (scan.tooDeepAt !== undefined) {
    diagnostics.push(nestingTooDeep(tokenSpan(file, tokens[scan.tooDeepAt]), true));
  } else {
    const startsOf = (code: string) => lexed.diagnostics.filter((d) => d.code === code).map((d) => d.span.start.offset);
    const droppedAt = startsOf("E001").sort((a, b) => a - b);
    const unterminatedAt = new Set(startsOf("E002"));
    items = runParser(tokens, { file, tokens, scan, endOfFile, droppedAt, unterminatedAt }, diagnostics);
  }

  const final = tidy(diagnostics, file);
  if (items === undefined || hasErrors(final)) return { diagnostics: final };
  const start = { offset: 0, line: 1, column: 1 };
  const ast: Program = { kind: "Program", file, items, span: { file, start, end: endOfFile } };
  const deep = findTooDeep(ast);
  if (deep) return { diagnostics: [...final, expressionTooDeep(deep)] };
  return { ast, diagnostics: final };
}

function runParser(tokens: IToken[], env: ErrorEnv, out: Diagnostic[]): Item[] | undefined {
  parser ??= new GnnParser(state);
  parser.input = tokens;
  parser.file = env.file;
  parser.extraDiagnostics = [];
  state.item = undefined;
  let items: Item[];
  try {
    items = parser.program();
  } catch (e) {
    // The bracket pre-scan keeps nesting within limits; this is the safety net should it not suffice.
    if (!(e instanceof RangeError)) throw e;
    parser = undefined; // its state may be torn; the next parse builds a fresh one
    const deepest = env.tokens[env.scan.deepestAt];
    const span = deepest ? tokenSpan(env.file, deepest) : pointSpan(env.file, { offset: 0, line: 1, column: 1 });
    out.push(nestingTooDeep(span, false));
    return undefined;
  }
  // At most one syntax error per line: after error recovery, further errors on the line of the first
  // are nearly always its echo (a name read as the start of a new member, a stray `)`, …). An error
  // has up to two lines: where the unexpected token is, and where its caret is (it may point just
  // after the previous token, on an earlier line).
  let lastLines: number[] = [];
  for (const e of parser.errors) {
    const foundLine = Number.isFinite(e.token.startLine) ? e.token.startLine! : Infinity; // end of file has no line
    if (lastLines.includes(foundLine)) continue;
    const d = syntaxDiagnostic(e, env);
    if (d && lastLines.includes(d.span.start.line)) continue;
    lastLines = d ? [foundLine, d.span.start.line] : [foundLine];
    if (d) out.push(d);
  }
  out.push(...parser.extraDiagnostics);
  return items;
}

function expressionTooDeep(span: Diagnostic["span"]): Diagnostic {
  return error("E111", `expression nested too deeply: more than ${MAX_AST_DEPTH} levels`, span, {
    help: "a chain of thousands of operators; split it into named intermediate values",
  });
}

/** `overLimit`: found by the pre-scan; otherwise the parser ran out of stack below the limit. */
function nestingTooDeep(span: Diagnostic["span"], overLimit: boolean): Diagnostic {
  const message = overLimit
    ? `nesting too deep: more than ${MAX_NESTING} levels of brackets or unary minus`
    : "nesting too deep for the parser";
  const label = overLimit ? `nesting level ${MAX_NESTING + 1} starts here` : "the deepest nesting is here";
  return error("E109", message, span, {
    labels: [{ span, message: label }],
    help: "split the expression into named intermediate values",
  });
}

/**
 * Sorts by position, keeps one diagnostic per position (error recovery can report one mistake twice),
 * drops diagnostics that only point into recovered placeholders, and caps the count.
 */
function tidy(diagnostics: Diagnostic[], file: string): Diagnostic[] {
  const placed = diagnostics.filter((d) => Number.isFinite(d.span.start.offset));
  const list = placed.length > 0 || diagnostics.length === 0 ? placed : [relocate(diagnostics[0], file)];
  list.sort((a, b) => a.span.start.offset - b.span.start.offset);
  const seen = new Set<number>();
  const unique = list.filter((d) => !seen.has(d.span.start.offset) && seen.add(d.span.start.offset));
  if (unique.length <= MAX_ERRORS) return unique;
  const rest = unique.length - MAX_ERRORS;
  const note: Diagnostic = {
    code: "E199",
    severity: "note",
    message: `too many errors; ${rest} more not shown`,
    span: unique[MAX_ERRORS].span,
    help: "fix the errors above and run again",
  };
  return [...unique.slice(0, MAX_ERRORS), note];
}

/** Moves a diagnostic whose span was lost in error recovery to the start of the file, without labels. */
function relocate(d: Diagnostic, file: string): Diagnostic {
  const { labels: _dropped, ...rest } = d;
  return { ...rest, span: pointSpan(file, { offset: 0, line: 1, column: 1 }) };
}
